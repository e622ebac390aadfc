/**
 * Where each table lives in a sharded PostgreSQL (Citus): the one list of placement decisions.
 *
 * - distributed: sharded by workspace_id, all colocated, so every workspace's rows of every table
 *   sit on one node and a query filtered by (or joined on) workspace_id runs on that node alone.
 *   Each such table has workspace_id NOT NULL, and every primary key, unique constraint and foreign
 *   key between them contains it (test/integration/distribution.test.ts checks this on the catalog).
 * - reference: small and global, copied to every node (joins with it stay local to a node).
 * - local: on the coordinator only (the node the application connects to): bookkeeping and hot
 *   global counters that no distributed query joins.
 *
 * Order matters: reference tables first, then distributed tables with each table after the
 * tables its foreign keys reference (create_distributed_table needs the referenced table already
 * distributed). `npm run citus:sql` prints the calls (citusStatements below).
 */
export type Placement = 'distributed' | 'reference' | 'local';

export interface TableDecision {
  placement: Placement;
  why: string;
  /** Created by a library when it first runs, not by the migrations (may be absent). */
  createdAtRuntime?: true;
}

/** The distribution column of every distributed table. */
export const DISTRIBUTION_COLUMN = 'workspace_id';

export const TABLES: Readonly<Record<string, TableDecision>> = {
  // Reference: global, small, read everywhere.
  workspaces: { placement: 'reference', why: 'the tenants themselves: one small row each, joined by id from every node (settings, secrets, time zone)' },
  api_keys: {
    placement: 'reference',
    why: 'authentication looks a key up by its hash before the workspace is known (unique key_hash across workspaces); few rows, rarely written',
  },

  // Distributed by workspace_id, referenced tables before the tables that reference them.
  contacts: { placement: 'distributed', why: 'workspace data' },
  templates: { placement: 'distributed', why: 'workspace data' },
  template_versions: { placement: 'distributed', why: "a workspace template's immutable versions (FK templates)" },
  campaigns: { placement: 'distributed', why: 'workspace data' },
  variants: { placement: 'distributed', why: 'workspace data (FK campaigns, templates, template_versions)' },
  assignments: { placement: 'distributed', why: 'workspace data, the recipients (FK campaigns, contacts)' },
  messages: { placement: 'distributed', why: 'workspace data (FK campaigns, contacts)' },
  links: { placement: 'distributed', why: 'workspace data (FK messages, campaigns, contacts); GET /l/:token looks up by token alone: a multi-shard read' },
  opt_out_log: { placement: 'distributed', why: 'workspace data (FK contacts)' },
  outbox: { placement: 'distributed', why: 'workspace data (FK contacts)' },
  events: { placement: 'distributed', why: 'the event log, partitioned by month of received_at; no foreign keys by design' },
  event_keys: { placement: 'distributed', why: "the event log's idempotency keys, per workspace" },
  variant_counters: { placement: 'distributed', why: 'per-variant counters of a workspace (FK campaigns)' },
  variant_hourly: { placement: 'distributed', why: 'per-variant hourly buckets (FK campaigns); workspace_id added for distribution' },
  variant_daily: { placement: 'distributed', why: 'per-variant daily rollups (FK campaigns); workspace_id added for distribution' },
  webhook_retries: { placement: 'distributed', why: 'a workspace webhook payload waiting for a retry' },
  webhook_receipts: { placement: 'distributed', why: "a workspace's webhook requests per provider, outcome and minute" },
  webhook_health_snapshots: { placement: 'distributed', why: "a workspace's hourly webhook health per provider" },
  winners: { placement: 'distributed', why: 'workspace data (FK campaigns)' },
  campaign_runs: { placement: 'distributed', why: 'workspace data (FK campaigns)' },
  sends: { placement: 'distributed', why: 'the send queue of a workspace (FK campaigns, campaign_runs, contacts)' },
  bandit_weights: { placement: 'distributed', why: 'workspace data (FK campaigns)' },
  models: { placement: 'distributed', why: "a workspace's trained models" },
  recommendations: { placement: 'distributed', why: 'workspace data (FK campaigns)' },
  merchants: { placement: 'distributed', why: 'merchants named or seen by a workspace' },
  merchant_affinities: { placement: 'distributed', why: 'per contact (FK contacts)' },
  send_time_models: { placement: 'distributed', why: "a workspace's send-time model" },
  send_time_recommendations: { placement: 'distributed', why: 'per contact (FK contacts)' },
  reconciliation_runs: { placement: 'distributed', why: "a workspace's reconciliation reports" },
  alerts: { placement: 'distributed', why: "a workspace's raised and cleared alerts" },
  alert_deliveries: { placement: 'distributed', why: "an alert's notifications to the workspace's webhook and email (FK alerts)" },
  plan_usage: { placement: 'distributed', why: "a workspace's campaign messages per month against its plan's limit (src/plans/)" },
  orders: { placement: 'distributed', why: "a workspace's recorded orders (FK contacts)" },
  report_schedules: { placement: 'distributed', why: "a workspace's scheduled reports and their destinations" },
  report_deliveries: { placement: 'distributed', why: "a scheduled report's deliveries to its destinations (FK report_schedules)" },

  // Local to the coordinator.
  mikro_orm_migrations: { placement: 'local', why: 'migration bookkeeping of the coordinator' },
  agenda_jobs: {
    placement: 'local',
    why: "Agenda's job queue: global, locked by the coordinator's connections",
    createdAtRuntime: true,
  },
  agenda_logs: { placement: 'local', why: "Agenda's run log, beside agenda_jobs", createdAtRuntime: true },
  rate_limit_counters: { placement: 'local', why: 'request rate limits per API key / client IP, synced every 250 ms by every instance: global, hot, joined with nothing' },
  send_rate: {
    placement: 'local',
    why: 'the per-second send budget of a provider account, which several workspaces may share: not workspace data, one hot row per second',
  },
  job_health: { placement: 'local', why: 'consecutive failures per scheduled job: global (jobs serve every workspace), one row per job' },
  provider_circuits: {
    placement: 'local',
    why: "a provider account's circuit breaker, which several workspaces may share (like send_rate): not workspace data, read once per send batch",
  },
  simulator_sends: { placement: 'local', why: "the simulator provider's idempotency memory (stands in for a provider's own database)" },
};

