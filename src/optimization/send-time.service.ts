/**
 * Send time per contact, wired to the database: reads each contact's history (one SQL aggregate per
 * contact × local hour), runs the pure estimator (./send-time.ts) and stores the results in bulk.
 *
 *  - `refreshSendTimes(sql, workspaceId)`: the whole workspace (the daily job): fits the model on
 *    every contact's history, stores it (send_time_models) and every contact's recommendation
 *    (send_time_recommendations), set-based (unnest), in one transaction.
 *  - on demand (`SendTimeService.recommendation`, `optimalHours`, the preview): a stored
 *    recommendation is used while it is fresh, i.e. computed at or after the contact's last message
 *    and last event (contacts.last_messaged_at / last_event_at); otherwise the contact is computed now
 *    from its own history and the workspace's stored model (segment and workspace curves, prior
 *    strengths), and stored. Without a usable model (none, older than MODEL_MAX_AGE_HOURS, or a small
 *    workspace, where a refit costs little) the whole workspace is refreshed first.
 *
 * History: assignments with sent_at in the last HISTORY_DAYS days (one message per campaign per
 * recipient); the hour is sent_at's local hour in the contact's zone (contacts.timezone, else the
 * workspace's, else UTC); engaged = clicked, replied or converted — or opened on WHATSAPP / EMAIL
 * campaigns, whose channels report reads — within ENGAGEMENT_WINDOW_HOURS after sent_at.
 */
import type { Sql, SqlPool } from '../db/pool';
import { notFound } from '../errors';
import { normalizeAudience, reachableCondition, type AudienceInput } from '../campaigns/audience';
import { Channel } from '../domain/channel';
import type { Logger } from 'pino';
import { forEachItem } from '../jobs/each';
import { asUuid } from '../shared/ids';
import { LOCAL_ZONE_SQL } from '../shared/time-zone';
import {
  HOURS,
  fitSendTimeModel,
  modelFromJson,
  modelToJson,
  recommendSendTime,
  windowLabel,
  type ContactHistory,
  type SendTimeBasis,
  type SendTimeModel,
  type SendTimeModelJson,
  type SendTimeOptions,
  type SendTimeRecommendation,
} from './send-time';

export const HISTORY_DAYS = 180;
export const ENGAGEMENT_WINDOW_HOURS = 72;
/** The daily job refits every 24 h; a model older than this (jobs off, a failed run) is refitted on demand. */
export const MODEL_MAX_AGE_HOURS = 26;
/** Below both sizes a workspace is refitted whenever a contact is computed on demand (a refit then costs milliseconds). */
export const SMALL_WORKSPACE = { messages: 10_000, contacts: 10_000 };
/** Rows per upsert statement: bounds the parameter size (about 1 MB per 10k rows). */
const UPSERT_CHUNK = 10_000;
/** Contacts per history read on demand. */
const CONTACT_CHUNK = 5_000;
/** More stale contacts than this in one on-demand call: refresh the whole workspace instead (one scan beats many index reads). */
const REFRESH_INSTEAD = 20_000;

/** Only what this module needs of the pool (a transaction's `Sql` cannot start another). */
export type SendTimeDb = Pick<SqlPool, 'query' | 'transaction'>;

/** The estimator's options used by the service (confidence by the normal approximation: O(24) per contact). */
export const SERVICE_OPTIONS: Partial<SendTimeOptions> = { confidenceMethod: 'normal' };

/** A stored recommendation, as the API shows it. */
export interface StoredSendTime {
  contactId: string;
  optimalHour: number;
  windowStart: number;
  windowHours: number;
  window: string;
  expectedRate: number;
  /** Null with basis DEFAULT. */
  confidence: number | null;
  basis: SendTimeBasis;
  messages: number;
  rates: number[];
  computedAt: Date;
  /** The zone the hours are in: the contact's, else the workspace's. */
  timezone: string;
}

export interface RefreshResult {
  contacts: number;
  messages: number;
  /** Milliseconds reading the history, fitting and recommending, and writing. */
  readMs: number;
  computeMs: number;
  writeMs: number;
}

interface HistoryRow {
  id: string;
  segment: string | null;
  zone: string;
  hours: number[];
  sent: number[];
  engaged: number[];
}


/**
 * Hourly history per contact of the workspace (all of them, or the given ids), contacts without any
 * message included (empty arrays), at local hours (LOCAL_ZONE_SQL).
 */
