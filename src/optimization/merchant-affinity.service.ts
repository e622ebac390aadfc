/**
 * Merchant affinity refresh: the stored scores (merchant_affinities) and the workspace's merchant
 * popularity (merchants.popularity) from the event history. The workspace refresh is one SQL
 * statement (aggregate of decayed weights → popularity → Dirichlet posterior mean → upserts →
 * delete of the rows the history no longer supports): Node never holds the contact × merchant
 * pairs. The on-demand refresh of one contact (a handful of rows) scores with the pure functions of
 * affinity.ts against the stored popularity. Each refresh is one transaction under a per-workspace
 * advisory lock, so the 6-hourly job and on-demand computations never interleave.
 */
import type { Logger } from 'pino';
import { forEachItem } from '../jobs/each';
import type { Sql, SqlPool } from '../db/pool';
import {
  HALF_LIFE_DAYS,
  HORIZON_DAYS,
  INTERACTION_WEIGHTS,
  PRIOR_STRENGTH,
  affinityScores,
  popularityFallback,
  type AffinityScore,
} from './affinity';

const WEIGHTED_TYPES = Object.keys(INTERACTION_WEIGHTS);
// Generated from the constants, so the SQL and affinity.ts cannot disagree on a weight.
const WEIGHT_SQL = `case e.type ${Object.entries(INTERACTION_WEIGHTS)
  .map(([t, w]) => `when '${t}' then ${w}::float8`)
  .join(' ')} end`;

/**
 * x_cm and the interaction count per (contact, merchant) of a workspace — or of one contact —, as
 * affinity.ts's evidenceFrom defines them: weightless types and interactions older than the
 * horizon left out, ages clamped at 0. Only contacts that exist (events have no foreign key).
 */
function evidenceSql(oneContact: boolean): string {
  return `
    select e.contact_id, e.merchant_id,
           sum(${WEIGHT_SQL} * power(0.5::float8, greatest(0, extract(epoch from ($2::timestamptz - e.occurred_at))::float8) / ${HALF_LIFE_DAYS * 86_400}))::float8 as weight,
           count(*)::int as interactions
    from events e
    join contacts c on c.id = e.contact_id and c.workspace_id = $1
    where e.workspace_id = $1 and e.merchant_id is not null
      and e.type in (${WEIGHTED_TYPES.map((t) => `'${t}'`).join(', ')})
      and e.occurred_at >= $2::timestamptz - make_interval(days => ${HORIZON_DAYS})
      ${oneContact ? 'and e.contact_id = $3' : ''}
    group by e.contact_id, e.merchant_id`;
}

interface EvidenceRow {
  contact_id: string;
  merchant_id: string;
  weight: number;
  interactions: number;
}

/**
 * True when the contact has weighted merchant events stored after its affinities were computed (or
 * none computed yet). Reception time, not occurredAt: an event stamped in the past but stored now
 * is new evidence too (the contact's last_event_at would not move for it).
 */
export async function contactNeedsRefresh(db: SqlPool, workspaceId: string, contactId: string, now: Date = new Date()): Promise<boolean> {
  const rows = await db.query<{ computed_at: Date | null; received_at: Date | null }>(
    `select (select min(computed_at) from merchant_affinities where workspace_id = $1 and contact_id = $2) as computed_at,
            (select max(e.received_at) from events e
             where e.workspace_id = $1 and e.contact_id = $2 and e.merchant_id is not null
               and e.type in (${WEIGHTED_TYPES.map((t) => `'${t}'`).join(', ')})
               and e.occurred_at >= $3::timestamptz - make_interval(days => ${HORIZON_DAYS})) as received_at`,
    [workspaceId, contactId, now.toISOString()],
  );
  const { computed_at, received_at } = rows[0]!;
  return received_at !== null && (computed_at === null || computed_at < received_at);
}

export interface RefreshResult {
  contacts: number;
  merchants: number;
  rows: number;
  deleted: number;
}

