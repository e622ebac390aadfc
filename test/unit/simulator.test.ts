/**
 * SimulatorProvider against a local server standing in for Splitcast: it records the Twilio
 * webhooks and tracked-link clicks the simulator produces and checks every X-Twilio-Signature
 * with verifyTwilioSignature over PUBLIC_URL + path, as the real route does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OutboundMessage } from '../../src/sending/providers/provider';
import { Channel } from '../../src/domain/channel';
import { SIMULATED_REPLIES, SIMULATOR_NEEDS_TOKEN, SimulatorProvider, type SimulatedRates } from '../../src/sending/providers/simulator';
import { verifyTwilioSignature } from '../../src/tracking/webhooks/signatures';
import { until } from '../helpers/until';

const WS = '5d2f7d1e-3c1b-4a51-9f0e-6b8a2c4d9e10';
const AUTH_TOKEN = 'sim-auth-token-abcdef0123456789';
const WORKSPACE = { id: WS, twilioAccountSid: 'AC' + '0f'.repeat(16), twilioAuthToken: AUTH_TOKEN, twilioFrom: '+15005550006' };

interface Webhook {
  workspaceId: string;
  params: Record<string, string>;
  contentType: string | undefined;
  validSignature: boolean;
}

/** Records POST /webhooks/twilio/:ws and GET /l/:token, in arrival order. */
class FakeSplitcast {
  readonly webhooks: Webhook[] = [];
  readonly clicks: string[] = [];
  readonly order: string[] = []; // "status:<sid>", "click:<token>", "reply:<phone>"
  /** PUBLIC_URL as the server is configured: the base of the signed URL. */
  signatureBase = '';
  token = AUTH_TOKEN;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.signatureBase = this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.webhooks.length = 0;
    this.clicks.length = 0;
    this.order.length = 0;
    this.signatureBase = this.url;
    this.token = AUTH_TOKEN;
  }

  get statuses(): Webhook[] {
    return this.webhooks.filter((w) => w.params.MessageStatus !== undefined);
  }

  get replies(): Webhook[] {
    return this.webhooks.filter((w) => w.params.SmsStatus === 'received' && w.params.MessageStatus === undefined);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const url = req.url ?? '';
    const hook = /^\/webhooks\/twilio\/([^/?]+)$/.exec(url);
    const link = /^\/l\/([^/?]+)$/.exec(url);
    if (req.method === 'POST' && hook) {
      const params = Object.fromEntries(new URLSearchParams(raw));
      const validSignature = verifyTwilioSignature(this.token, this.signatureBase + url, params, req.headers['x-twilio-signature'] as string | undefined);
      this.webhooks.push({ workspaceId: decodeURIComponent(hook[1]!), params, contentType: req.headers['content-type'], validSignature });
      this.order.push(params.MessageStatus !== undefined ? `status:${params.MessageSid}` : `reply:${params.From}`);
      res.writeHead(validSignature ? 200 : 401, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify(validSignature ? { status: 'processed' } : { error: { code: 'UNAUTHENTICATED' } }));
    }
    if (req.method === 'GET' && link) {
      const token = decodeURIComponent(link[1]!);
      this.clicks.push(token);
      this.order.push(`click:${token}`);
      res.writeHead(302, { Location: 'https://shop.example/spring' });
      return void res.end();
    }
    res.writeHead(404);
    res.end();
  }
}

function messages(n: number, prefix = 'm'): OutboundMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    channel: Channel.SMS,
    to: `+1415555${String(i).padStart(4, '0')}`,
    body: `Hi! 20% off: https://sc.example/l/${prefix}tok${i}`,
    idempotencyKey: `${prefix}-send-${i}`,
    campaignId: 'camp-1',
    contactId: `contact-${i}`,
    variantId: i % 2 === 0 ? 'var-a' : 'var-b',
    links: [{ token: `${prefix}tok${i}`, url: `https://sc.example/l/${prefix}tok${i}` }],
  }));
}

