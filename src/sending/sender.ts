/**
 * The sender: drains the send queue of RUNNING campaigns. Each claimed send is leased (its next
 * attempt moves 60 s ahead) so that a crashed instance's sends are retried by another one with the
 * same idempotency key — which the provider deduplicates — instead of being lost or doubled.
 * Quiet hours (contact's zone, else the workspace's; per channel) defer a send without counting an
 * attempt; the rate limit (messages per second per provider account, the workspace's rate for the
 * channel) is shared by every instance through a per-second counter row; provider errors retry
 * with exponential backoff.
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import type { SqlPool } from '../db/pool';
import { EventType } from '../domain/event-type';
import type { IngestionPipeline } from '../tracking/ingestion';
import { derivedLinkToken, linkToken, recordMessage } from '../tracking/messages';
import { markEmailBounced } from '../contacts/suppression';
import type { Orm } from '../db/orm';
import { Channel } from '../domain/channel';
import type { WorkspaceSettings } from '../workspaces/workspace.entity';
import type { ProviderRouter } from './providers';
import type { MessagingProvider, OutboundMessage, ProviderWorkspace, SendResult } from './providers/provider';
import { nextAllowedTime } from './quiet-hours';
import { rulesFor } from '../workspaces/channel-rules';
import { composeMessage } from './compose';

export const MAX_SEND_ATTEMPTS = 6;
/** Sends in flight at once per instance. */
export const SEND_CONCURRENCY = 16;

interface ClaimedSend {
  id: string;
  workspace_id: string;
  campaign_id: string;
  run_id: string;
  contact_id: string;
  variant_id: string;
  idempotency_key: string;
  attempts: number;
  /** EMAIL: the open / unsubscribe token, the same on every attempt. */
  tracking_token: string | null;
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
}

/** The workspace columns a provider needs (credentials), selected with each claimed send. */
const WORKSPACE_COLUMNS = 'w.settings, w.twilio_auth_token, w.smtp_password, w.whatsapp_access_token';
type WorkspaceRow = Pick<ClaimedSend, 'workspace_id' | 'settings' | 'twilio_auth_token' | 'smtp_password' | 'whatsapp_access_token'>;

function providerWorkspace(r: WorkspaceRow): ProviderWorkspace {
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
 * An email's link tokens, derived from its tracking token (one-way): a retried send (SMTP sends it
 * again) then carries the same working links as the message recorded the first time.
 */
function derivedTokens(trackingToken: string): () => string {
  let n = 0;
  return () => derivedLinkToken(trackingToken, n++);
}

/** Delay before retry `attempts + 1` after a provider error: 10 s, 20 s, 40 s … capped at 10 min. Pure. */
export function sendBackoffSeconds(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(attempts - 1, 0), 600);
}

export class Sender {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
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

