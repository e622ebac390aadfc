/**
 * The sender: drains the send queue of RUNNING campaigns. Each claimed send is leased (its next
 * attempt moves 60 s ahead) so that a crashed instance's sends are retried by another one with the
 * same idempotency key — which the provider deduplicates — instead of being lost or doubled.
 * Quiet hours (contact's zone, else the workspace's; per channel) defer a send without counting an
 * attempt; the rate limit (messages per second per provider account, the workspace's rate for the
 * channel) is shared by every instance through a per-second counter row; provider errors retry
 * with exponential backoff. A circuit per provider account (./circuit-breaker.ts) holds sends back
 * while the account's provider is failing: they are deferred, not failed, and one probe resumes them.
 */
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import type { SqlPool } from '../db/pool';
import { EventType } from '../domain/event-type';
import type { IngestionPipeline } from '../tracking/ingestion';
import { derivedLinkToken, markMessagesSent, preRecordMessages, type PendingMessage } from '../tracking/messages';
import { markEmailBounced } from '../contacts/suppression';
import type { Orm } from '../db/orm';
import { Channel } from '../domain/channel';
import type { WorkspaceSettings } from '../workspaces/workspace.entity';
import type { ProviderRouter } from './providers';
import type { MessagingProvider, OutboundMessage, ProviderWorkspace, SendResult } from './providers/provider';
import { nextAllowedTime } from './quiet-hours';
import { rulesFor } from '../workspaces/channel-rules';
import { composeMessage, type ComposedMessage } from './compose';
import { eachLimited } from '../shared/each-limited';
import type { CircuitBreakers, CircuitKey } from './circuit-breaker-store';
import { monthOf, type PlanCatalog } from '../plans/plans';
import { sendLimitError, takePlanGrants } from '../plans/send-limit';

export const MAX_SEND_ATTEMPTS = 6;
/** Sends in flight at once per instance (within a claimed batch). */
export const SEND_CONCURRENCY = 64;
/** Sends claimed at once; a full batch is followed by the next one at once. */
export const SEND_BATCH = 1000;
/** Batches in progress at once per instance (see Sender.start). */
export const SEND_LANES = 2;

/** A send cleared to go: its provider, provider account and the rate that applies. */
interface Ready {
  s: ClaimedSend;
  workspace: ProviderWorkspace;
  provider: MessagingProvider;
  account: string;
  rate: number;
  /** The probe of its account's HALF_OPEN circuit. */
  probe: boolean;
}

/** A send rendered, with its message row (recorded before the provider call). */
interface Rendered extends Ready {
  rendered: ComposedMessage;
  webhookProvider: string;
  messageId?: string;
}

/** A send the provider accepted. */
interface Accepted extends Rendered {
  messageId: string;
  providerMessageId: string;
}

interface ClaimedSend {
  id: string;
  workspace_id: string;
  campaign_id: string;
  run_id: string;
  contact_id: string;
  variant_id: string;
  idempotency_key: string;
  attempts: number;
  /**
   * Chosen at the first claim and kept across attempts: the secret the links' tokens derive from
   * (the same links on every attempt) and, on EMAIL, the open / unsubscribe token.
   */
  tracking_token: string;
  channel: Channel;
  template: string;
  subject: string | null;
  html: string | null;
  whatsapp_template: { name: string; language: string; parameters: string[] } | null;
  whatsapp_window_open: boolean;
  /** Since it was queued the contact opted out of the channel (or, on email, the address bounced). */
  opted_out_now: boolean;
  /** Since it was queued the contact withdrew consent on the channel. */
  no_consent_now: boolean;
  offer_amount: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  external_id: string | null;
  segment: string | null;
  attributes: Record<string, unknown>;
  contact_tz: string | null;
  workspace_tz: string;
  settings: WorkspaceSettings;
  twilio_auth_token: string | null;
  smtp_password: string | null;
  whatsapp_access_token: string | null;
  /** The workspace's plan name (null: the default plan). */
  plan: string | null;
  /** Counted against the plan's monthly limit by an earlier attempt (sends.plan_month set): not counted again. */
  plan_counted: boolean;
}

/** The workspace columns a provider needs (credentials), selected with each claimed send (and by reconciliation and alert emails). */
export const WORKSPACE_COLUMNS = 'w.settings, w.twilio_auth_token, w.smtp_password, w.whatsapp_access_token';
export type WorkspaceRow = Pick<ClaimedSend, 'workspace_id' | 'settings' | 'twilio_auth_token' | 'smtp_password' | 'whatsapp_access_token'>;