/** Tables of a placement, in the order of TABLES. Pure. */
export function tablesOf(placement: Placement, tables: Readonly<Record<string, TableDecision>> = TABLES): string[] {
  return Object.entries(tables)
    .filter(([, d]) => d.placement === placement)
    .map(([name]) => name);
}

/**
 * The Citus calls that distribute the schema, in order (run once on the coordinator, after the
 * migrations, before traffic). Local tables need no call. Pure.
 */
export function citusStatements(tables: Readonly<Record<string, TableDecision>> = TABLES): string[] {
  const distributed = tablesOf('distributed', tables);
  return [
    ...tablesOf('reference', tables).map((t) => `select create_reference_table('${t}');`),
    ...distributed.map((t, i) =>
      i === 0 ? `select create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}');` : `select create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}', colocate_with => '${distributed[0]}');`,
    ),
  ];
}

/** What the catalog check needs of a connection (SqlPool and pg's Client both fit). */
export interface CatalogReader {
  query<T extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

interface TableRow extends Record<string, unknown> {
  name: string;
  has_ws: boolean;
  ws_not_null: boolean;
}
interface KeyRow extends Record<string, unknown> {
  table_name: string;
  name: string;
  kind: string;
  has_ws: boolean;
}
interface FkRow extends Record<string, unknown> {
  table_name: string;
  name: string;
  referenced: string;
  ws_paired: boolean;
}

/**
 * Every way the schema (tables of the `public` schema, partitions excepted: they follow their
 * parent) breaks the placement rules, as readable lines; empty when it is ready to distribute.
 */
export async function distributionViolations(db: CatalogReader, tables: Readonly<Record<string, TableDecision>> = TABLES): Promise<string[]> {
  const problems: string[] = [];
  const rows = await db.query<TableRow>(
    `select c.relname as name,
            a.attnum is not null as has_ws, coalesce(a.attnotnull, false) as ws_not_null
     from pg_class c
     left join pg_attribute a on a.attrelid = c.oid and a.attname = $1 and not a.attisdropped
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
     order by 1`,
    [DISTRIBUTION_COLUMN],
  );
  const present = new Map(rows.map((r) => [r.name, r]));
  for (const r of rows) {
    const d = tables[r.name];
    if (!d) {
      problems.push(`${r.name}: not listed in src/db/distribution.ts (decide: distributed, reference or local)`);
      continue;
    }
    if (d.placement === 'distributed' && !r.has_ws) problems.push(`${r.name}: distributed but has no ${DISTRIBUTION_COLUMN}`);
    if (d.placement === 'distributed' && r.has_ws && !r.ws_not_null) problems.push(`${r.name}: ${DISTRIBUTION_COLUMN} is nullable`);
    if (d.placement === 'local' && r.has_ws) problems.push(`${r.name}: local but carries ${DISTRIBUTION_COLUMN} (workspace data is distributed, or a justified reference table)`);
  }

  // Primary keys, unique constraints and unique indexes (partial ones too) of distributed tables.
  const keys = await db.query<KeyRow>(
    `select c.relname as table_name, ic.relname as name, case when i.indisprimary then 'primary key' else 'unique index' end as kind,
            exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = $1 and a.attnum = any(i.indkey::int2[])) as has_ws
     from pg_index i join pg_class c on c.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
     where i.indisunique and c.relnamespace = 'public'::regnamespace and not c.relispartition
     order by 1, 2`,
    [DISTRIBUTION_COLUMN],
  );
  for (const k of keys) {
    if (tables[k.table_name]?.placement === 'distributed' && !k.has_ws) problems.push(`${k.table_name}: ${k.kind} ${k.name} does not contain ${DISTRIBUTION_COLUMN}`);
  }

  // Foreign keys: the workspace on both sides, at the same position, between distributed tables.
  const fks = await db.query<FkRow>(
    `select c.relname as table_name, k.conname as name, r.relname as referenced,
            exists (select 1 from generate_subscripts(k.conkey, 1) s
                    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[s]
                    join pg_attribute b on b.attrelid = k.confrelid and b.attnum = k.confkey[s]
                    where a.attname = $1 and b.attname = $1) as ws_paired
     from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class r on r.oid = k.confrelid
     where k.contype = 'f' and c.relnamespace = 'public'::regnamespace and not c.relispartition
     order by 1, 2`,
    [DISTRIBUTION_COLUMN],
  );
  const order = Object.keys(tables);
  for (const fk of fks) {
    const from = tables[fk.table_name]?.placement;
    const to = tables[fk.referenced]?.placement;
    if (!from || !to) continue; // reported above as not listed
    const what = `${fk.table_name}: foreign key ${fk.name} → ${fk.referenced}`;
    if (from === 'reference' && to !== 'reference') problems.push(`${what}: a reference table may only reference reference tables`);
    if (from === 'local' || to === 'local') problems.push(`${what}: local tables take part in no foreign key`);
    if (from === 'distributed' && to === 'distributed') {
      if (!fk.ws_paired) problems.push(`${what}: does not match ${DISTRIBUTION_COLUMN} to ${DISTRIBUTION_COLUMN}`);
      if (order.indexOf(fk.referenced) > order.indexOf(fk.table_name)) problems.push(`${what}: ${fk.referenced} must come before ${fk.table_name} in TABLES (distribution order)`);
    }
  }
  for (const [name, d] of Object.entries(tables)) {
    if (!present.has(name) && !d.createdAtRuntime) problems.push(`${name}: listed in src/db/distribution.ts but not in the database`);
  }
  return problems;
}