  start(intervalMs = 250): void {
    const tick = () => {
      if (this.stopped) return;
      void this.runOnce()
        .catch((err) => this.logger.error({ err }, 'send loop failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await Promise.all(this.providers.providers.map((p) => p.close?.()));
  }

  /** Claims and sends one batch of due sends (and automatic replies); returns how many were handled. */
  runOnce(batch = 100): Promise<number> {
    this.running ??= Promise.all([this.drain(batch), this.drainOutbox(batch), this.pruneIfDue()])
      .then(([a, b]) => a + b)
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
    for (const r of rows) {
      // Keyword replies answer a text message (SMS or WhatsApp), on the channel it came on.
      const workspace = providerWorkspace(r);
      const provider = this.providers.route(r.channel, workspace);
      if (!r.phone || !('send' in provider)) {
        await this.sql.query(`update outbox set status = 'FAILED' where id = $1`, [r.id]);
        continue;
      }
      const result = await this.callProvider(
        provider,
        { channel: r.channel, to: r.phone, body: r.body, idempotencyKey: `outbox:${r.id}`, campaignId: '', contactId: r.contact_id, variantId: '', links: [], system: true },
        workspace,
      );
      const status = result.ok ? 'SENT' : result.retryable ? 'QUEUED' : 'FAILED';
      await this.sql.query(`update outbox set status = $2 where id = $1`, [r.id, status]);
      if (!result.ok) this.logger.warn({ outboxId: r.id, error: result.error }, 'automatic reply not sent');
    }
    return rows.length;
  }

  private async drain(batch: number): Promise<number> {
    const claimed = await this.sql.query<ClaimedSend>(
      `update sends s set attempts = s.attempts + 1, next_attempt_at = now() + make_interval(secs => $2),
         tracking_token = case when c.channel = 'EMAIL' then coalesce(s.tracking_token, replace(gen_random_uuid()::text, '-', '')) end
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
                 ct.attributes, ct.timezone as contact_tz, w.timezone as workspace_tz, ${WORKSPACE_COLUMNS}`,
      [batch, this.leaseSeconds],
    );
    // Several sends in flight at once: their SENT events then share the ingestion pipeline's
    // transactions instead of waiting for one each.
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const send = claimed[next++]!;
        try {
          await this.sendOne(send);
        } catch (err) {
          // Retried after its lease, but not forever: a send that keeps failing this way (a bug, a
          // row the database refuses) would otherwise go out again on every lease.
          if (send.attempts >= MAX_SEND_ATTEMPTS) {
            this.logger.error({ err, sendId: send.id }, 'send failed unexpectedly on its last attempt');
            await this.fail(send, `the send failed unexpectedly: ${(err as Error)?.message ?? String(err)}`, 'none').catch((e: unknown) => this.logger.error({ err: e, sendId: send.id }, 'could not record the failure'));
          } else {
            this.logger.error({ err, sendId: send.id }, 'send failed unexpectedly; it will be retried after its lease');
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, claimed.length) }, worker));
    return claimed.length;
  }

  private async defer(id: string, until: Date, countAttempt = false): Promise<void> {
    await this.sql.query(`update sends set next_attempt_at = $2, attempts = attempts - $3 where id = $1`, [id, until.toISOString(), countAttempt ? 0 : 1]);
  }

  private async sendOne(s: ClaimedSend): Promise<void> {
    // Consent is checked again now: a send may wait hours (quiet hours, rate limit, retries) after it
    // was queued, and an unsubscribe, a STOP or a hard bounce in between must hold.
    if (s.opted_out_now || s.no_consent_now) {
      const why = s.opted_out_now ? `the contact opted out of ${s.channel} (or the address bounced) after the message was queued` : `the contact withdrew consent on ${s.channel} after the message was queued`;
      await this.sql.query(`update sends set status = 'CANCELED', last_error = $2 where id = $1`, [s.id, why]);
      this.logger.info({ ...this.sendLog(s), reason: why }, 'send canceled');
      return;
    }
    // The channel's rules (its own quiet hours and send rate, else the workspace-wide ones).
    const rules = rulesFor(s.settings, s.channel);
    // Quiet hours: defer to the end of the window, in the contact's zone.
    const allowed = nextAllowedTime(new Date(), s.contact_tz ?? s.workspace_tz, rules.quietHours);
    if (allowed.getTime() > Date.now()) {
      this.metrics?.deferrals.inc({ reason: 'quiet_hours' });
      return this.defer(s.id, allowed);
    }

    const workspace = providerWorkspace(s);
    const provider = this.providers.route(s.channel, workspace);
    if (!('send' in provider)) return this.fail(s, provider.unavailable, 'none');
    // Shared rate limit per provider account (workspaces sharing an account share it): one token
    // per message from this second's counter row, at the workspace's rate for the channel.
    const [token] = await this.sql.query(
      `insert into send_rate (account, second, used) values ($1, date_trunc('second', now()), 1)
       on conflict (account, second) do update set used = send_rate.used + 1 where send_rate.used < $2
       returning used`,
      [provider.accountKey(s.channel, workspace), rules.sendRatePerSecond],
    );
    if (!token) {
      this.metrics?.deferrals.inc({ reason: 'rate_limit' });
      return this.defer(s.id, new Date(Date.now() + 1000));
    }

    const composed = composeMessage({
      channel: s.channel,
      variant: { template: s.template, subject: s.subject, html: s.html, whatsappTemplate: s.whatsapp_template },
      contact: { firstName: s.first_name, lastName: s.last_name, phone: s.phone, email: s.email, externalId: s.external_id, segment: s.segment, attributes: s.attributes },
      campaign: { offerAmount: s.offer_amount === null ? null : Number(s.offer_amount) },
      publicUrl: this.publicUrl(),
      makeToken: s.tracking_token ? derivedTokens(s.tracking_token) : linkToken,
      whatsappWindowOpen: s.whatsapp_window_open,
      trackingToken: s.tracking_token ?? undefined,
    });
    if (!composed.ok) return this.fail(s, composed.error, provider.name);
    const rendered = composed.message;
    const result = await this.callProvider(
      provider,
      { ...rendered, idempotencyKey: s.idempotency_key, campaignId: s.campaign_id, contactId: s.contact_id, variantId: s.variant_id },
      workspace,
    );
    if (!result.ok) {
      if (result.retryable && s.attempts < MAX_SEND_ATTEMPTS) {
        const retryInSeconds = sendBackoffSeconds(s.attempts);
        await this.sql.query(`update sends set next_attempt_at = now() + make_interval(secs => $2), last_error = $3 where id = $1`, [s.id, retryInSeconds, result.error]);
        this.logger.warn(
          { ...this.sendLog(s), error: result.error, willRetry: true, retryInSeconds, attemptsLeft: MAX_SEND_ATTEMPTS - s.attempts },
          `send attempt ${s.attempts} of ${MAX_SEND_ATTEMPTS} failed; will retry in ${retryInSeconds} s`,
        );
        this.count('RETRY', provider.name, s.channel);
        return;
      }
      if (result.bounced && s.channel === Channel.EMAIL && s.email) {
        await markEmailBounced(this.orm.em.fork(), { workspaceId: s.workspace_id, contactId: s.contact_id, email: s.email, at: new Date() });
      }
      return this.fail(s, result.error, provider.name);
    }
    const webhookProvider = provider.webhookProvider(s.channel);
    // The message exists before its SENT event and before the provider's callbacks can need it.
    const message = await recordMessage(this.orm.em.fork(), {
      workspaceId: s.workspace_id,
      campaignId: s.campaign_id,
      contactId: s.contact_id,
      variantId: s.variant_id,
      provider: webhookProvider,
      providerMessageId: result.providerMessageId,
      channel: s.channel,
      body: rendered.body,
      tokens: rendered.links,
      trackingToken: rendered.trackingToken ?? null,
    }).catch(async (err: unknown) => {
      // A retry after a crash: the provider deduplicated the send, the message row exists already.
      if (!(err instanceof UniqueConstraintViolationException) && (err as { code?: string }).code !== '23505') throw err;
      // Found by the provider's id, or — when that changed between attempts (e.g. the From domain in
      // an email's Message-ID) — by the email's tracking token.
      const [existing] = await this.sql.query<{ id: string }>(
        `select id from messages where workspace_id = $1 and ((provider = $2 and provider_message_id = $3) or tracking_token = $4) limit 1`,
        [s.workspace_id, webhookProvider, result.providerMessageId, rendered.trackingToken ?? null],
      );
      if (!existing) throw err;
      return { id: existing.id, links: rendered.links };
    });
    await this.pipeline.ingest(
      s.workspace_id,
      [{ campaignId: s.campaign_id, contactId: s.contact_id, type: EventType.SENT, variantId: s.variant_id, occurredAt: new Date(), value: null, sentiment: null, url: null, merchantId: null, idempotencyKey: `send:${s.idempotency_key}`, messageId: message.id }],
      'sender',
    );
    await this.sql.query(`update sends set status = 'SENT', sent_at = now(), provider = $2, provider_message_id = $3, last_error = null where id = $1`, [s.id, provider.name, result.providerMessageId]);
    this.count('SENT', provider.name, s.channel);
  }

  private sendLog(s: ClaimedSend) {
    return { campaignId: s.campaign_id, contactId: s.contact_id, runId: s.run_id, sendId: s.id, attempt: s.attempts };
  }

  /** A final failure: recorded on the send (Campaign.sendFailures), logged once, counted as FAILED. */
  private async fail(s: ClaimedSend, error: string, provider: string): Promise<void> {
    await this.sql.query(`update sends set status = 'FAILED', last_error = $2, failed_at = now() where id = $1`, [s.id, error]);
    this.count('FAILED', provider, s.channel);
    this.logger.warn({ ...this.sendLog(s), error, willRetry: false }, 'send failed; it will not be retried');
    await this.pipeline.ingest(
      s.workspace_id,
      [{ campaignId: s.campaign_id, contactId: s.contact_id, type: EventType.FAILED, variantId: s.variant_id, occurredAt: new Date(), value: null, sentiment: null, url: null, merchantId: null, idempotencyKey: `send-failed:${s.idempotency_key}`, messageId: null }],
      'sender',
    );
  }
}

