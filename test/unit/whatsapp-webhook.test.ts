/** The WhatsApp Cloud API webhook body → payloads for processWebhook (pure part of the route). */
import { Channel } from '../../src/domain/channel';
import { EventType } from '../../src/domain/event-type';
import { WhatsAppWebhook, whatsappPayloads } from '../../src/tracking/webhooks/whatsapp';
import { cloudStatus, cloudText, cloudWebhook } from '../helpers/whatsapp-cloud-server';

const parse = (body: unknown) => whatsappPayloads(WhatsAppWebhook.parse(body));
const AT = new Date('2026-12-02T10:00:00Z');

describe('whatsappPayloads', () => {
  it('maps sent / delivered / read / failed to SENT / DELIVERED / OPENED / FAILED, unix seconds to ISO', () => {
    const statuses = ['sent', 'delivered', 'read', 'failed', 'deleted'].map((s) => cloudStatus('wamid.A', s, '+14155550123', AT));
    expect(parse(cloudWebhook({ statuses }))).toEqual(
      [EventType.SENT, EventType.DELIVERED, EventType.OPENED, EventType.FAILED].map((type, i) => ({
        kind: 'status',
        provider: 'whatsapp',
        providerMessageId: 'wamid.A',
        type,
        eventKey: `whatsapp:wamid.A:${['sent', 'delivered', 'read', 'failed'][i]}`,
        at: '2026-12-02T10:00:00.000Z',
      })),
    );
  });

  it('turns inbound messages into inbound payloads on WHATSAPP from +<wa_id>: text, button labels, [type] for the rest', () => {
    const messages = [
      cloudText('351912345678', 'STOP', AT, 'wamid.1'),
      { from: '351912345678', id: 'wamid.2', timestamp: 1796205600, type: 'button', button: { text: 'Yes please', payload: 'YES' } },
      { from: '351912345678', id: 'wamid.3', timestamp: '1796205600', type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Tell me more' } } },
      { from: '351912345678', id: 'wamid.4', timestamp: '1796205600', type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Shoes', description: 'x' } } },
      { from: '351912345678', id: 'wamid.5', timestamp: '1796205600', type: 'image', image: { id: 'media-1', mime_type: 'image/jpeg' } },
    ];
    const out = parse(cloudWebhook({ contacts: [{ profile: { name: 'Ana' }, wa_id: '351912345678' }], messages }));
    expect(out.map((p) => (p.kind === 'inbound' ? [p.providerMessageId, p.from, p.body, p.channel] : null))).toEqual([
      ['wamid.1', '+351912345678', 'STOP', Channel.WHATSAPP],
      ['wamid.2', '+351912345678', 'Yes please', Channel.WHATSAPP],
      ['wamid.3', '+351912345678', 'Tell me more', Channel.WHATSAPP],
      ['wamid.4', '+351912345678', 'Shoes', Channel.WHATSAPP],
      ['wamid.5', '+351912345678', '[image]', Channel.WHATSAPP],
    ]);
    expect(out[0]).toMatchObject({ kind: 'inbound', provider: 'whatsapp', at: '2026-12-02T10:00:00.000Z' });
  });

  it('gives several events of several entries in order, and nothing for other fields', () => {
    const body = cloudWebhook({ statuses: [cloudStatus('wamid.A', 'delivered', '1', AT)], messages: [cloudText('1415', 'hi', AT, 'wamid.B')] }) as { entry: unknown[] };
    body.entry.push({ id: '2', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }, { field: 'messages', value: { statuses: [cloudStatus('wamid.C', 'read', '1', AT)] } }] });
    expect(parse(body).map((p) => p.providerMessageId)).toEqual(['wamid.A', 'wamid.B', 'wamid.C']);
  });

  it('ignores unknown fields but refuses malformed bodies', () => {
    expect(WhatsAppWebhook.safeParse({ ...cloudWebhook({}), extra: 1 }).success).toBe(true);
    for (const bad of [
      null,
      [],
      { object: 'page', entry: [{ changes: [] }] },
      { object: 'whatsapp_business_account', entry: [] },
      { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { statuses: [{ id: 'x', status: 'sent', timestamp: 'yesterday' }] } }] }] },
      { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { statuses: [{ id: 'x', status: 'sent', timestamp: 1e20 }] } }] }] },
      { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { messages: [{ id: 'x', type: 'text', timestamp: '1' }] } }] }] },
      { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { messages: [{ from: 1, id: 'x', type: 'text', timestamp: '1' }] } }] }] },
    ]) {
      expect(WhatsAppWebhook.safeParse(bad).success).toBe(false);
    }
  });
});
