/**
 * Merchant affinity refresh: the stored scores (merchant_affinities) and the workspace's merchant
 * popularity (merchants.popularity) from the event history. Set-based: one SQL aggregate of decayed
 * weights per contact × merchant, the pure scoring of affinity.ts in memory, bulk upserts, and one
 * delete of the rows the history no longer supports. Each refresh is one transaction under a
 * per-workspace advisory lock, so the 6-hourly job and on-demand computations never interleave.
 */
import type { Logger } from 'pino';
import type { Sql, SqlPool } from '../db/pool';
import {
  HALF_LIFE_DAYS,
  HORIZON_DAYS,
  INTERACTION_WEIGHTS,
  affinityScores,
  merchantPopularity,
  popularityFallback,
  type AffinityScore,
  type MerchantEvidence,
} from './affinity';

/** Rows per bulk upsert statement (bounded parameter size). */
const CHUNK = 20_000;

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

/** Recomputes every contact's affinities and the merchant popularity of one workspace. */
export async function refreshAffinities(db: SqlPool, workspaceId: string, now: Date = new Date()): Promise<RefreshResult> {
  return db.transaction(async (sql) => {
    await lock(sql, workspaceId);
    const byContact = new Map<string, MerchantEvidence[]>();
    let rowCount = 0;
    {
      // Scoped so the raw result can be collected once it is grouped (it is the largest object here).
      const rows = await sql.query<EvidenceRow>(evidenceSql(false), [workspaceId, now.toISOString()]);
      rowCount = rows.length;
      for (const r of rows) {
        let list = byContact.get(r.contact_id);
        if (!list) byContact.set(r.contact_id, (list = []));
        list.push({ merchantId: r.merchant_id, weight: r.weight, interactions: r.interactions });
      }
    }
    const popularity = merchantPopularity(byContact.values());
    const contactsPerMerchant = new Map<string, number>();
    for (const evidence of byContact.values()) for (const e of evidence) contactsPerMerchant.set(e.merchantId, (contactsPerMerchant.get(e.merchantId) ?? 0) + 1);
    await storePopularity(sql, workspaceId, popularity, contactsPerMerchant, now);

    const fallback = popularityFallback(popularity, 0);
    let batch: { contactId: string; score: AffinityScore }[] = [];
    for (const [contactId, evidence] of byContact) {
      for (const score of affinityScores(evidence, popularity, fallback)) batch.push({ contactId, score });
      if (batch.length >= CHUNK) {
        await upsertScores(sql, workspaceId, batch, now);
        batch = [];
      }
    }
    await upsertScores(sql, workspaceId, batch, now);
    // Every supported row was just written with computed_at = now: the older ones are no longer supported.
    const deleted = await sql.query<{ n: number }>(
      `with d as (delete from merchant_affinities where workspace_id = $1 and computed_at < $2 returning 1) select count(*)::int as n from d`,
      [workspaceId, now.toISOString()],
    );
    return { contacts: byContact.size, merchants: popularity.size, rows: rowCount, deleted: deleted[0]!.n };
  });
}

/** The 6-hourly job: every workspace, each in its own transaction. */
export async function refreshAllAffinities(db: SqlPool, logger: Logger, now: Date = new Date()): Promise<RefreshResult & { workspaces: number }> {
  const workspaces = await db.query<{ id: string }>('select id from workspaces order by id');
  const total = { workspaces: workspaces.length, contacts: 0, merchants: 0, rows: 0, deleted: 0 };
  for (const ws of workspaces) {
    const r = await refreshAffinities(db, ws.id, now);
    total.contacts += r.contacts;
    total.merchants += r.merchants;
    total.rows += r.rows;
    total.deleted += r.deleted;
  }
  logger.info(total, 'merchant affinities refreshed');
  return total;
}

/**
 * Recomputes one contact's affinities against the workspace's stored popularity. Before the
 * workspace's first refresh there is no popularity to shrink toward: the whole workspace is
 * refreshed instead (once).
 */
export async function refreshContactAffinities(db: SqlPool, workspaceId: string, contactId: string, now: Date = new Date()): Promise<void> {
  const known = await db.query<{ n: number }>('select count(*)::int as n from merchants where workspace_id = $1 and popularity is not null', [workspaceId]);
  if (known[0]!.n === 0) {
    await refreshAffinities(db, workspaceId, now);
    return;
  }
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

async function storePopularity(sql: Sql, workspaceId: string, popularity: Map<string, number>, contacts: Map<string, number>, now: Date): Promise<void> {
  const ids = [...popularity.keys()].sort();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    await sql.query(
      `insert into merchants (workspace_id, id, popularity, contacts, popularity_at)
       select $1, x.id, x.p, x.n, $5 from unnest($2::text[], $3::float8[], $4::int[]) as x(id, p, n)
       on conflict (workspace_id, id) do update set popularity = excluded.popularity, contacts = excluded.contacts, popularity_at = excluded.popularity_at`,
      [workspaceId, part, part.map((m) => popularity.get(m)!), part.map((m) => contacts.get(m) ?? 0), now.toISOString()],
    );
  }
  // Merchants the history no longer shows keep their name, lose their share.
  await sql.query(
    `update merchants set popularity = null, contacts = 0, popularity_at = $2
     where workspace_id = $1 and (popularity_at is null or popularity_at < $2) and (popularity is not null or contacts <> 0)`,
    [workspaceId, now.toISOString()],
  );
}

async function upsertScores(sql: Sql, workspaceId: string, rows: { contactId: string; score: AffinityScore }[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `insert into merchant_affinities (contact_id, merchant_id, workspace_id, score, interactions, computed_at)
     select x.c, x.m, $1, x.s, x.n, $6 from unnest($2::uuid[], $3::text[], $4::float8[], $5::int[]) as x(c, m, s, n)
     on conflict (contact_id, merchant_id) do update set score = excluded.score, interactions = excluded.interactions, computed_at = excluded.computed_at`,
    [workspaceId, rows.map((r) => r.contactId), rows.map((r) => r.score.merchantId), rows.map((r) => r.score.score), rows.map((r) => r.score.interactions), now.toISOString()],
  );
}