const RATES: SimulatedRates = { delivery: 1, click: 0.5, reply: 0.2, open: 0, conversion: 0.1, revenue: 25, stopShare: 0.5, delayMs: 20 };

describe('SimulatorProvider', () => {
  const server = new FakeSplitcast();
  const open: SimulatorProvider[] = [];
  const warnings: { obj: unknown; msg: string }[] = [];
  const logger = { warn: (obj: unknown, msg: string) => void warnings.push({ obj, msg }) };

  function simulator(rates: SimulatedRates | null, extra: Partial<ConstructorParameters<typeof SimulatorProvider>[0]> = {}) {
    const sim = new SimulatorProvider({ publicUrl: server.url, rates: async () => rates, seed: 7, logger, ...extra });
    open.push(sim);
    return sim;
  }

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    server.reset();
    warnings.length = 0;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('plays back 200 sends: signed delivered callbacks, clicks, replies and conversions at the true rates', async () => {
    const conversions: { key: string; value: number }[] = [];
    const sim = simulator(RATES, {
      onConversion: async (m, value) => void conversions.push({ key: m.idempotencyKey, value }),
    });
    const sent = messages(200);
    const results = await Promise.all(sent.map((m) => sim.send(m, WORKSPACE)));
    const sids = results.map((r) => (r.ok ? r.providerMessageId : ''));
    for (const sid of sids) expect(sid).toMatch(/^SIM[0-9a-f]{32}$/);
    expect(new Set(sids).size).toBe(200);

    await sim.idle();
    await sim.close();

    // Every message: one validly signed 'delivered' callback with its sid.
    expect(server.statuses).toHaveLength(200);
    for (const w of server.statuses) {
      expect(w.validSignature).toBe(true);
      expect(w.workspaceId).toBe(WS);
      expect(w.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect(w.params.MessageStatus).toBe('delivered');
      expect(w.params.SmsSid).toBe(w.params.MessageSid);
      expect(w.params.AccountSid).toBe(WORKSPACE.twilioAccountSid);
      expect(w.params.From).toBe(WORKSPACE.twilioFrom);
    }
    expect(new Set(server.statuses.map((w) => w.params.MessageSid))).toEqual(new Set(sids));

    // Clicks ≈ 200 × 0.5, each on a token we sent, at most once per message.
    expect(server.clicks.length).toBeGreaterThanOrEqual(70);
    expect(server.clicks.length).toBeLessThanOrEqual(130);
    expect(new Set(server.clicks).size).toBe(server.clicks.length);
    const tokens = new Set(sent.map((m) => m.links[0]!.token));
    for (const t of server.clicks) expect(tokens.has(t)).toBe(true);

    // Replies ≈ 200 × 0.2, validly signed inbound messages from the recipients, about half STOP.
    const replies = server.replies;
    expect(replies.length).toBeGreaterThanOrEqual(20);
    expect(replies.length).toBeLessThanOrEqual(60);
    const phones = new Set(sent.map((m) => m.to));
    for (const r of replies) {
      expect(r.validSignature).toBe(true);
      expect(phones.has(r.params.From!)).toBe(true);
      expect(r.params.To).toBe(WORKSPACE.twilioFrom);
      expect(r.params.MessageSid).toMatch(/^SIM[0-9a-f]{32}$/);
      expect(sids).not.toContain(r.params.MessageSid);
      expect(r.params.Body === 'STOP' || SIMULATED_REPLIES.includes(r.params.Body!)).toBe(true);
    }
    const stops = replies.filter((r) => r.params.Body === 'STOP').length;
    expect(stops / replies.length).toBeGreaterThan(0.25);
    expect(stops / replies.length).toBeLessThan(0.75);

    // Conversions ≈ 200 × 0.1, each with the variant's revenue.
    expect(conversions.length).toBeGreaterThanOrEqual(5);
    expect(conversions.length).toBeLessThanOrEqual(35);
    for (const c of conversions) expect(c.value).toBe(25);

    // Follow-ups come after the message's delivered callback.
    const sidOf = new Map(sent.map((m, i) => [m.links[0]!.token, sids[i]!]));
    const sidOfPhone = new Map(sent.map((m, i) => [m.to, sids[i]!]));
    const seenStatus = new Set<string>();
    for (const e of server.order) {
      const [kind, key] = e.split(/:(.*)/s) as [string, string];
      if (kind === 'status') seenStatus.add(key);
      else expect(seenStatus.has(kind === 'click' ? sidOf.get(key)! : sidOfPhone.get(key)!)).toBe(true);
    }
    expect(warnings).toEqual([]);
  });

  it("reports 'failed' when delivery is 0, and then nothing else happens", async () => {
    const conversions: number[] = [];
    const sim = simulator({ ...RATES, delivery: 0, click: 1, reply: 1, conversion: 1 }, { onConversion: async (_m, v) => void conversions.push(v) });
    for (const m of messages(20)) expect(await sim.send(m, WORKSPACE)).toMatchObject({ ok: true });
    await sim.idle();
    expect(server.statuses).toHaveLength(20);
    for (const w of server.statuses) {
      expect(w.params.MessageStatus).toBe('failed');
      expect(w.validSignature).toBe(true);
    }
    expect(server.clicks).toEqual([]);
    expect(server.replies).toEqual([]);
    expect(conversions).toEqual([]);
  });

  it('refuses without the workspace auth token (non-retryable), sending nothing', async () => {
    const sim = simulator(RATES);
    for (const twilioAuthToken of [null, undefined, '']) {
      expect(await sim.send(messages(1)[0]!, { ...WORKSPACE, twilioAuthToken })).toEqual({ ok: false, retryable: false, error: SIMULATOR_NEEDS_TOKEN });
    }
    await sim.idle();
    expect(server.webhooks).toEqual([]);
  });

  it('is deterministic given a seed, whatever the order of the sends', async () => {
    const fate = async (seed: number, reverse: boolean) => {
      server.reset();
      const conv: string[] = [];
      const sim = simulator(RATES, { seed, onConversion: async (m) => void conv.push(m.idempotencyKey) });
      const batch = messages(60);
      for (const m of reverse ? [...batch].reverse() : batch) await sim.send(m, WORKSPACE);
      await sim.idle();
      return {
        clicks: [...server.clicks].sort(),
        replies: server.replies.map((r) => `${r.params.From}=${r.params.Body}`).sort(),
        conversions: conv.sort(),
      };
    };
    const a = await fate(1234, false);
    const b = await fate(1234, true);
    const c = await fate(999, false);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('signs over signatureBaseUrl (the server PUBLIC_URL) when it differs from the address it posts to', async () => {
    server.signatureBase = 'https://splitcast.example.com';
    const plain = simulator({ ...RATES, click: 0, reply: 0, conversion: 0 });
    await plain.send(messages(1, 'x')[0]!, WORKSPACE);
    await plain.idle();
    expect(server.statuses.map((w) => w.validSignature)).toEqual([false]); // rejected by the server …
    expect(warnings.map((w) => w.msg)).toEqual(['simulated Twilio webhook was not accepted']); // … and logged

    server.webhooks.length = 0;
    const proxied = simulator({ ...RATES, click: 0, reply: 0, conversion: 0 }, { signatureBaseUrl: 'https://splitcast.example.com/' });
    await proxied.send(messages(1, 'y')[0]!, WORKSPACE);
    await proxied.idle();
    expect(server.statuses.map((w) => w.validSignature)).toEqual([true]);
  });

  it('answers a retried send (same idempotency key) with the same id and plays it back once', async () => {
    const sim = simulator({ ...RATES, click: 0, reply: 0, conversion: 0 });
    const m = messages(1)[0]!;
    const [first, second] = await Promise.all([sim.send(m, WORKSPACE), sim.send(m, WORKSPACE)]);
    const third = await sim.send(m, WORKSPACE);
    expect(first).toMatchObject({ ok: true });
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    await sim.idle();
    expect(server.statuses).toHaveLength(1);
  });

  it('uses the default rates when `rates` answers null, and asks for the message’s campaign and variant', async () => {
    const asked: string[] = [];
    const sim = new SimulatorProvider({ publicUrl: server.url, seed: 3, logger, rates: async (c, v) => (asked.push(`${c}/${v}`), null) });
    open.push(sim);
    const batch = messages(40);
    for (const m of batch) await sim.send(m, WORKSPACE);
    await sim.idle();
    expect(asked).toEqual(batch.map((m) => `camp-1/${m.variantId}`));
    expect(server.statuses).toHaveLength(40);
    const delivered = server.statuses.filter((w) => w.params.MessageStatus === 'delivered').length;
    expect(delivered).toBeGreaterThanOrEqual(35); // 0.97 × 40 ≈ 39
  });

  it('a failing rates lookup is a retryable send error', async () => {
    const sim = new SimulatorProvider({ publicUrl: server.url, logger, rates: async () => Promise.reject(new Error('db down')) });
    open.push(sim);
    expect(await sim.send(messages(1)[0]!, WORKSPACE)).toEqual({ ok: false, retryable: true, error: 'simulator could not load rates: db down' });
  });

  it('close() cancels pending events and awaits those in flight; later sends are refused', async () => {
    const sim = simulator({ ...RATES, delayMs: 60_000 });
    for (const m of messages(10)) await sim.send(m, WORKSPACE);
    const started = Date.now();
    await sim.close();
    await sim.idle(); // resolves: nothing left
    // Cancelled, not awaited: waiting for them would take tens of seconds (delays up to 60 s).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.webhooks).toEqual([]);
    expect(await sim.send(messages(1, 'late')[0]!, WORKSPACE)).toEqual({ ok: false, retryable: true, error: 'simulator is closed' });
  });

  it('close() waits for a conversion callback already running', async () => {
    let finished = false;
    let started!: () => void;
    const conversionStarted = new Promise<void>((r) => (started = r));
    const sim = simulator(
      { ...RATES, click: 0, reply: 0, conversion: 1, delayMs: 1 },
      {
        onConversion: async () => {
          started();
          await new Promise((r) => setTimeout(r, 150));
          finished = true;
        },
      },
    );
    await sim.send(messages(1)[0]!, WORKSPACE);
    // Close mid-conversion: once it has started (not after a guessed delay).
    await conversionStarted;
    await sim.close();
    expect(finished).toBe(true);
  });

  it('keeps at most maxConcurrentRequests webhook posts and clicks in flight; every event still arrives', async () => {
    let inFlight = 0;
    let peak = 0;
    const counting: typeof fetch = async (input, init) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    // 120 sends whose callbacks all fall due within 5 ms: unbounded, that is ~200 requests at once.
    const sim = simulator({ ...RATES, conversion: 0, delayMs: 5 }, { fetchImpl: counting, maxConcurrentRequests: 4 });
    const sent = messages(120, 'cap');
    for (const m of sent) expect((await sim.send(m, WORKSPACE)).ok).toBe(true);
    await sim.idle();
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
    expect(server.statuses).toHaveLength(120);
    expect(server.statuses.every((w) => w.validSignature)).toBe(true);
    expect(server.clicks.length).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });

  it('close() drops the requests still waiting for their turn, without warnings, and waits for those in flight', async () => {
    let started = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: typeof fetch = async (input, init) => {
      started++;
      await gate;
      return fetch(input, init);
    };
    const sim = simulator({ ...RATES, click: 0, reply: 0, conversion: 0, delayMs: 1 }, { fetchImpl: slow, maxConcurrentRequests: 2 });
    for (const m of messages(10, 'drop')) await sim.send(m, WORKSPACE);
    await until(() => started, (n) => n === 2, 5000, 5);
    const closing = sim.close();
    release();
    await closing;
    expect(started).toBe(2); // the 8 waiting never started
    expect(server.statuses).toHaveLength(2);
    expect(warnings).toEqual([]);
  });
});

