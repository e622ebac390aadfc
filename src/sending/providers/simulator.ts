/**
 * A stand-in phone network and mailbox for demos and load tests. `send` answers like a provider at
 * once ('SIM…' message ids), then plays back what recipients would do, through Splitcast's REAL
 * public routes over HTTP, each channel in its own provider's protocol (a `SimulatedChannel`:
 * ./simulator-sms.ts speaks Twilio's, ./simulator-whatsapp.ts the WhatsApp Cloud API's,
 * ./simulator-email.ts Mailgun's and a mail client's): the status callback (delivered / failed),
 * opens, replies, all signed exactly as that provider signs them — with the workspace's simulator signing secret,
 * which the server creates on first use (`signingSecret`, see simulator-secret.ts; without that
 * option, with the workspace's Twilio auth token) — and clicks on the first tracked link.
 * Conversions are the business's own events (POST /v1/events needs an API key), so they go to the
 * `onConversion` callback instead.
 *
 * Outcomes are drawn per message from the seeded PRNG, keyed by (seed, idempotency key): the same
 * seed gives every message the same fate whatever the order or concurrency of the sends. Message
 * ids are random (node:crypto) so that two runs never reuse one.
 *
 * Status lookups (`fetchStatus`, for reconciliation) answer from the same draw: a message's fate is
 * known from its send, and it is "due" once its status callback's time has come (whether or not
 * that callback got through). Before that the message is PENDING. The draws live in memory only:
 * after a restart (or beyond the last REPLAY_MEMORY sends) an id is not found, as a provider that
 * lost its records would answer. SMS and WhatsApp answer with the event keys their webhooks use
 * (Twilio's `twilio:<sid>:<status>`, the Cloud API's `whatsapp:<id>:<status>`); simulated email is
 * `unsupported`: its Mailgun events carry a random event id, so a lookup could not be the same
 * event as the callback.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mulberry32, type Rng } from '../../experiments/stats/random';
import { Channel } from '../../domain/channel';
import { INTERNAL_REQUEST_HEADER, INTERNAL_REQUEST_TOKEN } from '../../http/rate-limit';
import type { MessagingProvider, OutboundMessage, ProviderWorkspace, SendResult, StatusLookup } from './provider';
import { twilioStatusEventKey } from './twilio';
import { WHATSAPP_PROVIDER } from '../../tracking/webhooks/whatsapp';
import { newSid, type PlaybackContext, type SimulatedChannel } from './simulator-channel';
import { SIMULATED_EMAIL } from './simulator-email';
import { SIMULATED_SMS } from './simulator-sms';
import { SIMULATED_WHATSAPP } from './simulator-whatsapp';

/** A variant's true behaviour. Probabilities are per delivered message, drawn independently. */
export interface SimulatedRates {
  /** P(delivered); otherwise the status callback says 'failed'. */
  delivery: number;
  /** P(a click on the first tracked link); messages without links are never clicked. */
  click: number;
  /** P(an inbound reply). */
  reply: number;
  /** P(opened) per delivered message: an email's open pixel loads, a WhatsApp message is read. SMS has no opens. */
  open: number;
  /** P(a conversion), reported through onConversion. */
  conversion: number;
  /** Value of each conversion. */
  revenue: number;
  /** Share of replies that are 'STOP'. */
  stopShare: number;
  /** Each event comes a uniform random delay in [0, delayMs) after the status callback (which itself waits STATUS_DELAY_FLOOR_MS plus as long after the send). */
  delayMs: number;
}

/** Used when `rates` answers null. */
export const DEFAULT_SIMULATED_RATES: Readonly<SimulatedRates> = Object.freeze({
  delivery: 0.97,
  click: 0.1,
  reply: 0.03,
  open: 0.3,
  conversion: 0.03,
  revenue: 40,
  stopShare: 0.05,
  delayMs: 200,
});

/** Only without the `signingSecret` option (unit tests, benches): the server always passes one. */
export const SIMULATOR_NEEDS_TOKEN = 'simulator needs workspace twilioAuthToken to sign its webhooks';

/** Non-STOP replies: mostly neutral or positive. */
export const SIMULATED_REPLIES: readonly string[] = [
  'Thanks!',
  'Sounds great',
  'Love it',
  'ok',
  'Yes please',
  'Is this still available?',
  'What time do you close?',
  'Maybe next time',
  'Not interested',
];

