/**
 * Recomputes contacts' engagement scores (formula: engagement-score.ts). SQL gathers each contact's
 * decayed sum S set-based, one batch of contacts (by id) per statement, with the weights, half-life
 * and horizon passed from the TypeScript constants; S → score is the pure function; one statement
 * writes the batch's scores. Every contact of the batch is written, with or without signals: scores
 * decay with time, so a contact whose signals aged out goes back to 0.
 */
import type { Logger } from 'pino';
import type { SqlPool } from '../db/pool';
import { badInput } from '../errors';
import { forEachItem } from '../jobs/each';
import { isUuid } from '../shared/ids';
import { ENGAGEMENT_HALF_LIFE_DAYS, ENGAGEMENT_HORIZON_DAYS, ENGAGEMENT_WEIGHTS, scoreOfSum } from './engagement-score';

/** The nightly job (scores decay with time, so it rescores every contact of every workspace). */
export const ENGAGEMENT_JOB = 'orders: engagement scores';
/** Contacts per statement: bounded statements and memory whatever the workspace's size. */
export const ENGAGEMENT_BATCH = 5_000;
/** Contact ids one recomputeEngagementScores call takes. */
export const MAX_RESCORE_IDS = 10_000;
/**
 * Largest workspace the mutation rescores whole inside its request. The work is linear in the
 * workspace (measured: 200,000 contacts with 1M assignments and 100k orders took 15-19 s on
 * 2 shared cores); beyond this, callers pass contactIds and the nightly job rescores everyone.
 */
export const MAX_ON_DEMAND_WORKSPACE = 50_000;

const NIL = '00000000-0000-0000-0000-000000000000';

// Parameters: $1 workspace, $2 id after which the batch starts, $3 ids (null: all), $4 batch size,
// $5 now, $6 half-life days, $7 horizon days, $8… weights (in WEIGHT_ORDER).
const WEIGHT_ORDER = ['opened', 'clicked', 'replied', 'converted', 'optedOut', 'order'] as const;
const weightParam = (k: (typeof WEIGHT_ORDER)[number]) => `$${8 + WEIGHT_ORDER.indexOf(k)}::float8`;
const CUTOFF = '($5::timestamptz - make_interval(days => $7::int))';
/** A timestamp's decayed weight, 0 when null or beyond the horizon; a future time counts as now. */
const decayed = (column: string, k: (typeof WEIGHT_ORDER)[number]) =>
  `coalesce(case when ${column} >= ${CUTOFF} then ${weightParam(k)} * power(2::float8, -greatest(extract(epoch from ($5::timestamptz - ${column}))::float8, 0) / ($6::float8 * 86400)) end, 0)`;

const FACT_COLUMNS = [
  ['a.opened_at', 'opened'],
  ['a.clicked_at', 'clicked'],
  ['a.replied_at', 'replied'],
  ['a.converted_at', 'converted'],
  ['a.opted_out_at', 'optedOut'],
] as const;

// Per contact of the batch, correlated lookups by the contact indexes (assignments_contact_idx,
// orders_contact_idx): a hash join here read the whole assignments table once per batch (measured).
const SUMS_SQL = `
  with batch as (
    select c.id, c.workspace_id from contacts c
    where c.workspace_id = $1 and c.id > $2::uuid and ($3::uuid[] is null or c.id = any($3::uuid[]))
    order by c.id
    limit $4
  )
  select b.id,
    coalesce((
      select sum(${FACT_COLUMNS.map(([col, k]) => decayed(col, k)).join(' + ')})
      from assignments a
      where a.contact_id = b.id and a.workspace_id = b.workspace_id
        and greatest(${FACT_COLUMNS.map(([col]) => col).join(', ')}) >= ${CUTOFF}
    ), 0)
    + coalesce((
      select sum(${decayed('o.occurred_at', 'order')})
      from orders o
      where o.workspace_id = b.workspace_id and o.contact_id = b.id and o.occurred_at >= ${CUTOFF}
    ), 0) as s
  from batch b
  order by b.id`;

