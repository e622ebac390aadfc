/**
 * Review of the partition upkeep (src/db/event-partitions.ts) while events keep arriving for a month
 * that has no partition yet (they land in the default partition): creating that month must still
 * succeed, moving every row, old and arriving, into it — not fail because a row reached the default
 * partition between the move and the attach (which would leave the month missing for as long as
 * ingestion runs).
 */
import { Client } from 'pg';
import { ensureEventPartitions, monthPartition } from '../../src/db/event-partitions';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

it('creates a missing month while rows of that month keep landing in the default partition', async () => {
  const month = monthPartition(new Date(), 7);
  const at = new Date(month.from.getTime() + 3_600_000).toISOString();
  const insert = (db: Pick<Client, 'query'>) =>
    db.query(
      `insert into events (workspace_id, campaign_id, contact_id, variant_id, type, occurred_at, received_at, source)
       values ($1, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'CLICKED', now(), $2, 'test')`,
      [t.app.defaultWorkspaceId, at],
    );
  const writer = new Client({ connectionString: t.databaseUrl });
  await writer.connect();
  try {
    for (let i = 0; i < 2000; i++) await insert(writer); // a month's backlog already in the default partition
    let inserted = 2000;
    let stop = false;
    // One row after another, each committed at once: what ingestion does while the month is missing.
    const writing = (async () => {
      while (!stop) {
        await insert(writer);
        inserted++;
      }
    })();
    try {
      expect(await ensureEventPartitions(t.app.sql, month.from, 0)).toEqual([month.name]);
    } finally {
      stop = true;
      await writing;
    }
    const [row] = await t.sql<{ in_month: string; in_default: string }>(
      `select count(*) filter (where tableoid = ?::regclass) as in_month, count(*) filter (where tableoid = 'events_default'::regclass) as in_default
       from events where received_at >= ? and received_at < ?`,
      [month.name, month.from.toISOString(), month.to.toISOString()],
    );
    expect({ inMonth: Number(row!.in_month), inDefault: Number(row!.in_default) }).toEqual({ inMonth: inserted, inDefault: 0 });
  } finally {
    await writer.end();
  }
});