function historySql(byIds: boolean): string {
  const within = `a.sent_at + interval '${ENGAGEMENT_WINDOW_HOURS} hours'`;
  const engagedBy = (column: string) => `(a.${column} >= a.sent_at and a.${column} < ${within})`;
  return `
    with people as (
      select c.id, c.workspace_id, c.segment, ${LOCAL_ZONE_SQL('c', 'w')} as zone
      from contacts c
      join workspaces w on w.id = c.workspace_id
      where c.workspace_id = $1 ${byIds ? 'and c.id = any($2::uuid[])' : ''}
    ),
    hourly as (
      select a.contact_id, extract(hour from a.sent_at at time zone p.zone)::int as hour,
             count(*)::int as sent,
             count(*) filter (where ${engagedBy('clicked_at')} or ${engagedBy('replied_at')} or ${engagedBy('converted_at')}
                                 or (ca.channel in ('WHATSAPP', 'EMAIL') and ${engagedBy('opened_at')}))::int as engaged
      from people p
      join assignments a on a.contact_id = p.id and a.workspace_id = p.workspace_id
      join campaigns ca on ca.id = a.campaign_id and ca.workspace_id = a.workspace_id
      where a.workspace_id = $1 and a.sent_at >= now() - interval '${HISTORY_DAYS} days'
      group by 1, 2
    )
    select p.id, p.segment, p.zone,
           coalesce(array_agg(h.hour) filter (where h.hour is not null), '{}') as hours,
           coalesce(array_agg(h.sent) filter (where h.hour is not null), '{}') as sent,
           coalesce(array_agg(h.engaged) filter (where h.hour is not null), '{}') as engaged
    from people p left join hourly h on h.contact_id = p.id
    group by p.id, p.segment, p.zone`;
}

function toHistory(row: HistoryRow): ContactHistory {
  const sent = new Array<number>(HOURS).fill(0);
  const engaged = new Array<number>(HOURS).fill(0);
  row.hours.forEach((h, i) => {
    sent[h] = row.sent[i]!;
    engaged[h] = row.engaged[i]!;
  });
  return { id: row.id, segment: row.segment, counts: { sent, engaged } };
}

function toStored(r: SendTimeRecommendation, computedAt: Date, timezone: string): StoredSendTime {
  return {
    contactId: r.contactId,
    optimalHour: r.optimalHour,
    windowStart: r.window.start,
    windowHours: r.window.hours,
    window: r.window.label,
    expectedRate: r.expectedRate,
    confidence: r.confidence,
    basis: r.basis,
    messages: r.messages,
    rates: r.rates,
    computedAt,
    timezone,
  };
}

/** Upserts recommendations in chunks of unnest arrays; a newer stored row is kept (the newer computation wins). */
async function writeRecommendations(tx: Sql, workspaceId: string, rows: readonly StoredSendTime[]): Promise<void> {
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    const chunk = rows.slice(i, i + UPSERT_CHUNK);
    await tx.query(
      `insert into send_time_recommendations
         (contact_id, workspace_id, optimal_hour, window_start, window_hours, expected_rate, confidence, basis, messages, rates, computed_at)
       select x.contact_id, $1, x.optimal_hour, x.window_start, x.window_hours, x.expected_rate, x.confidence, x.basis, x.messages,
              x.rates::double precision[], x.computed_at
       from unnest($2::uuid[], $3::int[], $4::int[], $5::int[], $6::float8[], $7::float8[], $8::text[], $9::int[], $10::text[], $11::timestamptz[])
              as x(contact_id, optimal_hour, window_start, window_hours, expected_rate, confidence, basis, messages, rates, computed_at)
       -- a contact deleted since the read is skipped (its row would violate the foreign key)
       where exists (select 1 from contacts c where c.id = x.contact_id and c.workspace_id = $1)
       on conflict (contact_id, workspace_id) do update set
         optimal_hour = excluded.optimal_hour, window_start = excluded.window_start, window_hours = excluded.window_hours,
         expected_rate = excluded.expected_rate, confidence = excluded.confidence, basis = excluded.basis,
         messages = excluded.messages, rates = excluded.rates, computed_at = excluded.computed_at
       where send_time_recommendations.computed_at <= excluded.computed_at`,
      [
        workspaceId,
        chunk.map((r) => r.contactId),
        chunk.map((r) => r.optimalHour),
        chunk.map((r) => r.windowStart),
        chunk.map((r) => r.windowHours),
        chunk.map((r) => r.expectedRate),
        chunk.map((r) => r.confidence),
        chunk.map((r) => r.basis),
        chunk.map((r) => r.messages),
        chunk.map((r) => `{${r.rates.join(',')}}`),
        chunk.map((r) => r.computedAt),
      ],
    );
  }
}