const lock = (sql: Sql, workspaceId: string) => sql.query('select pg_advisory_xact_lock(hashtext($1))', [`merchant-affinity:${workspaceId}`]);

/**
 * The whole refresh of one workspace as one statement, so that the contact × merchant pairs never
 * leave the database: x_cm per pair (evidenceSql), X_c per contact, the popularity p_m, the
 * posterior mean (x_cm + s·p_m)/(X_c + s) — each step exactly as affinity.ts defines it (the
 * integration test checks the stored scores against those pure functions) —, then the writes.
 * The data-modifying CTEs all see the same snapshot, so the stale rows are found by anti-join
 * against the new scores (never by computed_at, which the upsert in the same statement changes
 * invisibly); every write touches a disjoint set of rows, and every one runs to completion
 * whether or not the final select reads it.
 * $1 workspace, $2 now, $3 prior strength.
 */
const REFRESH_SQL = `
  with ev as (${evidenceSql(false)}),
  tot as (select contact_id, sum(weight) as total from ev group by contact_id),
  sh as (select ev.contact_id, ev.merchant_id, ev.weight, ev.interactions, tot.total from ev join tot using (contact_id)),
  -- C contacts with evidence (X_c > 0) + M merchants seen: the Laplace denominator.
  k as (select (select count(*) from tot where total > 0)::float8 + (select count(distinct merchant_id) from ev)::float8 as denominator),
  pop as (
    select sh.merchant_id, (coalesce(sum(sh.weight / sh.total) filter (where sh.total > 0), 0) + 1) / k.denominator as p, count(*)::int as contacts
    from sh cross join k group by sh.merchant_id, k.denominator),
  scores as (
    select sh.contact_id, sh.merchant_id, sh.interactions, least(1::float8, greatest(0::float8, (sh.weight + $3::float8 * pop.p) / (sh.total + $3::float8))) as score
    from sh join pop using (merchant_id)),
  seen as (
    insert into merchants (workspace_id, id, popularity, contacts, popularity_at)
    select $1, merchant_id, p, contacts, $2::timestamptz from pop
    on conflict (workspace_id, id) do update set popularity = excluded.popularity, contacts = excluded.contacts, popularity_at = excluded.popularity_at
    returning 1),
  -- Merchants the history no longer shows keep their name, lose their share.
  unseen as (
    update merchants m set popularity = null, contacts = 0, popularity_at = $2::timestamptz
    where m.workspace_id = $1 and (m.popularity is not null or m.contacts <> 0) and not exists (select 1 from pop where pop.merchant_id = m.id)
    returning 1),
  written as (
    insert into merchant_affinities (contact_id, merchant_id, workspace_id, score, interactions, computed_at)
    select contact_id, merchant_id, $1, score, interactions, $2::timestamptz from scores
    on conflict (contact_id, merchant_id, workspace_id) do update set score = excluded.score, interactions = excluded.interactions, computed_at = excluded.computed_at
    returning 1),
  stale as (
    delete from merchant_affinities a
    where a.workspace_id = $1 and not exists (select 1 from scores s where s.contact_id = a.contact_id and s.merchant_id = a.merchant_id)
    returning 1)
  select (select count(*) from tot)::int as contacts, (select count(*) from pop)::int as merchants,
         (select count(*) from written)::int as rows, (select count(*) from stale)::int as deleted`;

/** Recomputes every contact's affinities and the merchant popularity of one workspace. */
export async function refreshAffinities(db: SqlPool, workspaceId: string, now: Date = new Date()): Promise<RefreshResult> {
  return db.transaction(async (sql) => {
    await lock(sql, workspaceId);
    const [r] = await sql.query<RefreshResult>(REFRESH_SQL, [workspaceId, now.toISOString(), PRIOR_STRENGTH]);
    return { contacts: r!.contacts, merchants: r!.merchants, rows: r!.rows, deleted: r!.deleted };
  });
}

