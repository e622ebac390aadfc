/**
 * TwilioProvider against a local server that speaks the shapes of Twilio's Messages API
 * (https://www.twilio.com/docs/messaging/api/message-resource): Basic auth, a form-encoded create
 * request, 201 with the Message resource as JSON, and Twilio's `{code, message, more_info, status}`
 * error bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OutboundMessage } from '../../src/sending/providers/provider';
import { Channel } from '../../src/domain/channel';
import { errorText, TWILIO_IDEMPOTENCY_HEADER, TwilioProvider, twilioContentVariables } from '../../src/sending/providers/twilio';

const ACCOUNT_SID = 'AC' + 'a1'.repeat(16);
const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const FROM = '+15005550006';
const INVALID_TO = '+15005550001'; // Twilio's magic test number for "invalid 'To'"

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  idempotency: string | undefined;
  form: Record<string, string>;
}

type Mode = 'normal' | '429' | '503' | 'hang' | 'no-sid' | 'html-502';

/** A fake api.twilio.com. `mode` switches the answer; `requests` records what arrived. */
class FakeTwilio {
  mode: Mode = 'normal';
  readonly requests: Recorded[] = [];
  private server!: Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections(); // hanging requests included
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const form = Object.fromEntries(new URLSearchParams(raw));
    this.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      idempotency: req.headers[TWILIO_IDEMPOTENCY_HEADER.toLowerCase()] as string | undefined,
      form,
    });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: number, message: string) =>
      json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

    if (this.mode === 'hang') return; // never answer
    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return error(404, 20404, 'The requested resource was not found');
    const expected = 'Basic ' + Buffer.from(`${match[1]}:${AUTH_TOKEN}`).toString('base64');
    if (req.headers.authorization !== expected) return error(401, 20003, 'Authenticate');
    if (this.mode === '429') return error(429, 20429, 'Too Many Requests');
    if (this.mode === '503') return error(503, 20503, 'Service Unavailable');
    if (this.mode === 'html-502') {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      return void res.end('<html><body>Bad Gateway</body></html>');
    }
    if (!form.To) return error(400, 21604, "A 'To' phone number is required.");
    if (form.ContentSid !== undefined && !/^HX[0-9a-fA-F]{32}$/.test(form.ContentSid)) return error(400, 21655, 'The ContentSid is Invalid.');
    if (form.ContentVariables !== undefined && form.ContentSid === undefined) return error(400, 21654, 'ContentSid Required');
    if (form.To === INVALID_TO || !/^(whatsapp:)?\+[1-9]\d{6,14}$/.test(form.To)) {
      return error(400, 21211, `The 'To' number ${form.To} is not a valid phone number.`);
    }
    if (this.mode === 'no-sid') return json(201, { status: 'queued' });
    const sid = 'SM' + 'b2'.repeat(16);
    const now = new Date().toUTCString();
    json(201, {
      account_sid: match[1],
      api_version: '2010-04-01',
      body: form.Body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: form.From,
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status: 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${match[1]}/Messages/${sid}/Media.json` },
      to: form.To,
      uri: `/2010-04-01/Accounts/${match[1]}/Messages/${sid}.json`,
    });
  }
}

const WORKSPACE = { id: '0b9c7a52-5f0e-4c8e-9a57-3f3d3c1f0a11', twilioAccountSid: ACCOUNT_SID, twilioAuthToken: AUTH_TOKEN, twilioFrom: FROM };

function message(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    channel: Channel.SMS,
    to: '+14155550123',
    body: 'Spring sale: 20% off today only https://sc.example/l/tok123 Reply STOP to opt out',
    idempotencyKey: 'send:camp-1:contact-1',
    campaignId: 'camp-1',
    contactId: 'contact-1',
    variantId: 'var-a',
    links: [{ token: 'tok123', url: 'https://sc.example/l/tok123' }],
    ...overrides,
  };
}

describe('TwilioProvider', () => {
  const twilio = new FakeTwilio();
  let provider: TwilioProvider;
  const callbackUrl = (ws: string) => `https://splitcast.example/webhooks/twilio/${ws}`;

  beforeAll(() => twilio.start());
  afterAll(() => twilio.stop());
  beforeEach(() => {
    twilio.mode = 'normal';
    twilio.requests.length = 0;
    provider = new TwilioProvider({ baseUrl: twilio.baseUrl, statusCallbackUrl: callbackUrl, timeoutMs: 2000 });
  });

  it('creates the message as Twilio documents it and returns the SM sid', async () => {
    const result = await provider.send(message(), WORKSPACE);
    expect(result).toEqual({ ok: true, providerMessageId: 'SM' + 'b2'.repeat(16) });
    expect(twilio.requests).toHaveLength(1);
    const req = twilio.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(req.authorization).toBe('Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'));
    expect(req.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(req.idempotency).toBe('send:camp-1:contact-1');
    expect(req.form).toEqual({
      To: '+14155550123',
      From: FROM,
      Body: message().body,
      StatusCallback: `https://splitcast.example/webhooks/twilio/${WORKSPACE.id}`,
    });
  });

  it('sends the same idempotency token when the same send is retried', async () => {
    twilio.mode = '503';
    await provider.send(message(), WORKSPACE);
    twilio.mode = 'normal';
    await provider.send(message(), WORKSPACE);
    expect(twilio.requests.map((r) => r.idempotency)).toEqual(['send:camp-1:contact-1', 'send:camp-1:contact-1']);
  });

  it('keeps unicode and reserved characters intact through form encoding', async () => {
    const body = 'Café & crème = 50% off + free 🎁? a=b&c=d';
    await provider.send(message({ body }), WORKSPACE);
    expect(twilio.requests[0]!.form.Body).toBe(body);
  });

  it("maps 400 / 21211 (invalid 'To') to a non-retryable error carrying Twilio's code and message", async () => {
    const result = await provider.send(message({ to: INVALID_TO }), WORKSPACE);
    expect(result).toEqual({
      ok: false,
      retryable: false,
      error: `Twilio error 21211: The 'To' number ${INVALID_TO} is not a valid phone number. (HTTP 400)`,
    });
  });

  it('maps 401 (bad credentials) to non-retryable', async () => {
    const result = await provider.send(message(), { ...WORKSPACE, twilioAuthToken: 'wrong' });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(!result.ok && result.error).toContain('20003');
  });

  it.each([
    ['429', '20429'],
    ['503', '20503'],
  ] as const)('maps HTTP %s to retryable', async (mode, code) => {
    twilio.mode = mode;
    const result = await provider.send(message(), WORKSPACE);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(!result.ok && result.error).toContain(code);
  });

  it('maps a non-JSON 5xx (e.g. from a proxy) to retryable, describing the page by its size only', async () => {
    twilio.mode = 'html-502';
    const result = await provider.send(message(), WORKSPACE);
    const page = '<html><body>Bad Gateway</body></html>';
    expect(result).toEqual({ ok: false, retryable: true, error: `Twilio answered HTTP 502 with a body of ${page.length} bytes that is not the API's error JSON` });
  });

  it('errorText (pure) quotes Twilio error JSON but never a body that is not one', () => {
    expect(errorText(400, { code: 21211, message: "The 'To' number is not valid." }, '{}')).toBe("Twilio error 21211: The 'To' number is not valid. (HTTP 400)");
    const internal = '{"db_password":"hunter2","users":[1,2,3]}';
    expect(errorText(404, JSON.parse(internal) as never, internal)).toBe(`Twilio answered HTTP 404 with a body of ${internal.length} bytes that is not the API's error JSON`);
    expect(errorText(500, undefined, 'päge')).toBe("Twilio answered HTTP 500 with a body of 5 bytes that is not the API's error JSON"); // bytes, not characters
    expect(errorText(503, undefined, '')).toBe('Twilio answered HTTP 503 with an empty body');
  });

  it('does not retry a 2xx without a sid (a retry could send the message twice)', async () => {
    twilio.mode = 'no-sid';
    expect(await provider.send(message(), WORKSPACE)).toMatchObject({ ok: false, retryable: false });
  });

  it('times out a server that never answers: retryable', async () => {
    twilio.mode = 'hang';
    const quick = new TwilioProvider({ baseUrl: twilio.baseUrl, statusCallbackUrl: callbackUrl, timeoutMs: 200 });
    const started = Date.now();
    const result = await quick.send(message(), WORKSPACE);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toEqual({ ok: false, retryable: true, error: 'Twilio request timed out after 200 ms' });
  });

  it('maps a network error (connection refused) to retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = new TwilioProvider({ baseUrl: `http://127.0.0.1:${port}`, statusCallbackUrl: callbackUrl });
    const result = await offline.send(message(), WORKSPACE);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(!result.ok && result.error).toMatch(/^Twilio request failed/);
  });

  it.each([
    ['twilioAccountSid', { twilioAccountSid: null }],
    ['twilioAuthToken', { twilioAuthToken: undefined }],
    ['twilioFrom', { twilioFrom: '' }],
  ] as const)('refuses without %s, without any request', async (field, patch) => {
    const result = await provider.send(message(), { ...WORKSPACE, ...patch });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(!result.ok && result.error).toContain(field);
    expect(twilio.requests).toHaveLength(0);
  });

  it('uses an injected fetch and api.twilio.com by default', async () => {
    const calls: string[] = [];
    const fetchImpl = (async (input: string | URL | Request) => {
      calls.push(String(input));
      return new Response(JSON.stringify({ sid: 'SMfeed', status: 'queued' }), { status: 201 });
    }) as typeof fetch;
    const viaFake = new TwilioProvider({ statusCallbackUrl: callbackUrl, fetchImpl });
    expect(await viaFake.send(message(), WORKSPACE)).toEqual({ ok: true, providerMessageId: 'SMfeed' });
    expect(calls).toEqual([`https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`]);
  });

  describe('WhatsApp', () => {
    const CONTENT_SID = 'HX' + 'c3'.repeat(16);

    it('sends free text inside the window to whatsapp: addresses, with Body', async () => {
      expect((await provider.send(message({ channel: Channel.WHATSAPP }), WORKSPACE)).ok).toBe(true);
      expect(twilio.requests[0]!.form).toMatchObject({ To: 'whatsapp:+14155550123', From: `whatsapp:${FROM}`, Body: message().body });
      expect(twilio.requests[0]!.form.ContentSid).toBeUndefined();
    });

    it('sends a template through the Content API: ContentSid and positional ContentVariables instead of Body', async () => {
      const template = { name: CONTENT_SID, language: 'en', parameters: ['Ana', '20% "off"'] };
      const result = await provider.send(message({ channel: Channel.WHATSAPP, body: '[tpl] Ana | 20% "off"', whatsappTemplate: template }), WORKSPACE);
      expect(result.ok).toBe(true);
      const form = twilio.requests[0]!.form;
      expect(form).toEqual({ To: 'whatsapp:+14155550123', From: `whatsapp:${FROM}`, ContentSid: CONTENT_SID, ContentVariables: '{"1":"Ana","2":"20% \\"off\\""}', StatusCallback: callbackUrl(WORKSPACE.id) });
      expect(JSON.parse(form.ContentVariables!)).toEqual({ 1: 'Ana', 2: '20% "off"' });
      expect(twilioContentVariables([])).toBe('{}');
    });

    it('omits ContentVariables for a template without parameters', async () => {
      await provider.send(message({ channel: Channel.WHATSAPP, whatsappTemplate: { name: CONTENT_SID, language: 'en', parameters: [] } }), WORKSPACE);
      expect(twilio.requests[0]!.form.ContentSid).toBe(CONTENT_SID);
      expect('ContentVariables' in twilio.requests[0]!.form).toBe(false);
    });

    it('refuses a Meta template name (Twilio knows templates by Content SID) without any request', async () => {
      const result = await provider.send(message({ channel: Channel.WHATSAPP, whatsappTemplate: { name: 'spring_sale', language: 'en', parameters: [] } }), WORKSPACE);
      expect(result).toMatchObject({ ok: false, retryable: false });
      expect(!result.ok && result.error).toContain('Content SID');
      expect(twilio.requests).toHaveLength(0);
    });
  });
});