/** The database's clock: computed_at is compared with timestamps the database wrote. */
async function dbNow(sql: Pick<SqlPool, 'query'>): Promise<Date> {
  const [row] = await sql.query<{ now: Date }>('select now() as now');
  return row!.now;
}

/**
 * Refits the workspace's model on every contact's history and stores it and every contact's
 * recommendation. computed_at is the time the history was read, so an event that arrives during
 * the computation makes the contact stale (recomputed on demand), not silently missing.
 */
export async function refreshSendTimes(sql: SendTimeDb, workspaceId: string, options: Partial<SendTimeOptions> = {}): Promise<RefreshResult> {
  const t0 = performance.now();
  const at = await dbNow(sql);
  const rows = await sql.query<HistoryRow>(historySql(false), [workspaceId]);
  const t1 = performance.now();
  const histories = rows.map(toHistory);
  const model = fitSendTimeModel(histories, { ...SERVICE_OPTIONS, ...options });
  const stored = histories.map((h, i) => toStored(recommendSendTime(model, h), at, rows[i]!.zone));
  const t2 = performance.now();
  await sql.transaction(async (tx) => {
    await tx.query(
      `insert into send_time_models (workspace_id, model, messages, contacts, fitted_at) values ($1, $2, $3, $4, $5)
       on conflict (workspace_id) do update set model = excluded.model, messages = excluded.messages, contacts = excluded.contacts, fitted_at = excluded.fitted_at
       where send_time_models.fitted_at <= excluded.fitted_at`,
      [workspaceId, JSON.stringify(modelToJson(model)), model.workspace.messages, histories.length, at],
    );
    await writeRecommendations(tx, workspaceId, stored);
  });
  return { contacts: rows.length, messages: model.workspace.messages, readMs: t1 - t0, computeMs: t2 - t1, writeMs: performance.now() - t2 };
}

/** On-demand refits in flight in this process, per workspace: concurrent callers share one. */
const refitting = new Map<string, Promise<void>>();

/**
 * An on-demand refit, once: callers in this process (previews, recommendations, the sender's prepare
 * step) share the one in flight; across instances they queue on a per-workspace advisory lock, and
 * whoever then finds a model fitted after it asked uses it instead of refitting. The refit runs on
 * the lock's own connection (inside its transaction), so a caller waiting on the lock never holds a
 * connection the refit needs.
 */