/** A workspace row (WORKSPACE_COLUMNS of `workspaces w`, and its id) as the fields providers read. Pure. */
export function providerWorkspace(r: WorkspaceRow): ProviderWorkspace {
  const { smtp, whatsappCloud } = r.settings;
  return {
    id: r.workspace_id,
    twilioAccountSid: r.settings.twilioAccountSid ?? null,
    twilioAuthToken: r.twilio_auth_token,
    twilioFrom: r.settings.twilioFrom ?? null,
    smtp: smtp ? { ...smtp, password: r.smtp_password } : null,
    whatsappCloud: whatsappCloud && r.whatsapp_access_token ? { ...whatsappCloud, accessToken: r.whatsapp_access_token } : null,
  };
}

/** splitcast_sends_total, splitcast_send_deferrals_total, splitcast_provider_request_duration_seconds. */
export interface SendMetrics {
  sends: Counter<'result' | 'provider' | 'channel'>;
  deferrals: Counter<'reason'>;
  providerDuration: Histogram<'provider' | 'channel'>;
}

/**
 * A send's link tokens, derived from its tracking token (one-way): every attempt renders the same
 * links as the message row recorded before the first call (and SMTP, which cannot deduplicate,
 * sends the same working links again). Email tokens are 16 characters, text messages' 10.
 */
function derivedTokens(trackingToken: string, channel: Channel): () => string {
  let n = 0;
  const length = channel === Channel.EMAIL ? 16 : 10;
  return () => derivedLinkToken(trackingToken, n++, length);
}

/** Items grouped by key, groups and items in first-seen order (linear: batches hold 1,000 sends). Pure. */
export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Delay before retry `attempts + 1` after a provider error: 10 s, 20 s, 40 s … capped at 10 min. Pure. */
export function sendBackoffSeconds(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(attempts - 1, 0), 600);
}

export class Sender {
  private running?: Promise<number>;
  private readonly loops = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private stopped = false;
  private prunedAt = 0;

  constructor(
    private readonly orm: Orm,
    private readonly sql: SqlPool,
    private readonly pipeline: IngestionPipeline,
    private readonly providers: ProviderRouter,
    /** Read at send time: without PUBLIC_URL it is only known once the server listens. */
    private readonly publicUrl: () => string,
    private readonly logger: Logger,
    /** How long a claimed send is reserved; after a crash it is retried once the lease runs out. */
    private readonly leaseSeconds = 60,
    private readonly metrics?: SendMetrics,
    /** Circuits per provider account; without them every send goes to its provider. */
    private readonly breakers?: CircuitBreakers,
    /** Workspace plans; without them (or when no plan has a monthly limit) the plan stage is skipped. */
    private readonly plans?: PlanCatalog,
  ) {}

  /** One provider call, timed. */
  private async callProvider(provider: MessagingProvider, message: OutboundMessage, workspace: ProviderWorkspace): Promise<SendResult> {
    const t0 = performance.now();
    try {
      return await provider.send(message, workspace);
    } finally {
      this.metrics?.providerDuration.observe({ provider: provider.name, channel: message.channel.toLowerCase() }, (performance.now() - t0) / 1000);
    }
  }

  private count(result: 'SENT' | 'FAILED' | 'RETRY', provider: string, channel: Channel): void {
    this.metrics?.sends.inc({ result, provider, channel: channel.toLowerCase() });
  }

  /**
   * Runs the sender until stop(): SEND_LANES loops each claiming and sending batches of their own
   * (claims skip each other's rows), so that one batch's database writes overlap the next one's
   * claim and provider calls; plus one loop for automatic replies and pruning. A lane whose batch
   * was full and went out goes on at once; otherwise it waits `intervalMs`.
   */
  start(intervalMs = 250): void {
    for (let lane = 0; lane < SEND_LANES; lane++) this.loop(async () => (await this.drain(SEND_BATCH)).full, intervalMs, (lane * intervalMs) / SEND_LANES);
    this.loop(async () => {
      await Promise.all([this.drainOutbox(SEND_BATCH), this.pruneIfDue()]);
      return false;
    }, intervalMs, intervalMs);
  }

