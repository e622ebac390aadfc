/**
 * The migrated schema is ready to distribute by workspace (Citus): every table has a placement in
 * src/db/distribution.ts, distributed tables carry workspace_id in every key and foreign key,
 * reference tables depend on no distributed one. The catalog of a real migrated database is read
 * (jobs on, so Agenda's own table exists too).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DISTRIBUTION_COLUMN, TABLES, citusStatements, distributionViolations, tablesOf } from '../../src/db/distribution';
import { initOrm } from '../../src/db/orm';
import { ENTITIES } from '../../src/modules';
import { createTestDatabase, dropTestDatabase, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
});
afterAll(() => t.close());

it('the migrated schema breaks no placement rule', async () => {
  expect(await distributionViolations(t.app.sql)).toEqual([]);
});

it('Agenda\'s table exists and is placed', async () => {
  expect(await t.sql(`select 1 from pg_class where relname = 'agenda_jobs'`)).toHaveLength(1);
});

describe('the check fails where it should (on a scratch schema of its own)', () => {
  afterAll(() => t.sql('drop table if exists rogue_child, rogue_parent, rogue_unlisted'));

  it('names a table without a decision', async () => {
    await t.sql('create table rogue_unlisted (id uuid primary key)');
    expect(await distributionViolations(t.app.sql)).toContain('rogue_unlisted: not listed in src/db/distribution.ts (decide: distributed, reference or local)');
  });

  it('names keys, unique indexes and foreign keys without the workspace', async () => {
    await t.sql('create table rogue_parent (id uuid primary key, workspace_id uuid)');
    await t.sql('create table rogue_child (id uuid, workspace_id uuid not null, parent_id uuid references rogue_parent (id), code text, primary key (id, workspace_id))');
    await t.sql('create unique index rogue_child_code_uq on rogue_child (code)');
    const tables = {
      ...TABLES,
      rogue_unlisted: { placement: 'local' as const, why: 'test' },
      rogue_parent: { placement: 'distributed' as const, why: 'test' },
      rogue_child: { placement: 'distributed' as const, why: 'test' },
    };
    expect(await distributionViolations(t.app.sql, tables)).toEqual([
      'rogue_parent: workspace_id is nullable',
      'rogue_child: unique index rogue_child_code_uq does not contain workspace_id',
      'rogue_parent: primary key rogue_parent_pkey does not contain workspace_id',
      'rogue_child: foreign key rogue_child_parent_id_fkey → rogue_parent: does not match workspace_id to workspace_id',
    ]);
  });

  it('names a reference table that points at a distributed one, and a missing table', async () => {
    const tables = { ...TABLES, rogue_unlisted: { placement: 'local' as const, why: 'test' }, rogue_parent: { placement: 'distributed' as const, why: 'test' }, rogue_child: { placement: 'reference' as const, why: 'test' }, gone: { placement: 'reference' as const, why: 'test' } };
    const problems = await distributionViolations(t.app.sql, tables);
    expect(problems).toContain('rogue_child: foreign key rogue_child_parent_id_fkey → rogue_parent: a reference table may only reference reference tables');
    expect(problems).toContain('gone: listed in src/db/distribution.ts but not in the database');
  });
});

describe('citusStatements', () => {
  it('makes reference tables first, then distributes every distributed table, colocated, in order', () => {
    const sql = citusStatements();
    const reference = tablesOf('reference');
    const distributed = tablesOf('distributed');
    expect(sql.slice(0, reference.length)).toEqual(reference.map((n) => `select create_reference_table('${n}');`));
    expect(sql[reference.length]).toBe(`select create_distributed_table('${distributed[0]}', '${DISTRIBUTION_COLUMN}');`);
    expect(sql.slice(reference.length + 1)).toEqual(distributed.slice(1).map((n) => `select create_distributed_table('${n}', '${DISTRIBUTION_COLUMN}', colocate_with => '${distributed[0]}');`));
    expect(sql).toHaveLength(reference.length + distributed.length); // local tables: no call
  });
});

describe('the readiness migration on a database with rows', () => {
  it('fills workspace_id of hourly and daily buckets from their campaign and keeps every row', async () => {
    const url = await createTestDatabase();
    const db = new Client({ connectionString: url });
    await db.connect();
    const orm = await initOrm(url, ENTITIES);
    try {
      const migrator = orm.getMigrator();
      const pending = (await migrator.getPendingMigrations()).map((m) => m.name);
      await migrator.up({ to: pending[pending.indexOf('Migration20261206000000_citus_readiness') - 1]! });
      const [a, b] = [randomUUID(), randomUUID()];
      const campaigns = new Map<string, string>();
      for (const ws of [a, b]) {
        await db.query(`insert into workspaces (id, name) values ($1, $2)`, [ws, `ws ${ws}`]);
        const id = randomUUID();
        campaigns.set(id, ws);
        await db.query(`insert into campaigns (id, workspace_id, name, channel, type, status, experiment, salt) values ($1, $2, 'c', 'SMS', 'AB_TEST', 'DRAFT', '{}', 's')`, [id, ws]);
        await db.query(`insert into variant_hourly (variant_id, hour, campaign_id, sent) values (gen_random_uuid(), '2026-11-01T10:00:00Z', $1, 3), (gen_random_uuid(), '2026-11-01T11:00:00Z', $1, 4)`, [id]);
        await db.query(`insert into variant_daily (variant_id, day, campaign_id, time_zone, sent) values (gen_random_uuid(), '2026-10-01', $1, 'UTC', 5)`, [id]);
      }
      await migrator.up();
      for (const table of ['variant_hourly', 'variant_daily']) {
        const rows = (await db.query<{ campaign_id: string; workspace_id: string }>(`select campaign_id, workspace_id from ${table}`)).rows;
        expect(rows).toHaveLength(table === 'variant_hourly' ? 4 : 2);
        for (const r of rows) expect(r.workspace_id).toBe(campaigns.get(r.campaign_id));
      }
      // A row of one workspace can no longer point at another workspace's campaign.
      const [ownCampaign] = [...campaigns].find(([, ws]) => ws === a)!;
      await expect(db.query(`insert into variant_hourly (variant_id, hour, campaign_id, workspace_id) values (gen_random_uuid(), now(), $1, $2)`, [ownCampaign, b])).rejects.toThrow(/foreign key/);
    } finally {
      await orm.close();
      await db.end();
      await dropTestDatabase(url);
    }
  });
});
