/**
 * The simulator's WhatsApp: Meta's Cloud API webhooks. Statuses (sent, then delivered or failed;
 * read for an open) and inbound text replies are JSON posts to `/webhooks/whatsapp/:workspaceId`,
 * in the Cloud API's shape, signed with X-Hub-Signature-256 as Meta signs them (with the
 * simulator's secret, which that route honours while SEND_PROVIDER=simulator).
 */
import { randomBytes } from 'node:crypto';
import { whatsappSignatureHeader } from '../../tracking/webhooks/signatures';
import type { PlaybackContext, SimulatedChannel } from './simulator-channel';

/** Meta's error for a message that could not be delivered (e.g. the number is not on WhatsApp). */
const UNDELIVERABLE = { code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message Undeliverable.' } };

export const SIMULATED_WHATSAPP: SimulatedChannel = {
  webhookProvider: 'whatsapp',
  opens: true,

  async status(ctx, delivered) {
    await postStatus(ctx, 'sent');
    await postStatus(ctx, delivered ? 'delivered' : 'failed');
  },

  async open(ctx) {
    await postStatus(ctx, 'read');
  },

  async reply(ctx, body) {
    const waId = ctx.message.to.replace(/^\+/, '');
    await postCloud(ctx, {
      contacts: [{ profile: { name: 'Simulated contact' }, wa_id: waId }],
      messages: [{ from: waId, id: `wamid.SIM${randomBytes(16).toString('hex')}`, timestamp: unixNow(), type: 'text', text: { body } }],
    });
  },
};

function unixNow(): string {
  return String(Math.floor(Date.now() / 1000));
}

async function postStatus(ctx: PlaybackContext, status: 'sent' | 'delivered' | 'read' | 'failed'): Promise<void> {
  await postCloud(ctx, {
    statuses: [
      {
        id: ctx.providerMessageId,
        status,
        timestamp: unixNow(),
        recipient_id: ctx.message.to.replace(/^\+/, ''),
        ...(status === 'failed' ? { errors: [UNDELIVERABLE] } : {}),
      },
    ],
  });
}

/** POSTs one change of field `messages` to the workspace's WhatsApp webhook, signed as Meta signs. */
async function postCloud(ctx: PlaybackContext, value: Record<string, unknown>): Promise<void> {
  const phoneNumberId = ctx.workspace.whatsappCloud?.phoneNumberId ?? 'simulator';
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'simulator',
        changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: 'simulator', phone_number_id: phoneNumberId }, ...value } }],
      },
    ],
  });
  const path = `/webhooks/whatsapp/${encodeURIComponent(ctx.workspace.id)}`;
  const res = await ctx.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': whatsappSignatureHeader(ctx.secret, body) },
    body,
  });
  if (res.status < 200 || res.status >= 300) {
    ctx.warn({ status: res.status, body: res.body.slice(0, 500) }, 'simulated WhatsApp webhook was not accepted');
  }
}