export interface SimulatorOptions {
  /**
   * Base URL the simulator can reach the running server at, e.g. http://127.0.0.1:4000 (a function:
   * providers are made before the server listens, when PORT=0 has no port yet).
   */
  publicUrl: string | (() => string);
  /**
   * Base of the URL Twilio signatures are computed over: the server's PUBLIC_URL, when it differs
   * from the address the simulator posts to (behind a proxy). Defaults to `publicUrl`.
   */
  signatureBaseUrl?: string | (() => string);
  /** The variant's true rates; null for DEFAULT_SIMULATED_RATES. */
  rates: (campaignId: string, variantId: string) => Promise<SimulatedRates | null>;
  seed?: number;
  onConversion?: (message: OutboundMessage, value: number) => Promise<void>;
  fetchImpl?: typeof fetch;
  logger?: { warn(obj: unknown, msg: string): void };
  /** Budget for each webhook post or click, 10 s by default (counted from when it starts, not while it queues). */
  requestTimeoutMs?: number;
  /** Webhook posts and clicks in flight at once (SIMULATOR_MAX_REQUESTS by default); the rest wait their turn. */
  maxConcurrentRequests?: number;
  /**
   * Durable memory of accepted sends (idempotency key → message id), as a real provider keeps it:
   * a send retried after the sender crashed gets the same id and no second message. `claim` stores
   * `providerMessageId` for the key unless the key has one already, and then answers that one
   * (a replay); it rejects when it can do neither (the send is then retryable).
   */
  replayStore?: { claim(key: string, providerMessageId: string): Promise<string | undefined> };
  /**
   * The key the simulated Twilio webhooks are signed with, per workspace (the server's Twilio route
   * accepts it while it runs the simulator). Without it the workspace's twilioAuthToken is used,
   * and a workspace without one gets SIMULATOR_NEEDS_TOKEN.
   */
  signingSecret?: (workspaceId: string) => Promise<string>;
}

/** One message's fate, drawn up front (fixed draw order, so one rate never shifts another's draws). */
interface Plan {
  delivered: boolean;
  statusDelayMs: number;
  click: number | null;
  reply: { delayMs: number; body: string } | null;
  conversion: number | null;
  /** Delay of the open (email pixel, WhatsApp read), on channels that have one. */
  open: number | null;
}

/** The channels the simulator speaks. */
const CHANNELS: Partial<Record<Channel, SimulatedChannel>> = {
  [Channel.SMS]: SIMULATED_SMS,
  [Channel.WHATSAPP]: SIMULATED_WHATSAPP,
  [Channel.EMAIL]: SIMULATED_EMAIL,
};

/**
 * Webhook posts and clicks in flight at once. Without a bound, a claimed batch of 500 became ~600
 * simultaneous requests within 200 ms, each on a connection of its own: the server's listen
 * backlog overflowed, the kernel dropped connection attempts, and any other client's new
 * connection (a GraphQL launch) waited for SYN retransmissions — up to 19 s, measured, for a
 * request the server then answered in 0.6 s. A provider's callbacks come over a bounded set of
 * connections; these are kept alive and reused.
 */
export const SIMULATOR_MAX_REQUESTS = 16;

/**
 * The status callback comes at least this long after the send was accepted (plus its random delay),
 * as a carrier's delivery receipt does. The sender records a claimed batch's messages once the
 * whole batch is accepted; callbacks, and the clicks that follow them, arriving within
 * milliseconds found no message (the server waits 250 ms, then parks a status callback for a
 * retry up to a minute later; a click on a link not recorded yet is lost), which on a loaded
 * machine took a bandit's clicks away from its next wave.
 */
export const STATUS_DELAY_FLOOR_MS = 1000;

/** Thrown to a playback request still waiting for its turn when the simulator closes. */
class Canceled extends Error {}

/** How many idempotency keys are remembered, so a retried send gets the same id and no new events. */
const REPLAY_MEMORY = 100_000;