  private loop(work: () => Promise<boolean>, intervalMs: number, firstDelayMs: number): void {
    const run = async () => {
      let delay = firstDelayMs;
      while (!this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.sleepers.delete(wake);
            resolve();
          }, delay);
          const wake = () => {
            clearTimeout(timer);
            resolve();
          };
          this.sleepers.add(wake);
        });
        if (this.stopped) break;
        const again = await work().catch((err: unknown) => {
          this.logger.error({ err }, 'send loop failed');
          return false;
        });
        delay = again ? 0 : intervalMs;
      }
    };
    const running = run().finally(() => this.loops.delete(running));
    this.loops.add(running);
  }

  /**
   * Resolves once the providers have played back what they scheduled: the simulator's status
   * callbacks, clicks and replies, which trail the sends (at most SIMULATOR_MAX_REQUESTS at once).
   */
  async playbackIdle(): Promise<void> {
    await Promise.all(this.providers.providers.map((p) => p.idle?.()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    await Promise.all([...this.loops, this.running?.catch(() => undefined)]);
  }

  /** Claims and sends one batch of due sends (and automatic replies); returns how many were handled. */
  runOnce(batch = SEND_BATCH): Promise<number> {
    this.running ??= Promise.all([this.drain(batch), this.drainOutbox(batch), this.pruneIfDue()])
      .then(([a, b]) => a.claimed + b)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** The per-second rate counters are only read for the current second: old ones go once a minute. */
  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.prunedAt < 60_000) return;
    this.prunedAt = Date.now();
    await this.pruneRateCounters();
  }

  /** Deletes rate counters older than a minute. */
  async pruneRateCounters(): Promise<void> {
    await this.sql.query(`delete from send_rate where second < now() - interval '1 minute'`);
  }

  /**
   * Automatic replies queued by inbound keywords (opt-out and opt-in confirmations, HELP). They go
   * out whatever the contact's consent — they answer the contact — under the same rate limit.
   */
  private async drainOutbox(batch: number): Promise<number> {
    const rows = await this.sql.query<WorkspaceRow & { id: string; contact_id: string; body: string; channel: Channel; phone: string | null }>(
      `update outbox o set status = 'SENDING', sent_at = now()
       from (
         select id from outbox where status = 'QUEUED' or (status = 'SENDING' and sent_at < now() - make_interval(secs => $2))
         order by created_at limit $1 for update skip locked
       ) due, contacts c, workspaces w
       where o.id = due.id and c.id = o.contact_id and w.id = o.workspace_id
       returning o.id, o.workspace_id, o.contact_id, o.body, o.channel, c.phone, ${WORKSPACE_COLUMNS}`,
      [batch, this.leaseSeconds],
    );
    const routed: (CircuitKey & { r: (typeof rows)[number]; workspace: ProviderWorkspace; sender: MessagingProvider })[] = [];
    for (const r of rows) {
      // Keyword replies answer a text message (SMS or WhatsApp), on the channel it came on.
      const workspace = providerWorkspace(r);
      const provider = this.providers.route(r.channel, workspace);
      if (!r.phone || !('send' in provider)) {
        await this.sql.query(`update outbox set status = 'FAILED' where id = $1 and workspace_id = $2`, [r.id, r.workspace_id]);
        continue;
      }
      routed.push({ account: provider.accountKey(r.channel, workspace), provider: provider.name, channel: r.channel, workspaceId: r.workspace_id, r, workspace, sender: provider });
    }
    // The circuits as every instance shares them (a reply may be an account's probe): this
    // instance's memory alone would hold replies back forever once no campaign send reads them.
    let go = routed.map((item) => ({ item, probe: false }));
    if (this.breakers && routed.length > 0) {
      const gated = await this.breakers.gate(routed);
      go = gated.go;
      await this.deferReplies(gated.deferred.map((d) => ({ r: d.item.r, until: d.until })));
    }
    try {
      for (const { item, probe } of go) {
        const { r, workspace, sender: provider } = item;
        // The circuit may have opened since (replies before this one failing).
        if (this.breakers && !this.breakers.allowed(item.account, probe)) {
          await this.deferReplies([{ r, until: this.breakers.retryAt(item.account) }]);
          continue;
        }
        const result = await this.callProvider(
          provider,
          { channel: r.channel, to: r.phone!, body: r.body, idempotencyKey: `outbox:${r.id}`, campaignId: '', contactId: r.contact_id, variantId: '', links: [], system: true },
          workspace,
        );
        await this.breakers?.report(item, result, probe);
        const status = result.ok ? 'SENT' : result.retryable ? 'QUEUED' : 'FAILED';
        await this.sql.query(`update outbox set status = $2 where id = $1 and workspace_id = $3`, [r.id, status, r.workspace_id]);
        if (!result.ok) this.logger.warn({ outboxId: r.id, error: result.error }, 'automatic reply not sent');
      }
    } finally {
      // A probe that never reached its provider lets another call probe.
      await this.breakers?.releaseProbes(go.filter((g) => g.probe).map((g) => g.item.account));
    }
    return rows.length;
  }

  /**
   * Replies held back by a circuit stay claimed (SENDING) until it may probe: their lease is made to
   * run out then (a claimed reply is taken again once `sent_at` is a lease old). Never failed.
   */
  private async deferReplies(list: { r: { id: string; workspace_id: string }; until: Date }[]): Promise<void> {
    if (list.length === 0) return;
    this.metrics?.deferrals.inc({ reason: 'circuit_open' }, list.length);
    await this.sql.query(
      `update outbox o set sent_at = x.until - make_interval(secs => $4)
       from unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) as x(id, workspace_id, until)
       where o.id = x.id and o.workspace_id = x.workspace_id and o.status = 'SENDING'`,
      [list.map((d) => d.r.id), list.map((d) => d.r.workspace_id), list.map((d) => d.until.toISOString()), this.leaseSeconds],
    );
  }

  private async drain(batch: number): Promise<{ claimed: number; full: boolean }> {
    const claimed = await this.sql.query<ClaimedSend>(
      `update sends s set attempts = s.attempts + 1, next_attempt_at = now() + make_interval(secs => $2),
         tracking_token = coalesce(s.tracking_token, replace(gen_random_uuid()::text, '-', ''))
       from (
         select s.id from sends s join campaigns c on c.id = s.campaign_id and c.workspace_id = s.workspace_id
         where s.status = 'PENDING' and s.next_attempt_at <= now() and c.status = 'RUNNING'
         order by s.next_attempt_at limit $1 for update of s skip locked
       ) due, variants v, contacts ct, campaigns c, workspaces w
       where s.id = due.id and v.id = s.variant_id and v.workspace_id = s.workspace_id and ct.id = s.contact_id and ct.workspace_id = s.workspace_id
         and c.id = s.campaign_id and c.workspace_id = s.workspace_id and w.id = s.workspace_id
       returning s.id, s.workspace_id, s.campaign_id, s.run_id, s.contact_id, s.variant_id, s.idempotency_key, s.attempts, s.tracking_token,
                 c.channel, v.template, v.subject, v.html, v.whatsapp_template, c.offer_amount,
                 coalesce(ct.whatsapp_inbound_at > now() - interval '24 hours', false) as whatsapp_window_open,
                 (c.channel = any(ct.opted_out_channels) or (c.channel = 'EMAIL' and ct.email_bounced_at is not null)) as opted_out_now,
                 not c.channel = any(ct.consent_channels) as no_consent_now,
                 ct.phone, ct.first_name, ct.last_name, ct.email, ct.external_id, ct.segment,
                 ct.attributes, ct.timezone as contact_tz, w.timezone as workspace_tz, ${WORKSPACE_COLUMNS},
                 w.plan, s.plan_month is not null as plan_counted`,
      [batch, this.leaseSeconds],
    );
    return this.sendBatch(claimed, claimed.length === batch);
  }

  /**
   * A send that threw (a bug, a row the database refuses, the database gone) is retried after its
   * lease, but not forever: one that keeps failing this way would otherwise go out on every lease.
   */
  private async unexpected(send: ClaimedSend, err: unknown): Promise<void> {
    if (send.attempts >= MAX_SEND_ATTEMPTS) {
      this.logger.error({ err, sendId: send.id }, 'send failed unexpectedly on its last attempt');
      await this.fail(send, `the send failed unexpectedly: ${(err as Error)?.message ?? String(err)}`, 'none').catch((e: unknown) => this.logger.error({ err: e, sendId: send.id }, 'could not record the failure'));
    } else {
      this.logger.error({ err, sendId: send.id }, 'send failed unexpectedly; it will be retried after its lease');
    }
  }

  /** Runs `step` for each item, `concurrency` at a time; a throw goes to `unexpected` for that send. */
  private async eachSend<T extends { s: ClaimedSend } | ClaimedSend>(items: T[], step: (item: T) => Promise<void>, concurrency = SEND_CONCURRENCY): Promise<void> {
    await eachLimited(items, concurrency, (item) => {
      const send: ClaimedSend = 's' in item ? (item as { s: ClaimedSend }).s : (item as ClaimedSend);
      return step(item).catch((err: unknown) => this.unexpected(send, err));
    });
  }

  /**
   * The claimed batch, stage by stage, with the database work of each stage done for the whole
   * batch: plan grants per workspace (limited plans only), rate tokens per provider account, message rows and links, provider ids, SENT events,
   * send rows. The order per message is the one exactly-once relies on — message row and links
   * (QUEUED, no provider id), provider call, provider id, SENT event, send marked SENT — so that
   * whatever a recipient can act on (a link, a reply) and whatever a provider calls back about
   * (once its id is recorded) is already there. A crash anywhere leaves the send claimed, retried
   * after its lease with the same idempotency key (the provider answers with the same id) and the
   * same message row (its id is the send's, its links derive from the send's token). Failure paths
   * (cancel, quiet hours, retries, final failures) stay per message.
   */
  private async sendBatch(claimed: ClaimedSend[], full: boolean): Promise<{ claimed: number; full: boolean }> {
    // 1. Per message: consent re-check, quiet hours, which provider.
    const ready: Ready[] = [];
    await this.eachSend(claimed, async (s) => {
      const r = await this.prepare(s);
      if (r) ready.push(r);
    });
    // 2. Circuits: an account whose provider is failing holds its sends back (before rate tokens).
    const admitted = await this.gateCircuits(ready);
    // 3. The plan's monthly limit: sends over it are canceled (before rate tokens: they take none).
    const allowed = await this.applyPlanLimits(admitted);
    // 4. Rate tokens, per provider account and rate: one statement per group.
    const granted = await this.takeTokens(allowed);
    // Full and nothing held back by the rate limit: more are due now (rate-limited ones are not).
    const more = full && granted.length === allowed.length;
    // 5. Render; 6. record the messages and their links before any provider call.
    const rendered: Rendered[] = [];
    await this.eachSend(granted, async (r) => {
      const x = await this.render(r);
      if (x) rendered.push(x);
    });
    const recorded = await this.preRecord(rendered);
    // 7. Hand to the provider (concurrently: e.g. the simulator then answers a whole wave with one
    //    lookup and one write).
    const accepted: Accepted[] = [];
    const perProvider = groupBy(recorded, (r) => r.provider);
    await Promise.all(
      [...perProvider].map(([provider, list]) =>
        this.eachSend(
          list,
          async (r) => {
            const a = await this.deliver(r);
            if (a) accepted.push(a);
          },
          provider.concurrency,
        ),
      ),
    );
    if (this.breakers) {
      // A probe that never reached its provider lets another call probe; failures go to providerHealth.
      await this.breakers.releaseProbes(admitted.filter((r) => r.probe).map((r) => r.account));
      await this.breakers.flush();
    }
    if (accepted.length === 0) return { claimed: claimed.length, full: more };
    // 8. Provider ids (status callbacks find their message from now on); 9. SENT events and sends
    //    marked SENT.
    const identified = await this.markSent(accepted);
    const byWorkspace = groupBy(identified, (a) => a.s.workspace_id);
    await Promise.all(
      [...byWorkspace].map(async ([workspaceId, group]) => {
        try {
          await this.pipeline.ingest(
            workspaceId,
            group.map(({ s, messageId }) => ({ campaignId: s.campaign_id, contactId: s.contact_id, type: EventType.SENT, variantId: s.variant_id, occurredAt: new Date(), value: null, sentiment: null, url: null, merchantId: null, idempotencyKey: `send:${s.idempotency_key}`, messageId })),
            'sender',
          );
          await this.sql.query(
            `update sends s set status = 'SENT', sent_at = now(), provider = x.provider, provider_message_id = x.pmid, last_error = null
             from unnest($1::uuid[], $2::text[], $3::text[]) as x(id, provider, pmid) where s.id = x.id`,
            [group.map((a) => a.s.id), group.map((a) => a.provider.name), group.map((a) => a.providerMessageId)],
          );
        } catch (err) {
          await Promise.all(group.map((a) => this.unexpected(a.s, err)));
          return;
        }
        for (const a of group) this.count('SENT', a.provider.name, a.s.channel);
      }),
    );
    return { claimed: claimed.length, full: more };
  }

  /**
   * Stage 3: sends of workspaces whose plan has a monthly limit, not counted by an earlier attempt,
   * are granted against this month's usage (one statement per workspace); refused ones are
   * canceled with PLAN_SEND_LIMIT and counted as skipped. No statement at all when no plan has a
   * limit (the default configuration). Automatic replies (the outbox) never come here.
   */
  private async applyPlanLimits(admitted: Ready[]): Promise<Ready[]> {
    const plans = this.plans;
    if (!plans || plans.allUnlimited || admitted.length === 0) return admitted;
    const toCount = groupBy(
      admitted.filter((r) => !r.s.plan_counted && plans.resolve(r.s.plan).monthlyMessages !== null),
      (r) => r.s.workspace_id,
    );
    if (toCount.size === 0) return admitted;
    const month = monthOf(new Date());
    const refused = new Set<string>();
    await Promise.all(
      [...toCount].map(async ([workspaceId, group]) => {
        const plan = plans.resolve(group[0]!.s.plan);
        const limit = plan.monthlyMessages!;
        try {
          const ids = await takePlanGrants(this.sql, workspaceId, group.map((r) => r.s.id), limit, month, sendLimitError(plan.name, limit));
          for (const id of ids) refused.add(id);
          if (ids.size > 0) this.logger.info({ workspaceId, plan: plan.name, limit, skipped: ids.size }, 'sends over the plan\'s monthly limit canceled');
        } catch (err) {
          // Not counted, not sent: retried after their lease like any send that threw.
          for (const r of group) {
            refused.add(r.s.id);
            await this.unexpected(r.s, err);
          }
        }
      }),
    );
    return refused.size === 0 ? admitted : admitted.filter((r) => !refused.has(r.s.id));
  }

  private async defer(id: string, until: Date, countAttempt = false): Promise<void> {
    await this.sql.query(`update sends set next_attempt_at = $2, attempts = attempts - $3 where id = $1`, [id, until.toISOString(), countAttempt ? 0 : 1]);
  }

  /** Stage 1: null when the send was canceled, deferred or failed here. */
  private async prepare(s: ClaimedSend): Promise<Ready | null> {
    // Consent is checked again now: a send may wait hours (quiet hours, rate limit, retries) after it
    // was queued, and an unsubscribe, a STOP or a hard bounce in between must hold.
    if (s.opted_out_now || s.no_consent_now) {
      const why = s.opted_out_now ? `the contact opted out of ${s.channel} (or the address bounced) after the message was queued` : `the contact withdrew consent on ${s.channel} after the message was queued`;
      // A row recorded for an earlier attempt that the provider did not accept goes too.
      await this.sql.query(
        `with unsent as (delete from messages where id = $1 and workspace_id = $3 and provider_message_id is null)
         update sends set status = 'CANCELED', last_error = $2 where id = $1`,
        [s.id, why, s.workspace_id],
      );
      this.logger.info({ ...this.sendLog(s), reason: why }, 'send canceled');
      return null;
    }
    // The channel's rules (its own quiet hours and send rate, else the workspace-wide ones).
    const rules = rulesFor(s.settings, s.channel);
    // Quiet hours: defer to the end of the window, in the contact's zone.
    const allowed = nextAllowedTime(new Date(), s.contact_tz ?? s.workspace_tz, rules.quietHours);
    if (allowed.getTime() > Date.now()) {
      this.metrics?.deferrals.inc({ reason: 'quiet_hours' });
      await this.defer(s.id, allowed);
      return null;
    }
    const workspace = providerWorkspace(s);
    const provider = this.providers.route(s.channel, workspace);
    if (!('send' in provider)) {
      await this.fail(s, provider.unavailable, 'none');
      return null;
    }
    return { s, workspace, provider, account: provider.accountKey(s.channel, workspace), rate: rules.sendRatePerSecond, probe: false };
  }

  /**
   * Stage 2. The sends whose account's circuit lets them go (one of them, perhaps, as its probe);
   * the others are deferred to when the circuit may probe, their attempt given back: never failed.
   */
  private async gateCircuits(ready: Ready[]): Promise<Ready[]> {
    if (!this.breakers || ready.length === 0) return ready;
    const { go, deferred } = await this.breakers.gate(ready.map((r) => ({ account: r.account, provider: r.provider.name, channel: r.s.channel, workspaceId: r.s.workspace_id, r })));
    if (deferred.length > 0) {
      this.metrics?.deferrals.inc({ reason: 'circuit_open' }, deferred.length);
      try {
        await this.sql.query(
          `update sends s set next_attempt_at = x.until, attempts = s.attempts - 1 from unnest($1::uuid[], $2::timestamptz[]) as x(id, until) where s.id = x.id`,
          [deferred.map((d) => d.item.r.s.id), deferred.map((d) => d.until.toISOString())],
        );
        // The rest of those campaigns' due sends go through the same account (a campaign has one
        // channel and workspace): move them too, or the lanes would claim and put back the whole
        // queue, batch after batch, until the circuit may probe. Only due, unclaimed rows (a claimed
        // one's lease keeps next_attempt_at ahead); no attempt was counted for them.
        const latest = new Map<string, { workspaceId: string; until: Date }>();
        for (const d of deferred) {
          const seen = latest.get(d.item.r.s.campaign_id);
          if (!seen || seen.until > d.until) latest.set(d.item.r.s.campaign_id, { workspaceId: d.item.r.s.workspace_id, until: d.until });
        }
        await this.sql.query(
          `update sends s set next_attempt_at = x.until
           from unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) as x(campaign_id, workspace_id, until)
           where s.campaign_id = x.campaign_id and s.workspace_id = x.workspace_id and s.status = 'PENDING' and s.next_attempt_at <= now()`,
          [[...latest.keys()], [...latest.values()].map((v) => v.workspaceId), [...latest.values()].map((v) => v.until.toISOString())],
        );
      } catch (err) {
        await Promise.all(deferred.map((d) => this.unexpected(d.item.r.s, err)));
      }
    }
    return go.map(({ item, probe }) => ({ ...item.r, probe }));
  }

  /**
   * Stage 3. Shared rate limit per provider account (workspaces sharing an account share it): each
   * group asks this second's counter row for its size and is granted min(n, rate − used); the
   * rest is deferred a second. A workspace's rate caps the account's count when it asks, as one
   * token at a time did.
   */
  private async takeTokens(ready: Ready[]): Promise<Ready[]> {
    const groups = groupBy(ready, (r) => `${r.rate}|${r.account}`);
    const granted: Ready[] = [];
    const deferred: Ready[] = [];
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const { account, rate } = group[0]!;
        try {
          const [row] = await this.sql.query<{ granted: number }>(
            `insert into send_rate (account, second, used, last_grant) values ($1, date_trunc('second', now()), least($3::int, $2::int), least($3::int, $2::int))
             on conflict (account, second) do update
               set used = send_rate.used + least($3::int, $2::int - send_rate.used), last_grant = least($3::int, $2::int - send_rate.used)
               where send_rate.used < $2::int
             returning last_grant as granted`,
            [account, rate, group.length],
          );
          const n = row ? row.granted : 0;
          granted.push(...group.slice(0, n));
          deferred.push(...group.slice(n));
        } catch (err) {
          await Promise.all(group.map((r) => this.unexpected(r.s, err)));
        }
      }),
    );
    if (deferred.length > 0) {
      this.metrics?.deferrals.inc({ reason: 'rate_limit' }, deferred.length);
      try {
        await this.sql.query(`update sends set next_attempt_at = $2, attempts = attempts - 1 where id = any($1::uuid[])`, [deferred.map((r) => r.s.id), new Date(Date.now() + 1000).toISOString()]);
      } catch (err) {
        await Promise.all(deferred.map((r) => this.unexpected(r.s, err)));
      }
    }
    return granted;
  }

  /** Stage 4: the message as it will go out. Null when it cannot be rendered (a final failure). */
  private async render(r: Ready): Promise<Rendered | null> {
    const { s, provider } = r;
    const composed = composeMessage({
      channel: s.channel,
      variant: { template: s.template, subject: s.subject, html: s.html, whatsappTemplate: s.whatsapp_template },
      contact: { firstName: s.first_name, lastName: s.last_name, phone: s.phone, email: s.email, externalId: s.external_id, segment: s.segment, attributes: s.attributes },
      campaign: { offerAmount: s.offer_amount === null ? null : Number(s.offer_amount) },
      publicUrl: this.publicUrl(),
      makeToken: derivedTokens(s.tracking_token, s.channel),
      whatsappWindowOpen: s.whatsapp_window_open,
      trackingToken: s.channel === Channel.EMAIL ? s.tracking_token : undefined,
    });
    if (!composed.ok) {
      await this.fail(s, composed.error, provider.name);
      return null;
    }
    return { ...r, rendered: composed.message, webhookProvider: provider.webhookProvider(s.channel) };
  }

  /**
   * Stage 5: the messages and their links exist before the provider is called, so that a click (or
   * a reply) that comes back at once finds them. One statement for the batch; should it fail, each
   * message is tried on its own so that one bad row does not hold the others back. A message that
   * cannot be recorded is not sent (retried after its lease).
   */
  private async preRecord(list: Rendered[]): Promise<Rendered[]> {
    if (list.length === 0) return [];
    const row = ({ s, rendered, webhookProvider }: Rendered): PendingMessage => ({
      id: s.id,
      workspaceId: s.workspace_id,
      campaignId: s.campaign_id,
      contactId: s.contact_id,
      variantId: s.variant_id,
      provider: webhookProvider,
      channel: s.channel,
      body: rendered.body,
      tokens: rendered.links,
      trackingToken: rendered.trackingToken ?? null,
    });
    let ids: (string | null | Error)[];
    try {
      ids = await preRecordMessages(this.sql, list.map(row));
    } catch (err) {
      this.logger.warn({ err, messages: list.length }, 'recording the batch of messages failed; recording them one by one');
      ids = await Promise.all(list.map((r) => preRecordMessages(this.sql, [row(r)]).then(([id]) => id ?? null, (e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    }
    const out: Rendered[] = [];
    await Promise.all(
      ids.map(async (id, i) => {
        const r = list[i]!;
        if (typeof id === 'string') out.push({ ...r, messageId: id });
        else await this.unexpected(r.s, id ?? new Error('the message conflicts with a recorded one that cannot be found'));
      }),
    );
    return out;
  }

  /** Stage 6: call the provider. Null when it failed (retry scheduled or final failure) or was held back. */
  private async deliver(r: Rendered): Promise<Accepted | null> {
    const { s, workspace, provider, rendered } = r;
    // The circuit may have opened since the batch was admitted (calls of this batch failing).
    if (this.breakers && !this.breakers.allowed(r.account, r.probe)) {
      this.metrics?.deferrals.inc({ reason: 'circuit_open' });
      await this.defer(s.id, this.breakers.retryAt(r.account));
      return null;
    }
    const result = await this.callProvider(
      provider,
      { ...rendered, idempotencyKey: s.idempotency_key, campaignId: s.campaign_id, contactId: s.contact_id, variantId: s.variant_id },
      workspace,
    );
    await this.breakers?.report({ account: r.account, provider: provider.name, channel: s.channel, workspaceId: s.workspace_id }, result, r.probe);
    if (!result.ok) {
      if (result.retryable && s.attempts < MAX_SEND_ATTEMPTS) {
        // The message row stays (QUEUED): the provider may have delivered it all the same (a
        // timeout), and the next attempt goes out with the same links.
        const retryInSeconds = sendBackoffSeconds(s.attempts);
        await this.sql.query(`update sends set next_attempt_at = now() + make_interval(secs => $2), last_error = $3 where id = $1`, [s.id, retryInSeconds, result.error]);
        this.logger.warn(
          { ...this.sendLog(s), error: result.error, willRetry: true, retryInSeconds, attemptsLeft: MAX_SEND_ATTEMPTS - s.attempts },
          `send attempt ${s.attempts} of ${MAX_SEND_ATTEMPTS} failed; will retry in ${retryInSeconds} s`,
        );
        this.count('RETRY', provider.name, s.channel);
        return null;
      }
      if (result.bounced && s.channel === Channel.EMAIL && s.email) {
        await markEmailBounced(this.orm.em.fork(), { workspaceId: s.workspace_id, contactId: s.contact_id, email: s.email, at: new Date() });
      }
      await this.fail(s, result.error, provider.name);
      return null;
    }
    return { ...r, messageId: r.messageId!, providerMessageId: result.providerMessageId };
  }

  /**
   * Stage 7: the provider ids, in one statement for the batch (else one by one, so that one row the
   * database refuses — say, a provider id recorded on another message — holds back only its send).
   */
  private async markSent(accepted: Accepted[]): Promise<Accepted[]> {
    const row = (a: Accepted) => ({ id: a.messageId, workspaceId: a.s.workspace_id, provider: a.webhookProvider, providerMessageId: a.providerMessageId });
    try {
      await markMessagesSent(this.sql, accepted.map(row));
      return accepted;
    } catch (err) {
      this.logger.warn({ err, messages: accepted.length }, 'recording the batch of provider ids failed; recording them one by one');
    }
    const ok: Accepted[] = [];
    await Promise.all(
      accepted.map((a) =>
        markMessagesSent(this.sql, [row(a)]).then(
          () => void ok.push(a),
          (err: unknown) => this.unexpected(a.s, err),
        ),
      ),
    );
    return ok;
  }

  private sendLog(s: ClaimedSend) {
    return { campaignId: s.campaign_id, contactId: s.contact_id, runId: s.run_id, sendId: s.id, attempt: s.attempts };
  }

  /** A final failure: recorded on the send (Campaign.sendFailures), logged once, counted as FAILED. */
  private async fail(s: ClaimedSend, error: string, provider: string): Promise<void> {
    // The message row recorded before the call goes (its links with it): it was never accepted.
    await this.sql.query(
      `with unsent as (delete from messages where id = $1 and workspace_id = $3 and provider_message_id is null)
       update sends set status = 'FAILED', last_error = $2, failed_at = now() where id = $1`,
      [s.id, error, s.workspace_id],
    );
    this.count('FAILED', provider, s.channel);
    this.logger.warn({ ...this.sendLog(s), error, willRetry: false }, 'send failed; it will not be retried');
    await this.pipeline.ingest(
      s.workspace_id,
      [{ campaignId: s.campaign_id, contactId: s.contact_id, type: EventType.FAILED, variantId: s.variant_id, occurredAt: new Date(), value: null, sentiment: null, url: null, merchantId: null, idempotencyKey: `send-failed:${s.idempotency_key}`, messageId: null }],
      'sender',
    );
  }
}

