/**
 * WhatsAppCloudProvider against a local server speaking the Cloud API's send-message protocol
 * (test/helpers/whatsapp-cloud-server.ts): the request as Meta documents it, the wamid answer, and
 * Graph API errors mapped to retryable or not.
 */
import { Channel } from '../../src/domain/channel';
import type { OutboundMessage, ProviderWorkspace } from '../../src/sending/providers/provider';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorText, isRetryableWhatsAppError, WhatsAppCloudProvider, whatsappCloudRequest } from '../../src/sending/providers/whatsapp-cloud';
import { WhatsAppCloudServer } from '../helpers/whatsapp-cloud-server';

const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'EAAG-test-access-token';

const server = new WhatsAppCloudServer().allow(PHONE_NUMBER_ID, TOKEN);
let workspace: ProviderWorkspace;

function message(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    channel: Channel.WHATSAPP,
    to: '+14155550123',
    body: 'Hi Ana, 20% off today https://sc.example/l/tok123',
    idempotencyKey: 'send:camp-1:contact-1',
    campaignId: 'camp-1',
    contactId: 'contact-1',
    variantId: 'var-a',
    links: [{ token: 'tok123', url: 'https://shop.example/a' }],
    ...overrides,
  };
}

beforeAll(async () => {
  await server.start();
  workspace = { id: '0b9c7a52-5f0e-4c8e-9a57-3f3d3c1f0a11', whatsappCloud: { phoneNumberId: PHONE_NUMBER_ID, apiBaseUrl: server.baseUrl, accessToken: TOKEN } };
});
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  server.failures.length = 0;
});

describe('whatsappCloudRequest (pure)', () => {
  it('sends free text with link previews, to the number without +', () => {
    expect(whatsappCloudRequest({ to: '+351912345678', body: 'Olá' })).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '351912345678',
      type: 'text',
      text: { body: 'Olá', preview_url: true },
    });
  });

  it('sends a template with its parameters as body text parameters, and none when it has none', () => {
    expect(whatsappCloudRequest({ to: '+14155550123', body: '[spring] Ana | 20', whatsappTemplate: { name: 'spring_sale', language: 'en_US', parameters: ['Ana', '20'] } })).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '14155550123',
      type: 'template',
      template: {
        name: 'spring_sale',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '20' }] }],
      },
    });
    expect(whatsappCloudRequest({ to: '+14155550123', body: '', whatsappTemplate: { name: 'hello_world', language: 'en_US', parameters: [] } }).template).toEqual({ name: 'hello_world', language: { code: 'en_US' } });
  });

  it.each([
    [429, undefined, true],
    [500, undefined, true],
    [503, 2, true],
    [400, 4, true],
    [400, 80007, true],
    [400, 130429, true],
    [400, 131048, true],
    [400, 131056, true],
    [400, 100, false],
    [400, 131026, false],
    [401, 190, false],
    [403, 10, false],
    [400, 132001, false],
  ])('HTTP %s with code %s → retryable %s', (status, code, retryable) => {
    expect(isRetryableWhatsAppError(status, code)).toBe(retryable);
  });
});