export class SimulatorProvider implements MessagingProvider {
  readonly name = 'simulator';
  /** Every send of a claimed batch at once: its replay-store lookups and writes then share statements. */
  readonly concurrency = 1000;
  private readonly publicUrlOf: () => string;
  private readonly signatureBaseUrlOf: () => string;
  private readonly seed: number;
  private readonly fetchImpl: typeof fetch;
  private readonly logger: { warn(obj: unknown, msg: string): void };
  private readonly requestTimeoutMs: number;
  private readonly maxRequests: number;
  private requests = 0;
  private readonly requestQueue: ((turn: boolean) => void)[] = [];
  private readonly sent = new Map<string, string>(); // idempotency key → message id
  /** What was drawn for each accepted message (message id → fate and when it is reported), for fetchStatus. */
  private readonly drawn = new Map<string, { delivered: boolean; dueAt: number; channel: Channel }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private pendingSends = 0;
  private closed = false;

  constructor(private readonly options: SimulatorOptions) {
    const url = (u: string | (() => string)) => () => (typeof u === 'function' ? u() : u).replace(/\/+$/, '');
    this.publicUrlOf = url(options.publicUrl);
    this.signatureBaseUrlOf = url(options.signatureBaseUrl ?? options.publicUrl);
    this.seed = options.seed ?? randomBytes(4).readUInt32BE(0);
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.logger = options.logger ?? { warn: (obj, msg) => console.warn(`[simulator] ${msg}`, obj) };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxRequests = Math.max(1, options.maxConcurrentRequests ?? SIMULATOR_MAX_REQUESTS);
  }

  private get publicUrl(): string {
    return this.publicUrlOf();
  }

  webhookProvider(channel: Channel): string {
    return (CHANNELS[channel] ?? SIMULATED_SMS).webhookProvider;
  }

  /** The simulated network has one account per workspace and channel. */
  accountKey(channel: Channel, ws: ProviderWorkspace): string {
    return `simulator:${ws.id}:${channel}`;
  }

  async send(message: OutboundMessage, workspace: ProviderWorkspace): Promise<SendResult> {
    if (this.closed) return { ok: false, retryable: true, error: 'simulator is closed' };
    const channel = CHANNELS[message.channel];
    if (!channel) return { ok: false, retryable: false, error: `the simulator does not speak ${message.channel}` };
    let authToken: string | null | undefined;
    try {
      authToken = this.options.signingSecret ? await this.options.signingSecret(workspace.id) : workspace.twilioAuthToken;
    } catch (e) {
      return { ok: false, retryable: true, error: `simulator could not load its signing secret: ${(e as Error)?.message ?? String(e)}` };
    }
    if (!authToken) return { ok: false, retryable: false, error: SIMULATOR_NEEDS_TOKEN };
    const known = this.sent.get(message.idempotencyKey);
    if (known !== undefined) return { ok: true, providerMessageId: known };

    if (message.system) {
      // An automatic reply: accepted (once stored), nothing to simulate afterwards.
      const stored = await this.claim(message.idempotencyKey, newSid());
      return 'error' in stored ? { ok: false, retryable: true, error: stored.error } : { ok: true, providerMessageId: stored.id };
    }

    this.pendingSends++;
    try {
      let rates: SimulatedRates;
      try {
        rates = sanitize((await this.options.rates(message.campaignId, message.variantId)) ?? DEFAULT_SIMULATED_RATES);
      } catch (e) {
        return { ok: false, retryable: true, error: `simulator could not load rates: ${(e as Error)?.message ?? String(e)}` };
      }
      if (this.closed) return { ok: false, retryable: true, error: 'simulator is closed' };
      const again = this.sent.get(message.idempotencyKey); // a concurrent retry won the race
      if (again !== undefined) return { ok: true, providerMessageId: again };

      // Accepted only once stored; a key stored before (the sender crashed after an earlier
      // attempt) gets its first id back and plays nothing again.
      const stored = await this.claim(message.idempotencyKey, newSid());
      if ('error' in stored) return { ok: false, retryable: true, error: stored.error };
      if (stored.replayed) return { ok: true, providerMessageId: stored.id };
      const sid = stored.id;
      const plan = drawPlan(mulberry32(messageSeed(this.seed, message.idempotencyKey)), rates, message.links.length > 0, channel.opens);
      if (this.drawn.size >= REPLAY_MEMORY) this.drawn.delete(this.drawn.keys().next().value!);
      this.drawn.set(sid, { delivered: plan.delivered, dueAt: Date.now() + STATUS_DELAY_FLOOR_MS + plan.statusDelayMs, channel: message.channel });
      const ctx: PlaybackContext = {
        message,
        providerMessageId: sid,
        workspace,
        secret: authToken,
        signatureBaseUrl: this.signatureBaseUrlOf(),
        request: (path, init) => this.request(this.publicUrl + path, init),
        warn: (obj, msg) => this.logger.warn(obj, msg),
      };
      this.schedule(STATUS_DELAY_FLOOR_MS + plan.statusDelayMs, async () => {
        try {
          await channel.status(ctx, plan.delivered);
        } catch (e) {
          // The recipient got the message even if we could not report it: they still act.
          if (e instanceof Canceled) return;
          this.logger.warn({ err: e, messageSid: sid }, 'simulated status callback failed');
        }
        if (!plan.delivered) return;
        if (plan.click !== null) this.schedule(plan.click, () => this.click(message.links[0]!.token));
        if (plan.open !== null && channel.open) this.schedule(plan.open, () => channel.open!(ctx));
        if (plan.reply !== null) {
          const body = plan.reply.body;
          this.schedule(plan.reply.delayMs, () => channel.reply(ctx, body));
        }
        const onConversion = this.options.onConversion;
        if (plan.conversion !== null && onConversion) this.schedule(plan.conversion, () => onConversion(message, rates.revenue));
      });
      return { ok: true, providerMessageId: sid };
    } finally {
      this.pendingSends--;
      this.checkIdle();
    }
  }