function refreshSendTimesOnce(sql: SendTimeDb, workspaceId: string): Promise<void> {
  const inFlight = refitting.get(workspaceId);
  if (inFlight) return inFlight;
  const run = (async () => {
    const asked = await dbNow(sql);
    await sql.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtextextended('send-time:' || $1, 0))`, [workspaceId]);
      const [model] = await tx.query<{ fresh: boolean }>('select fitted_at >= $2 as fresh from send_time_models where workspace_id = $1', [workspaceId, asked]);
      if (!model?.fresh) await refreshSendTimes({ query: tx.query.bind(tx), transaction: (fn) => fn(tx) }, workspaceId);
    });
  })().finally(() => refitting.delete(workspaceId));
  refitting.set(workspaceId, run);
  return run;
}

/** Every workspace, one after the other (the daily job). */
export async function refreshAllSendTimes(sql: SendTimeDb, logger: Logger): Promise<{ workspaces: number; contacts: number }> {
  const workspaces = await sql.query<{ id: string }>('select id from workspaces order by id');
  let contacts = 0;
  await forEachItem(workspaces, 'send time', logger, (w) => ({ workspaceId: w.id }), async (w) => {
    contacts += (await refreshSendTimes(sql, w.id)).contacts;
  });
  return { workspaces: workspaces.length, contacts };
}

interface StoredRow {
  contact_id: string;
  optimal_hour: number | null;
  window_start: number | null;
  window_hours: number | null;
  expected_rate: number | null;
  confidence: number | null;
  basis: SendTimeBasis | null;
  messages: number | null;
  rates: number[] | null;
  computed_at: Date | null;
  zone: string;
  fresh: boolean;
}

/** Stored rows of the given contacts of the workspace (a row per known contact; recommendation columns null without one) and whether each is fresh. */
async function readStored(sql: Pick<SqlPool, 'query'>, workspaceId: string, ids: readonly string[]): Promise<StoredRow[]> {
  return sql.query<StoredRow>(
    `select c.id as contact_id, r.optimal_hour, r.window_start, r.window_hours, r.expected_rate, r.confidence, r.basis, r.messages, r.rates, r.computed_at,
            ${LOCAL_ZONE_SQL('c', 'w')} as zone,
            (r.computed_at is not null and r.computed_at >= coalesce(greatest(c.last_messaged_at, c.last_event_at), '-infinity')) as fresh
     from contacts c
     join workspaces w on w.id = c.workspace_id
     left join send_time_recommendations r on r.contact_id = c.id and r.workspace_id = c.workspace_id
     where c.workspace_id = $1 and c.id = any($2::uuid[])`,
    [workspaceId, ids],
  );
}

function fromRow(r: StoredRow): StoredSendTime {
  return {
    contactId: r.contact_id,
    optimalHour: r.optimal_hour!,
    windowStart: r.window_start!,
    windowHours: r.window_hours!,
    window: windowLabel(r.window_start!, r.window_hours!),
    expectedRate: r.expected_rate!,
    confidence: r.confidence,
    basis: r.basis!,
    messages: r.messages!,
    rates: r.rates!,
    computedAt: r.computed_at!,
    timezone: r.zone,
  };
}

/** The workspace's stored model when it can serve on-demand computations, else null. */
async function usableModel(sql: Pick<SqlPool, 'query'>, workspaceId: string): Promise<SendTimeModel | null> {
  const [row] = await sql.query<{ model: SendTimeModelJson; messages: number; contacts: number; recent: boolean }>(
    `select model, messages, contacts, fitted_at > now() - interval '${MODEL_MAX_AGE_HOURS} hours' as recent from send_time_models where workspace_id = $1`,
    [workspaceId],
  );
  if (!row || !row.recent) return null;
  if (row.messages < SMALL_WORKSPACE.messages && row.contacts < SMALL_WORKSPACE.contacts) return null;
  return modelFromJson(row.model, SERVICE_OPTIONS);
}

/**
 * Computes (and stores) the given contacts of the workspace now. With a usable stored model: their
 * own history under it; without one (or with very many contacts), the whole workspace is refreshed.
 * Unknown ids are ignored.
 */
async function computeContacts(sql: SendTimeDb, workspaceId: string, ids: readonly string[]): Promise<Map<string, StoredSendTime>> {
  const out = new Map<string, StoredSendTime>();
  if (ids.length === 0) return out;
  const model = ids.length > REFRESH_INSTEAD ? null : await usableModel(sql, workspaceId);
  if (!model) {
    await refreshSendTimesOnce(sql, workspaceId);
    for (let i = 0; i < ids.length; i += CONTACT_CHUNK) {
      for (const r of await readStored(sql, workspaceId, ids.slice(i, i + CONTACT_CHUNK))) if (r.computed_at) out.set(r.contact_id, fromRow(r));
    }
    return out;
  }
  for (let i = 0; i < ids.length; i += CONTACT_CHUNK) {
    const at = await dbNow(sql);
    const rows = await sql.query<HistoryRow>(historySql(true), [workspaceId, ids.slice(i, i + CONTACT_CHUNK)]);
    const stored = rows.map((row) => toStored(recommendSendTime(model, toHistory(row)), at, row.zone));
    await sql.transaction((tx) => writeRecommendations(tx, workspaceId, stored));
    for (const s of stored) out.set(s.contactId, s);
  }
  return out;
}

/**
 * Fresh recommendations of the given contacts of the workspace, computing the missing and stale
 * ones (ids of other workspaces or of no contact are left out). The send pipeline's entry point.
 */
export async function sendTimes(sql: SendTimeDb, workspaceId: string, contactIds: readonly string[]): Promise<Map<string, StoredSendTime>> {
  const ids = [...new Set(contactIds.map(asUuid))];
  const out = new Map<string, StoredSendTime>();
  const stale: string[] = [];
  for (let i = 0; i < ids.length; i += CONTACT_CHUNK) {
    for (const r of await readStored(sql, workspaceId, ids.slice(i, i + CONTACT_CHUNK))) {
      if (r.fresh) out.set(r.contact_id, fromRow(r));
      else stale.push(r.contact_id);
    }
  }
  for (const [id, s] of await computeContacts(sql, workspaceId, stale)) out.set(id, s);
  return out;
}

/**
 * The stored optimal local hour (0–23, in its zone) of each given contact of the workspace, as they
 * are (stale ones included; nothing is computed: the sender calls this inside its queueing
 * transaction, after `sendTimes` prepared them outside it). Basis DEFAULT (no history anywhere in the
 * workspace) is left out: with nothing learned there is nothing to act on, and the sender then sends
 * at sendAt, outside both uplift groups.
 */
export async function storedOptimalHours(sql: Pick<SqlPool, 'query'>, workspaceId: string, contactIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const ids = [...new Set(contactIds.map(asUuid))];
  for (let i = 0; i < ids.length; i += CONTACT_CHUNK) {
    const rows = await sql.query<{ contact_id: string; optimal_hour: number }>(
      `select contact_id, optimal_hour from send_time_recommendations where workspace_id = $1 and contact_id = any($2::uuid[]) and basis <> 'DEFAULT'`,
      [workspaceId, ids.slice(i, i + CONTACT_CHUNK)],
    );
    for (const r of rows) out.set(r.contact_id, Number(r.optimal_hour));
  }
  return out;
}

export interface SendTimePreviewResult {
  total: number;
  withOwnHistory: number;
  /** Every hour 0–23, in order (zeros included). */
  hours: { hour: number; contacts: number }[];
}

/** Request-scoped: the caller's workspace. */
export class SendTimeService {
  constructor(
    private readonly sql: SendTimeDb,
    private readonly workspaceId: string,
  ) {}

  /** The contact's recommendation (computed now when missing or stale); NOT_FOUND for an unknown or foreign contact. */
  async recommendation(contactId: string): Promise<StoredSendTime> {
    const found = await sendTimes(this.sql, this.workspaceId, [contactId]);
    const r = found.get(asUuid(contactId));
    if (!r) throw notFound('Contact', contactId);
    return r;
  }

  /**
   * Contacts of the audience reachable on `channel`, per recommended hour. Reachable = consent on
   * the channel and not opted out of it (campaigns/audience.ts reachableCondition: what a campaign
   * on that channel would queue). Missing and stale recommendations of the audience are computed
   * first (as the on-demand path would), then one grouped SQL over the stored rows counts them.
   */
  async preview(audienceInput: AudienceInput | null | undefined, channel: Channel = Channel.SMS): Promise<SendTimePreviewResult> {
    const where = numbered(reachableCondition(normalizeAudience(audienceInput ?? {}, 'audience'), channel), 2);
    const reachable = `c.workspace_id = $1 and ${where.sql}`;
    const stale = await this.sql.query<{ id: string }>(
      `select c.id from contacts c left join send_time_recommendations r on r.contact_id = c.id and r.workspace_id = c.workspace_id
       where ${reachable} and (r.computed_at is null or r.computed_at < coalesce(greatest(c.last_messaged_at, c.last_event_at), '-infinity'))`,
      [this.workspaceId, ...where.params],
    );
    if (stale.length > 0) await computeContacts(this.sql, this.workspaceId, stale.map((r) => r.id));
    const rows = await this.sql.query<{ hour: number | null; contacts: string; own: string }>(
      `select r.optimal_hour as hour, count(*) as contacts, count(*) filter (where r.basis = 'CONTACT') as own
       from contacts c left join send_time_recommendations r on r.contact_id = c.id and r.workspace_id = c.workspace_id
       where ${reachable}
       group by r.optimal_hour`,
      [this.workspaceId, ...where.params],
    );
    const hours = Array.from({ length: HOURS }, (_, hour) => ({ hour, contacts: 0 }));
    let total = 0;
    let withOwnHistory = 0;
    for (const r of rows) {
      total += Number(r.contacts);
      withOwnHistory += Number(r.own);
      // A contact created between the two statements has no row yet: counted in total, under no hour.
      if (r.hour !== null) hours[r.hour]!.contacts += Number(r.contacts);
    }
    return { total, withOwnHistory, hours };
  }
}

/** Rewrites a `?`-bound condition (the campaigns feature's audience SQL) to $n placeholders starting at `first`. */
function numbered(condition: { sql: string; params: unknown[] }, first: number): { sql: string; params: unknown[] } {
  let n = first;
  return { sql: condition.sql.replace(/\?/g, () => `$${n++}`), params: condition.params };
}
