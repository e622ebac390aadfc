/**
 * The event log's monthly partitions (see migrations/Migration20261205000000_event_partitions.ts):
 * `events_YYYY_MM` holds the events received in that UTC month, `events_default` anything else.
 * Months are created ahead (on start and by a daily job), and with EVENT_RETENTION_DAYS set, whole
 * months received before the limit are dropped — a partition drop, not a mass DELETE — together with
 * the idempotency keys as old (deleted in batches).
 *
 * What retention means: counters, hourly/daily buckets and recipients' first-engagement times are
 * separate tables and stay; the raw log (and what reads it: merchant affinity, exports of raw events)
 * loses the old rows, and an idempotency key older than the limit is forgotten (a repeat of it after
 * that is accepted as a new event).
 */
import type { QueryResultRow } from 'pg';
import type { Sql } from './pool';

/** What partition maintenance needs of a pool (SqlPool has it). */
export interface PartitionDb {
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  query<T extends QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export const EVENTS_TABLE = 'events';
export const DEFAULT_PARTITION = 'events_default';
/** Months created ahead of the current one. */
export const MONTHS_AHEAD = 2;
/** event_keys rows deleted per statement by retention (short transactions, no long lock). */
export const KEY_DELETE_BATCH = 10_000;
/**
 * Creating or dropping a partition waits at most this long for its lock on the parent (readers such
 * as the merchant-affinity scan hold it), so ingestion never queues behind the change for long; a
 * change that times out fails and is tried again at the next run.
 */
const LOCK_TIMEOUT = '2s';
/** One lock for partition changes across instances (pg_advisory_xact_lock key). */
const ADVISORY_KEY = 0x5e7e_0001;

export interface MonthPartition {
  name: string;
  /** First instant of the month, UTC (inclusive). */
  from: Date;
  /** First instant of the next month, UTC (exclusive). */
  to: Date;
}

/** The UTC month containing `at`, shifted by `offset` months. Pure. */
export function monthPartition(at: Date, offset = 0): MonthPartition {
  const from = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
  const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  const name = `${EVENTS_TABLE}_${from.getUTCFullYear()}_${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name, from, to };
}

/** The current month and the `ahead` following ones. Pure. */
export function monthsToEnsure(now: Date, ahead = MONTHS_AHEAD): MonthPartition[] {
  return Array.from({ length: ahead + 1 }, (_, i) => monthPartition(now, i));
}

/** The month a partition name stands for, or null for any other name (the default partition). Pure. */
export function parsePartitionName(name: string): MonthPartition | null {
  const m = /^events_(\d{4})_(\d{2})$/.exec(name);
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return monthPartition(new Date(Date.UTC(Number(m[1]), month - 1, 1)));
}

/** Events received before this instant are past retention. Pure. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 86_400_000);
}

/** Month partitions entirely before the cutoff (their last instant is older), oldest first. Pure. */
export function expiredPartitions(names: readonly string[], cutoff: Date): MonthPartition[] {
  return names
    .map(parsePartitionName)
    .filter((p): p is MonthPartition => p !== null && p.to.getTime() <= cutoff.getTime())
    .sort((a, b) => a.from.getTime() - b.from.getTime());
}

const iso = (d: Date) => d.toISOString();

/** Names of the event log's partitions. */
export async function listEventPartitions(db: Pick<PartitionDb, 'query'>): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = to_regclass($1) order by c.relname`,
    [EVENTS_TABLE],
  );
  return rows.map((r) => r.name);
}

/**
 * Creates the month partitions from `now`'s month to MONTHS_AHEAD months later that are missing;
 * returns the names created. Rows of such a month already sitting in the default partition (the
 * month was missing when they came) are moved into it. Safe from several instances at once.
 */
export async function ensureEventPartitions(db: PartitionDb, now: Date = new Date(), ahead = MONTHS_AHEAD): Promise<string[]> {
  const existing = new Set(await listEventPartitions(db));
  const created: string[] = [];
  for (const p of monthsToEnsure(now, ahead)) {
    if (existing.has(p.name)) continue;
    const made = await db.transaction(async (sql) => {
      await sql.query('select pg_advisory_xact_lock($1)', [ADVISORY_KEY]);
      // Creating a partition locks the parent: never queue ingestion behind a long reader for long.
      await sql.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
      const [row] = await sql.query<{ present: boolean }>('select to_regclass($1) is not null as present', [p.name]);
      if (row!.present) return false; // another instance made it meanwhile
      const bounds = `for values from ('${iso(p.from)}') to ('${iso(p.to)}')`;
      const [stray] = await sql.query<{ n: boolean }>(`select exists (select 1 from ${DEFAULT_PARTITION} where received_at >= $1 and received_at < $2) as n`, [iso(p.from), iso(p.to)]);
      if (!stray!.n) {
        await sql.query(`create table ${p.name} partition of ${EVENTS_TABLE} ${bounds}`);
      } else {
        // A new partition cannot be created over rows of its range in the default one: build it
        // beside, move the rows, then attach (which checks both sides).
        await sql.query(`create table ${p.name} (like ${EVENTS_TABLE} including defaults including constraints)`);
        await sql.query(
          `with moved as (delete from ${DEFAULT_PARTITION} where received_at >= $1 and received_at < $2 returning *) insert into ${p.name} select * from moved`,
          [iso(p.from), iso(p.to)],
        );
        await sql.query(`alter table ${EVENTS_TABLE} attach partition ${p.name} ${bounds}`);
      }
      return true;
    });
    if (made) created.push(p.name);
  }
  return created;
}

export interface RetentionResult {
  droppedPartitions: string[];
  deletedDefaultRows: number;
  deletedKeys: number;
}

/**
 * Drops the month partitions received entirely before `now - retentionDays`, deletes older rows of
 * the default partition, and deletes idempotency keys received before the cutoff in batches.
 */
export async function applyEventRetention(db: PartitionDb, retentionDays: number, now: Date = new Date(), batch = KEY_DELETE_BATCH): Promise<RetentionResult> {
  const cutoff = retentionCutoff(now, retentionDays);
  const droppedPartitions: string[] = [];
  for (const p of expiredPartitions(await listEventPartitions(db), cutoff)) {
    await db.transaction(async (sql) => {
      await sql.query('select pg_advisory_xact_lock($1)', [ADVISORY_KEY]);
      await sql.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
      await sql.query(`drop table if exists ${p.name}`);
    });
    droppedPartitions.push(p.name);
  }
  let deletedDefaultRows = 0;
  for (;;) {
    const rows = await db.query<{ n: number }>(
      `with d as (delete from ${DEFAULT_PARTITION} where ctid = any(array(select ctid from ${DEFAULT_PARTITION} where received_at < $1 limit $2)) returning 1) select count(*)::int as n from d`,
      [iso(cutoff), batch],
    );
    deletedDefaultRows += rows[0]!.n;
    if (rows[0]!.n < batch) break;
  }
  let deletedKeys = 0;
  for (;;) {
    const rows = await db.query<{ n: number }>(
      `with d as (delete from event_keys where ctid = any(array(select ctid from event_keys where received_at < $1 limit $2)) returning 1) select count(*)::int as n from d`,
      [iso(cutoff), batch],
    );
    deletedKeys += rows[0]!.n;
    if (rows[0]!.n < batch) break;
  }
  return { droppedPartitions, deletedDefaultRows, deletedKeys };
}