describe('WhatsAppCloudProvider', () => {
  const provider = new WhatsAppCloudProvider({ timeoutMs: 1500 });

  it('posts to {apiBaseUrl}/{phoneNumberId}/messages with the bearer token and returns the wamid', async () => {
    const result = await provider.send(message(), workspace);
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(result).toEqual({ ok: true, providerMessageId: req.messageId });
    expect(req.messageId).toMatch(/^wamid\./);
    expect(req.phoneNumberId).toBe(PHONE_NUMBER_ID);
    expect(req.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.contentType).toMatch(/^application\/json/);
    expect(req.body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '14155550123', type: 'text', text: { body: message().body, preview_url: true } });
  });

  it('sends the rendered template outside the window', async () => {
    const result = await provider.send(message({ whatsappTemplate: { name: 'spring_sale', language: 'pt_BR', parameters: ['Ana'] } }), workspace);
    expect(result.ok).toBe(true);
    expect(server.requests[0]!.body).toMatchObject({ type: 'template', template: { name: 'spring_sale', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] } });
  });

  it('names itself and its account as the router and rate limiter need', () => {
    expect(provider.webhookProvider()).toBe('whatsapp');
    expect(provider.accountKey(Channel.WHATSAPP, workspace)).toBe(`whatsapp-cloud:${PHONE_NUMBER_ID}`);
  });

  it('maps a bad token (401, code 190) to a non-retryable error carrying the code', async () => {
    const result = await provider.send(message(), { ...workspace, whatsappCloud: { ...workspace.whatsappCloud!, accessToken: 'wrong' } });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(!result.ok && result.error).toMatch(/^WhatsApp Cloud API error 190: .*Invalid OAuth access token.*\(HTTP 401, fbtrace_id A[0-9a-f]+\)$/);
  });

  it('maps throttling (400 with 130429), 429 and 5xx to retryable; an undeliverable message (131026) is final', async () => {
    server.failures.push({ status: 400, code: 130429, message: 'Rate limit hit' }, { status: 429, code: 4 }, { status: 503, code: 2 }, { status: 400, code: 131026, message: 'Message undeliverable' });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await provider.send(message(), workspace));
    expect(results.map((r) => !r.ok && r.retryable)).toEqual([true, true, true, false]);
    expect(results.map((r) => !r.ok && r.error.match(/error (\d+)/)?.[1])).toEqual(['130429', '4', '2', '131026']);
  });

  it('times out (retryable) when the API never answers', async () => {
    server.failures.push('hang');
    const result = await provider.send(message(), workspace);
    expect(result).toEqual({ ok: false, retryable: true, error: 'WhatsApp Cloud API request timed out after 1500 ms' });
  });

  it('refuses (not retryable) a 200 without a message id: retrying could send twice', async () => {
    server.failures.push('no-id');
    expect(await provider.send(message(), workspace)).toEqual({ ok: false, retryable: false, error: 'WhatsApp Cloud API answered HTTP 200 without a message id' });
  });

  it('fails without a request when the workspace has no Cloud API settings or the template is a Twilio Content SID', async () => {
    expect(await provider.send(message(), { id: workspace.id })).toMatchObject({ ok: false, retryable: false });
    const hx = await provider.send(message({ whatsappTemplate: { name: 'HX' + 'ab'.repeat(16), language: 'en', parameters: [] } }), workspace);
    expect(hx).toMatchObject({ ok: false, retryable: false });
    expect(!hx.ok && hx.error).toContain('Twilio Content SID');
    expect(server.requests).toHaveLength(0);
  });

  it('does not copy an answer that is not a Graph error into the error: an internal page stays out of send failures', async () => {
    // What a base URL pointed at an internal service would reach: a page with data on it.
    const secret = 'internal-admin-token-5f0e';
    const pages = [
      { status: 403, type: 'text/html', body: `<html><body>Admin console, token ${secret}</body></html>` },
      { status: 404, type: 'application/json', body: JSON.stringify({ items: [secret] }) },
    ];
    const internal = createServer((_req, res) => {
      const page = pages.shift()!;
      res.writeHead(page.status, { 'Content-Type': page.type });
      res.end(page.body);
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    try {
      const apiBaseUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/admin`;
      const there = { ...workspace, whatsappCloud: { ...workspace.whatsappCloud!, apiBaseUrl } };
      const html = await provider.send(message(), there);
      const json = await provider.send(message(), there);
      expect(html).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/^WhatsApp Cloud API answered HTTP 403 with a body of \d+ bytes/) });
      expect(json).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/^WhatsApp Cloud API answered HTTP 404 with a body of \d+ bytes/) });
      for (const r of [html, json]) expect(JSON.stringify(r)).not.toContain(secret);
    } finally {
      await new Promise<void>((resolve) => internal.close(() => resolve()));
    }
  });

  it('errorText (pure): a Graph error with its code and trace; anything else by status and size', () => {
    expect(errorText(400, { code: 100, message: '(#100) Invalid parameter', fbtrace_id: 'Axyz' }, 100, '')).toBe('WhatsApp Cloud API error 100: (#100) Invalid parameter (HTTP 400, fbtrace_id Axyz)');
    expect(errorText(502, undefined, undefined, '<h1>Bad Gateway</h1>')).toBe("WhatsApp Cloud API answered HTTP 502 with a body of 20 bytes that is not the API's error JSON");
    expect(errorText(500, undefined, undefined, '')).toBe('WhatsApp Cloud API answered HTTP 500 with an empty body');
  });

  it('answers a network failure as retryable', async () => {
    const result = await provider.send(message(), { ...workspace, whatsappCloud: { ...workspace.whatsappCloud!, apiBaseUrl: 'http://127.0.0.1:1/v21.0' } });
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(!result.ok && result.error).toMatch(/^WhatsApp Cloud API request failed/);
  });
});
