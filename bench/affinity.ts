/**
 * Merchant affinity refresh at scale: 100,000 contacts × 1,000,000 merchant events (50 merchants,
 * Zipf-like popularity; CONVERTED 15 %, CLICKED 55 %, REPLIED 10 %, OPENED 20 %; 90 days), written
 * by SQL into the app's database, then `refreshAffinities` for the workspace — the first run
 * inserting every row, the second updating them —, beside the bare aggregate statement alone in
 * the same run (the floor: what the database needs just to read and group the events), and the
 * on-demand `merchantAffinity` for one stale contact over HTTP.
 * Run: npm run bench:affinity   (BENCH_CONTACTS, BENCH_EVENTS scale it)
 */
import { MerchantAffinityDocument } from '../test/generated/graphql';
import { refreshAffinities } from '../src/optimization/merchant-affinity.service';
import { header, startBenchApp, timed } from './support';

const COMMAND = 'npm run bench:affinity';
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const MERCHANTS = 50;

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

export async function main(): Promise<void> {
  header(`merchant affinity refresh: ${CONTACTS.toLocaleString('en')} contacts × ${EVENTS.toLocaleString('en')} merchant events`, COMMAND);
  const env = await startBenchApp();
  try {
    const { t } = env;
    const sql = t.app.sql;
    const ws = t.app.defaultWorkspaceId;
    const setup = await timed(async () => {
      await sql.query(`insert into contacts (id, workspace_id, external_id, tags, consent) select gen_random_uuid(), $1, 'bench-' || g, array['bench'], true from generate_series(1, $2) g`, [ws, CONTACTS]);
      // Events need a campaign and variant id; the pipeline is not under test here, so they are written directly.
      await sql.query(
        `with c as (select array_agg(id) as ids from contacts where workspace_id = $1)
         insert into events (workspace_id, campaign_id, contact_id, variant_id, type, occurred_at, merchant_id, source)
         select $1, '00000000-0000-4000-8000-000000000001', c.ids[1 + floor(random() * array_length(c.ids, 1))::int],
                '00000000-0000-4000-8000-000000000002',
                case when r < 0.15 then 'CONVERTED' when r < 0.70 then 'CLICKED' when r < 0.80 then 'REPLIED' else 'OPENED' end,
                now() - random() * interval '90 days', 'm' || floor(${MERCHANTS} * power(random(), 2))::int, 'bench'
         from c, (select g, random() as r from generate_series(1, $2) g) x`,
        [ws, EVENTS],
      );
      await sql.query('analyze events');
      await sql.query('analyze contacts');
    });
    console.log(`   setup (SQL inserts): ${(setup.ms / 1000).toFixed(1)} s`);

    const now = new Date();
    const bare = await timed(() =>
      sql.query(
        `select count(*) from (select contact_id, merchant_id, sum(power(0.5::float8, extract(epoch from ($2::timestamptz - occurred_at))::float8 / 2592000)) from events
         where workspace_id = $1 and merchant_id is not null group by 1, 2) x`,
        [ws, now.toISOString()],
      ),
    );
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const first = await timed(() => refreshAffinities(sql, ws, now));
    const second = await timed(() => refreshAffinities(sql, ws, new Date()));
    clearInterval(sampler);
    console.log(`   bare aggregate statement (floor):      ${(bare.ms / 1000).toFixed(2)} s`);
    console.log(`   refresh, first (inserts ${first.value.rows.toLocaleString('en')} rows): ${(first.ms / 1000).toFixed(2)} s  (${(first.ms / bare.ms).toFixed(1)}× the bare aggregate)`);
    console.log(`   refresh, second (updates):             ${(second.ms / 1000).toFixed(2)} s  (${(second.ms / bare.ms).toFixed(1)}×)`);
    console.log(`   contacts ${first.value.contacts.toLocaleString('en')}, merchants ${first.value.merchants}, rows deleted on the second run ${second.value.deleted}`);
    console.log(`   RSS before ${mb(rssBefore)}, peak during the refreshes ${mb(peak)} (bench process: app and refresh share it)`);

    // On demand: one contact made stale by a new event, answered over HTTP.
    const contact = (await sql.query<{ contact_id: string }>(`select contact_id from merchant_affinities where workspace_id = $1 limit 1`, [ws]))[0]!.contact_id;
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sql.query(`insert into events (workspace_id, campaign_id, contact_id, variant_id, type, occurred_at, merchant_id, source) values ($1, '00000000-0000-4000-8000-000000000001', $2, '00000000-0000-4000-8000-000000000002', 'CLICKED', now(), 'm1', 'bench')`, [ws, contact]);
      const r = await timed(() => t.ok(MerchantAffinityDocument, { contactId: contact, limit: 10 }));
      times.push(r.ms);
    }
    const fresh = await timed(() => t.ok(MerchantAffinityDocument, { contactId: contact, limit: 10 }));
    times.sort((a, b) => a - b);
    console.log(`   merchantAffinity on demand (stale contact, HTTP): median ${times[10]!.toFixed(1)} ms, max ${times[19]!.toFixed(1)} ms; not stale: ${fresh.ms.toFixed(1)} ms`);
  } finally {
    await env.close();
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