/**
 * Writes a batch's scores: $1 workspace, $2 ids, $3 scores (same order), $4 now. The redundant
 * `c.id = any($2)` lets the planner fetch the batch's contacts by key; without it, joined to the
 * unnest alone, it hashes the whole contacts table (a sequential scan per batch once a workspace
 * has some 30,000 contacts: quadratic over a whole-workspace run; measured).
 */
export const WRITE_SCORES_SQL = `
  update contacts c set engagement_score = x.score, engagement_scored_at = $4
  from unnest($2::uuid[], $3::real[]) as x(id, score)
  where c.workspace_id = $1 and c.id = any($2::uuid[]) and c.id = x.id`;

/**
 * Rescores the workspace's contacts (all of them, or those of `contactIds` that are its own —
 * unknown, foreign and malformed ids are skipped) as of `now`; returns how many were rescored.
 */
export async function recomputeEngagementScores(sql: SqlPool, workspaceId: string, contactIds: readonly string[] | null, now = new Date()): Promise<number> {
  let ids: string[] | null = null;
  if (contactIds) {
    if (contactIds.length > MAX_RESCORE_IDS) throw badInput('TOO_MANY_CONTACTS', `At most ${MAX_RESCORE_IDS} contact ids per call`, 'contactIds');
    ids = [...new Set(contactIds.filter(isUuid).map((id) => id.toLowerCase()))];
    if (ids.length === 0) return 0;
  }
  const weights = WEIGHT_ORDER.map((k) => ENGAGEMENT_WEIGHTS[k]);
  let after = NIL;
  let rescored = 0;
  for (;;) {
    const batch = await sql.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; s: number }>(SUMS_SQL, [workspaceId, after, ids, ENGAGEMENT_BATCH, now, ENGAGEMENT_HALF_LIFE_DAYS, ENGAGEMENT_HORIZON_DAYS, ...weights]);
      if (rows.length === 0) return rows;
      await tx.query(WRITE_SCORES_SQL, [workspaceId, rows.map((r) => r.id), rows.map((r) => scoreOfSum(Number(r.s))), now]);
      return rows;
    });
    rescored += batch.length;
    if (batch.length < ENGAGEMENT_BATCH) return rescored;
    after = batch[batch.length - 1]!.id;
  }
}

/**
 * The mutation: `contactIds`, or the whole workspace when it has at most MAX_ON_DEMAND_WORKSPACE
 * contacts (TOO_MANY_CONTACTS beyond: a request's work stays bounded).
 */
export async function recomputeOnDemand(sql: SqlPool, workspaceId: string, contactIds: readonly string[] | null): Promise<number> {
  if (!contactIds) {
    // One index probe: is there a contact past the limit?
    const over = await sql.query('select 1 from contacts where workspace_id = $1 order by id offset $2 limit 1', [workspaceId, MAX_ON_DEMAND_WORKSPACE]);
    if (over.length > 0) {
      throw badInput(
        'TOO_MANY_CONTACTS',
        `The workspace has more than ${MAX_ON_DEMAND_WORKSPACE} contacts: pass contactIds (at most ${MAX_RESCORE_IDS} per call); the nightly job rescores every contact`,
        'contactIds',
      );
    }
  }
  return recomputeEngagementScores(sql, workspaceId, contactIds);
}

/** The nightly run: every workspace, every contact; one workspace failing does not stop the others. */
export async function recomputeAllEngagementScores(sql: SqlPool, logger: Logger): Promise<void> {
  const workspaces = await sql.query<{ id: string }>('select id from workspaces order by id');
  const now = new Date();
  await forEachItem(workspaces, 'engagement scores', logger, (w) => ({ workspaceId: w.id }), async (w) => {
    const rescored = await recomputeEngagementScores(sql, w.id, null, now);
    logger.debug({ workspaceId: w.id, rescored }, 'engagement scores recomputed');
  });
}