  /** The status drawn for a message this process sent (see the file comment). Never throws. */
  async fetchStatus(providerMessageId: string, channel: Channel): Promise<StatusLookup> {
    return simulatedStatus(providerMessageId, channel, this.drawn.get(providerMessageId), Date.now());
  }

  /** Resolves once nothing is scheduled or in flight (all events played back, or closed). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels every event not yet started and waits for those in flight. Later sends fail (retryable). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    // Requests still waiting for their turn have not started: they are dropped, like the timers.
    for (const wake of this.requestQueue.splice(0)) wake(false);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.checkIdle();
  }

  private schedule(delayMs: number, task: () => Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const running: Promise<void> = Promise.resolve()
        .then(task)
        .catch((e: unknown) => {
          if (!(e instanceof Canceled)) this.logger.warn({ err: e }, 'simulated event failed');
        })
        .finally(() => {
          this.inFlight.delete(running);
          this.checkIdle();
        });
      this.inFlight.add(running);
    }, delayMs);
    this.timers.add(timer);
  }

  private isIdle(): boolean {
    return this.timers.size === 0 && this.inFlight.size === 0 && this.pendingSends === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle() || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Stores `sid` for `key` (memory, then the replay store) unless the store has an id for it already. */
  private async claim(key: string, sid: string): Promise<{ id: string; replayed: boolean } | { error: string }> {
    this.remember(key, sid);
    try {
      const earlier = await this.options.replayStore?.claim(key, sid);
      if (earlier === undefined || earlier === sid) return { id: sid, replayed: false };
      this.remember(key, earlier);
      return { id: earlier, replayed: true };
    } catch (e) {
      this.sent.delete(key);
      return { error: `simulator could not store the send: ${(e as Error)?.message ?? String(e)}` };
    }
  }

  private remember(key: string, sid: string): void {
    if (this.sent.size >= REPLAY_MEMORY) this.sent.delete(this.sent.keys().next().value!);
    this.sent.set(key, sid);
  }

  /** Follows a tracked link the way a phone's browser starts to: GET, expecting a redirect. */
  private async click(token: string): Promise<void> {
    const res = await this.request(`${this.publicUrl}/l/${encodeURIComponent(token)}`, { method: 'GET', redirect: 'manual' });
    if (res.status < 300 || res.status >= 400) this.logger.warn({ status: res.status, token }, 'simulated click did not redirect');
  }

