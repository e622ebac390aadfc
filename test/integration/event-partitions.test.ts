/**
 * The event log partitioned by month: the migration converts an existing table with its rows,
 * months are created ahead (rows stranded in the default partition move into their month), and
 * retention drops whole months and forgets idempotency keys as old.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { initOrm } from '../../src/db/orm';
import { applyEventRetention, ensureEventPartitions, listEventPartitions, monthPartition } from '../../src/db/event-partitions';
import { EVENT_PARTITIONS_JOB } from '../../src/jobs/event-partitions';
import { ENTITIES } from '../../src/modules';
import { createTestDatabase, dropTestDatabase, startTestApp, type TestApp } from '../helpers/harness';

const PARTITIONING = 'Migration20261205000000_event_partitions';

describe('migration to a partitioned event log', () => {
  let url: string;
  let db: Client;
  beforeAll(async () => {
    url = await createTestDatabase();
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await dropTestDatabase(url);
  });

  it('keeps every row, id and idempotency key, each in the partition of its month', async () => {
    const orm = await initOrm(url, ENTITIES);
    try {
      const migrator = orm.getMigrator();
      const pending = (await migrator.getPendingMigrations()).map((m) => m.name);
      const before = pending[pending.indexOf(PARTITIONING) - 1]!;
      await migrator.up({ to: before });

      // Rows as the old table holds them: received over 14 months, every other one with a key.
      const ws = randomUUID();
      await db.query(
        `insert into events (workspace_id, campaign_id, contact_id, variant_id, type, occurred_at, received_at, idempotency_key, source)
         select $1, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'CLICKED', now() - interval '3 years', now() - make_interval(days => g * 7),
                case when g % 2 = 0 then 'k-' || g end, 'test'
         from generate_series(0, 60) g`,
        [ws],
      );
      const old = (await db.query<{ id: string; received_at: Date; idempotency_key: string | null }>('select id, received_at, idempotency_key from events order by id')).rows;

      await migrator.up();

      const rows = (await db.query<{ id: string; received_at: Date; idempotency_key: string | null; part: string }>('select id, received_at, idempotency_key, tableoid::regclass::text as part from events order by id')).rows;
      expect(rows.map(({ part: _, ...r }) => r)).toEqual(old);
      for (const r of rows) expect(r.part).toBe(monthPartition(r.received_at).name);

      const keys = (await db.query<{ idempotency_key: string; received_at: Date }>('select idempotency_key, received_at from event_keys where workspace_id = $1 order by idempotency_key', [ws])).rows;
      expect(keys).toEqual(
        old
          .filter((r) => r.idempotency_key !== null)
          .map((r) => ({ idempotency_key: r.idempotency_key, received_at: r.received_at }))
          .sort((a, b) => a.idempotency_key!.localeCompare(b.idempotency_key!)),
      );

      // New rows continue the ids and land in this month's partition; a migrated key is taken.
      const [fresh] = (
        await db.query<{ id: string; part: string }>(
          `insert into events (workspace_id, campaign_id, contact_id, variant_id, type, occurred_at, source) values ($1, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'SENT', now(), 'test') returning id, tableoid::regclass::text as part`,
          [ws],
        )
      ).rows;
      expect(BigInt(fresh!.id)).toBeGreaterThan(BigInt(old[old.length - 1]!.id));
      expect(fresh!.part).toBe(monthPartition(new Date()).name);
      const again = await db.query(`insert into event_keys (workspace_id, idempotency_key) values ($1, 'k-10') on conflict do nothing returning 1`, [ws]);
      expect(again.rowCount).toBe(0);

      const parts = (await db.query<{ name: string }>(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass`)).rows.map((r) => r.name);
      expect(parts).toEqual(expect.arrayContaining(['events_default', monthPartition(new Date(), 1).name]));
    } finally {
      await orm.close();
    }
  });
});

describe('partition upkeep and retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JOBS: 'on', EVENT_RETENTION_DAYS: '60' });
  });
  afterAll(() => t.close());

  const insertAt = (at: Date | string, key: string | null = null) =>
    t.sql<{ part: string }>(
      `insert into events (workspace_id, campaign_id, contact_id, variant_id, type, occurred_at, received_at, idempotency_key, source)
       values (?, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'CLICKED', now(), ?, ?, 'test') returning tableoid::regclass::text as part`,
      [t.app.defaultWorkspaceId, new Date(at).toISOString(), key],
    );
  const partOf = async (key: string) => (await t.sql<{ part: string }>('select tableoid::regclass::text as part from events where idempotency_key = ?', [key]))[0]?.part;

  it('creates this month and the next two on start', async () => {
    const parts = await listEventPartitions(t.app.sql);
    for (let i = 0; i <= 2; i++) expect(parts).toContain(monthPartition(new Date(), i).name);
    expect(parts).toContain('events_default');
  });

  it('moves rows that landed in the default partition into their month when it is created', async () => {
    const later = monthPartition(new Date(), 6);
    const [row] = await insertAt(new Date(later.from.getTime() + 86_400_000), 'stranded');
    expect(row!.part).toBe('events_default');
    expect(await ensureEventPartitions(t.app.sql, later.from, 0)).toEqual([later.name]);
    expect(await partOf('stranded')).toBe(later.name);
    expect(await ensureEventPartitions(t.app.sql, later.from, 0)).toEqual([]); // idempotent
  });

  it('creates partitions once when instances race', async () => {
    const month = monthPartition(new Date(), 9);
    const results = await Promise.all([1, 2, 3].map(() => ensureEventPartitions(t.app.sql, month.from, 0)));
    expect(results.flat()).toEqual([month.name]);
  });

  it('gives up a partition change rather than queue ingestion behind a long reader, and makes it next time', async () => {
    const month = monthPartition(new Date(), 11);
    const reader = new Client({ connectionString: t.databaseUrl });
    await reader.connect();
    try {
      await reader.query('begin');
      await reader.query('select count(*) from events'); // holds its lock on events until commit
      await expect(ensureEventPartitions(t.app.sql, month.from, 0)).rejects.toMatchObject({ code: '55P03' }); // lock_not_available
      // Meanwhile events are still written (the reader's lock does not block inserts).
      expect((await insertAt(new Date(), 'during-reader'))[0]!.part).toBe(monthPartition(new Date()).name);
      await reader.query('commit');
      expect(await ensureEventPartitions(t.app.sql, month.from, 0)).toEqual([month.name]);
    } finally {
      await reader.end();
    }
  });

  it('the job drops months past EVENT_RETENTION_DAYS and keys as old, and keeps the rest', async () => {
    const ws = t.app.defaultWorkspaceId;
    const old = monthPartition(new Date(), -5);
    await ensureEventPartitions(t.app.sql, old.from, 0);
    await insertAt(new Date(old.from.getTime() + 3_600_000), 'old-month');
    await insertAt(new Date(Date.now() - 400 * 86_400_000), 'old-default'); // no partition: default
    await insertAt(new Date(), 'recent');
    await t.sql(`insert into event_keys (workspace_id, idempotency_key, received_at) values (?, 'old-month', ?), (?, 'old-default', ?), (?, 'recent', now())`, [
      ws,
      old.from.toISOString(),
      ws,
      new Date(Date.now() - 400 * 86_400_000).toISOString(),
      ws,
    ]);

    await t.app.scheduler!.runNow(EVENT_PARTITIONS_JOB);

    expect(await listEventPartitions(t.app.sql)).not.toContain(old.name);
    expect(await partOf('old-month')).toBeUndefined();
    expect(await partOf('old-default')).toBeUndefined();
    expect(await partOf('recent')).toBe(monthPartition(new Date()).name);
    const keys = (await t.sql<{ k: string }>('select idempotency_key as k from event_keys where workspace_id = ? order by 1', [ws])).map((r) => r.k);
    expect(keys).toContain('recent');
    expect(keys).not.toContain('old-month');
    expect(keys).not.toContain('old-default');
  });

  it('deletes old keys in batches until none is left', async () => {
    const ws = t.app.defaultWorkspaceId;
    const longAgo = new Date(Date.now() - 900 * 86_400_000).toISOString();
    await t.sql(`insert into event_keys (workspace_id, idempotency_key, received_at) select ?, 'batch-' || g, ? from generate_series(1, 7) g`, [ws, longAgo]);
    const result = await applyEventRetention(t.app.sql, 60, new Date(), 3);
    expect(result.deletedKeys).toBe(7);
    expect(await t.sql(`select 1 from event_keys where idempotency_key like 'batch-%'`)).toEqual([]);
  });
});
