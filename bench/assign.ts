/**
 * Assignment benchmark.
 * 1. Hashing rate (pure): GrowthBook v2 hash + bucket lookup per contact, against a baseline
 *    loop that picks a bucket from Math.random() (same lookup, no hashing) in the same process.
 * 2. addRecipients of 100,000 contacts by audience on embedded PostgreSQL, through GraphQL over
 *    HTTP, against a baseline of one bare INSERT … SELECT of the same 100,000 rows.
 * Run: npm run compile && node dist/bench/assign.js   (or `npm run bench` for every bench)
 */
import { randomUUID } from 'node:crypto';
import { campaignAssigner, campaignRanges, chooseVariation } from '../src/campaigns/assignment';
import { AddRecipientsDocument, CreateCampaignDocument, ViewerDocument } from '../test/generated/graphql';
import { RECIPIENT_PAGE_SIZE } from '../src/campaigns/recipients.service';
import { startBenchApp, timed } from './support';
import { section } from './report';
import { runIfMain } from './entry';

const COMMAND = 'node dist/bench/assign.js';
const RECIPIENTS = 100_000;

function hashingRate(): void {
  const s = section('assignment hashing (pure)', COMMAND);
  const ids = Array.from({ length: 100_000 }, () => randomUUID());
  const ranges = campaignRanges([50, 30, 20]);
  const N = 3_000_000;
  const run = (pick: (id: string) => number) => {
    let sink = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink += pick(ids[i % ids.length]!);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { perSecond: N / seconds, sink };
  };
  const assign = campaignAssigner('5f0c2a9e1b7d3c4a', ranges); // what addRecipients uses
  run(assign); // JIT warm-up
  const baseline = run(() => chooseVariation(Math.random(), ranges));
  const hashed = run(assign);
  s.figure({
    name: 'hashed assignments',
    measured: `${Math.round(hashed.perSecond).toLocaleString('en-US')} /s`,
    baseline: `random bucket, no hash: ${Math.round(baseline.perSecond).toLocaleString('en-US')} /s`,
    ratio: hashed.perSecond / baseline.perSecond,
    target: '> 1,000,000 /s',
    met: hashed.perSecond > 1_000_000,
  });
}

async function bulkAssignment(): Promise<void> {
  const s = section(`addRecipients of ${RECIPIENTS.toLocaleString('en-US')} contacts by audience (embedded PostgreSQL, GraphQL over HTTP)`, COMMAND);
  const env = await startBenchApp();
  const { t } = env;
  try {
    const { viewer } = await t.ok(ViewerDocument);
    const db = t.app.orm.em.fork().getConnection();
    await db.execute(
      `insert into contacts (id, workspace_id, external_id, tags, consent_channels)
       select gen_random_uuid(), ?, 'bench-' || g, array['bench'], array['SMS', 'WHATSAPP', 'EMAIL'] from generate_series(1, ?) g`,
      [viewer.workspace.id, RECIPIENTS],
    );
    await db.execute('vacuum analyze contacts');

    // Baseline: the same number of assignment rows written by one statement, no hashing, no paging.
    const { createCampaign: base } = await t.ok(CreateCampaignDocument, { input: { name: 'baseline', type: 'AB_TEST', variants: [{ template: 'a' }, { template: 'b' }] } });
    const baseline = await timed(() =>
      db.execute(
        `insert into assignments (campaign_id, contact_id, workspace_id, variant_id)
         select ?, c.id, c.workspace_id, ? from contacts c where c.workspace_id = ? and c.tags && array['bench']`,
        [base.id, base.variants[0]!.id, viewer.workspace.id],
      ),
    );

    const { createCampaign: c } = await t.ok(CreateCampaignDocument, {
      input: { name: 'bench', type: 'AB_TEST', variants: [{ template: 'a', weight: 50 }, { template: 'b', weight: 30 }, { template: 'c', weight: 20 }] },
    });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const queriesBefore = await t.metric('splitcast_db_queries_total');
    const run = await timed(() => t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['bench'] } }));
    const queries = (await t.metric('splitcast_db_queries_total')) - queriesBefore;
    const rssAfter = process.memoryUsage().rss;
    const r = run.value.addRecipients;
    if (r.added !== RECIPIENTS) throw new Error(`expected ${RECIPIENTS} added, got ${JSON.stringify(r)}`);
    s.figure({
      name: `addRecipients of ${r.added.toLocaleString('en-US')} recipients (time)`,
      measured: `${(run.ms / 1000).toFixed(2)} s (${Math.round((r.added / run.ms) * 1000).toLocaleString('en-US')} /s)`,
      baseline: `one INSERT … SELECT, no hashing: ${(baseline.ms / 1000).toFixed(2)} s`,
      ratio: run.ms / baseline.ms,
      target: '< 5 s',
      met: run.ms < 5000,
    });
    s.log(`per variant: ${r.perVariant.map((v) => v.count).join(' / ')} (weights 50 / 30 / 20)`);
    s.log(`SQL statements: ${queries} (pages of ${RECIPIENT_PAGE_SIZE.toLocaleString('en-US')}: one read and one insert each)`);
    s.log(`RSS before / after: ${(rssBefore / 2 ** 20).toFixed(0)} MiB / ${(rssAfter / 2 ** 20).toFixed(0)} MiB (server and client share this process)`);
  } finally {
    await env.close();
  }
}

export async function main(): Promise<void> {
  hashingRate();
  await bulkAssignment();
}

runIfMain(module, main);