/** The 6-hourly job: every workspace, each in its own transaction. */
export async function refreshAllAffinities(db: SqlPool, logger: Logger, now: Date = new Date()): Promise<RefreshResult & { workspaces: number }> {
  const workspaces = await db.query<{ id: string }>('select id from workspaces order by id');
  const total = { workspaces: workspaces.length, contacts: 0, merchants: 0, rows: 0, deleted: 0 };
  try {
    await forEachItem(workspaces, 'merchant affinity', logger, (ws) => ({ workspaceId: ws.id }), async (ws) => {
      const r = await refreshAffinities(db, ws.id, now);
      total.contacts += r.contacts;
      total.merchants += r.merchants;
      total.rows += r.rows;
      total.deleted += r.deleted;
    });
  } finally {
    logger.info(total, 'merchant affinities refreshed');
  }
  return total;
}

/** First refreshes in flight in this process, per workspace: concurrent queries share one. */
const firstRefreshes = new Map<string, Promise<void>>();

function firstRefresh(db: SqlPool, workspaceId: string, now: Date): Promise<void> {
  let run = firstRefreshes.get(workspaceId);
  if (!run) {
    run = refreshAffinities(db, workspaceId, now)
      .then(() => undefined)
      .finally(() => firstRefreshes.delete(workspaceId));
    firstRefreshes.set(workspaceId, run);
  }
  return run;
}

/**
 * Recomputes one contact's affinities against the workspace's stored popularity. Before the
 * workspace's first refresh there is no popularity to shrink toward: the whole workspace is
 * refreshed instead (once).
 */
export async function refreshContactAffinities(db: SqlPool, workspaceId: string, contactId: string, now: Date = new Date()): Promise<void> {
  const known = await db.query<{ n: number }>('select count(*)::int as n from merchants where workspace_id = $1 and popularity is not null', [workspaceId]);
  if (known[0]!.n === 0) return firstRefresh(db, workspaceId, now);
  await db.transaction(async (sql) => {
    await lock(sql, workspaceId);
    const rows = await sql.query<EvidenceRow>(evidenceSql(true), [workspaceId, now.toISOString(), contactId]);
    const evidence = rows.map((r) => ({ merchantId: r.merchant_id, weight: r.weight, interactions: r.interactions }));
    const stored = await sql.query<{ id: string; popularity: number }>('select id, popularity from merchants where workspace_id = $1 and popularity is not null', [workspaceId]);
    const popularity = new Map(stored.map((m) => [m.id, m.popularity]));
    const scores = affinityScores(evidence, popularity, popularityFallback(popularity, evidence.length));
    // A merchant first seen here is listed (unnamed) now; its popularity comes with the next refresh.
    await sql.query(
      `insert into merchants (workspace_id, id) select $1, m from unnest($2::text[]) as m order by m on conflict (workspace_id, id) do nothing`,
      [workspaceId, scores.map((s) => s.merchantId)],
    );
    await upsertScores(sql, workspaceId, scores.map((score) => ({ contactId, score })), now);
    await sql.query('delete from merchant_affinities where workspace_id = $1 and contact_id = $2 and computed_at < $3', [workspaceId, contactId, now.toISOString()]);
  });
}

async function upsertScores(sql: Sql, workspaceId: string, rows: { contactId: string; score: AffinityScore }[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `insert into merchant_affinities (contact_id, merchant_id, workspace_id, score, interactions, computed_at)
     select x.c, x.m, $1, x.s, x.n, $6 from unnest($2::uuid[], $3::text[], $4::float8[], $5::int[]) as x(c, m, s, n)
     on conflict (contact_id, merchant_id, workspace_id) do update set score = excluded.score, interactions = excluded.interactions, computed_at = excluded.computed_at`,
    [workspaceId, rows.map((r) => r.contactId), rows.map((r) => r.score.merchantId), rows.map((r) => r.score.score), rows.map((r) => r.score.interactions), now.toISOString()],
  );
}