  private async request(url: string, init: RequestInit): Promise<{ status: number; body: string }> {
    // A turn is either free now or handed over by release() (the count stays); close() wakes the rest without one.
    const turn = this.requests < this.maxRequests ? (this.requests++, true) : await new Promise<boolean>((resolve) => this.requestQueue.push(resolve));
    if (!turn || this.closed) {
      if (turn) this.release();
      throw new Canceled('the simulator closed before this request started');
    }
    try {
      return await this.send1(url, init);
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.requestQueue.shift();
    if (next) next(true);
    else this.requests--;
  }

  private async send1(url: string, init: RequestInit): Promise<{ status: number; body: string }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.requestTimeoutMs);
    try {
      // Marked as this process's own traffic: the rate limiter does not count it (one IP, thousands/s).
      const headers = { ...(init.headers as Record<string, string> | undefined), [INTERNAL_REQUEST_HEADER]: INTERNAL_REQUEST_TOKEN };
      const res = await this.fetchImpl(url, { ...init, headers, signal: controller.signal });
      return { status: res.status, body: await res.text() }; // read to the end: frees the socket
    } finally {
      clearTimeout(timer);
    }
  }
}


/**
 * A simulated message's status at `now`, from what was drawn at its send (undefined: not sent by
 * this process, or forgotten). Pure.
 */
export function simulatedStatus(sid: string, channel: Channel, drawn: { delivered: boolean; dueAt: number } | undefined, now: number): StatusLookup {
  if (channel === Channel.EMAIL) return { ok: false, retryable: false, unsupported: true, error: 'the simulator cannot look up email statuses (its Mailgun events carry random event ids)' };
  if (!drawn) return { ok: true, found: false };
  const due = now >= drawn.dueAt;
  if (channel === Channel.WHATSAPP) {
    const providerStatus = !due ? 'sent' : drawn.delivered ? 'delivered' : 'failed';
    return { ok: true, found: true, status: !due ? 'SENT' : drawn.delivered ? 'DELIVERED' : 'FAILED', providerStatus, eventKey: `${WHATSAPP_PROVIDER}:${sid}:${providerStatus}`, ...(due && !drawn.delivered ? { error: 'simulated failure' } : {}) };
  }
  const providerStatus = !due ? 'queued' : drawn.delivered ? 'delivered' : 'failed';
  return { ok: true, found: true, status: !due ? 'PENDING' : drawn.delivered ? 'DELIVERED' : 'FAILED', providerStatus, eventKey: twilioStatusEventKey(sid, providerStatus), ...(due && !drawn.delivered ? { error: 'simulated failure' } : {}) };
}

/** A 32-bit PRNG seed for one message: SHA-256 of the run's seed and the message's idempotency key. */
function messageSeed(seed: number, idempotencyKey: string): number {
  return createHash('sha256').update(`${seed >>> 0}:${idempotencyKey}`, 'utf8').digest().readUInt32BE(0);
}

function drawPlan(rng: Rng, r: SimulatedRates, hasLink: boolean, opens: boolean): Plan {
  const delivered = rng() < r.delivery;
  const statusDelayMs = rng() * r.delayMs;
  const clicked = rng() < r.click;
  const clickDelay = rng() * r.delayMs;
  const replied = rng() < r.reply;
  const replyDelay = rng() * r.delayMs;
  const stop = rng() < r.stopShare;
  const pick = SIMULATED_REPLIES[Math.floor(rng() * SIMULATED_REPLIES.length)]!;
  const converted = rng() < r.conversion;
  const conversionDelay = rng() * r.delayMs;
  // Drawn last: SMS plans (no opens) stay what they were before opens existed.
  const opened = opens && rng() < r.open;
  const openDelay = opened ? rng() * r.delayMs : 0;
  return {
    delivered,
    statusDelayMs,
    click: clicked && hasLink ? clickDelay : null,
    reply: replied ? { delayMs: replyDelay, body: stop ? 'STOP' : pick } : null,
    conversion: converted ? conversionDelay : null,
    open: opened ? openDelay : null,
  };
}

/** Probabilities clamped to [0, 1] (NaN → 0), delay to a finite non-negative number. */
function sanitize(r: SimulatedRates): SimulatedRates {
  const p = (x: number) => (x >= 0 ? Math.min(x, 1) : 0);
  return {
    delivery: p(r.delivery),
    click: p(r.click),
    reply: p(r.reply),
    open: p(r.open),
    conversion: p(r.conversion),
    revenue: Number.isFinite(r.revenue) ? r.revenue : 0,
    stopShare: p(r.stopShare),
    delayMs: Number.isFinite(r.delayMs) && r.delayMs > 0 ? r.delayMs : 0,
  };
}
