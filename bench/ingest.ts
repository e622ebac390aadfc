/**
 * Ingestion benchmark: POST /v1/events and the generic webhook under rising concurrency
 * (autocannon in a child process, so the load generator does not share the server's event
 * loop), beside a bare fastify endpoint that only parses the same JSON body, measured in the
 * same run. Afterwards it checks that the counters equal the number of accepted events.
 * Run: npm run compile && node dist/bench/ingest.js   (or `npm run bench:ingest`)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { AddRecipientsDocument, CreateCampaignDocument, UpdateWorkspaceSettingsDocument, ViewerDocument } from '../test/generated/graphql';
import { genericSignatureHeader } from '../src/tracking/webhooks/signatures';
import { startBenchApp } from './support';
import { section } from './report';
import { runIfMain } from './entry';

const run = promisify(execFile);
const COMMAND = 'node dist/bench/ingest.js';
const EVENTS_PER_REQUEST = 20;
const CONTACTS = 2000;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const LEVELS = (process.env.BENCH_CONNECTIONS ?? '10,50,100').split(',').map(Number);
/** The level the targets are stated at (DESIGN.md). */
const TARGET_CONNECTIONS = 50;

interface Result {
  requests: number;
  non2xx: number;
  rps: number;
  p50: number;
  p99: number;
}

async function autocannon(url: string, body: string, connections: number, headers: Record<string, string>): Promise<Result> {
  const args = [require.resolve('autocannon/autocannon.js'), '--json', '-c', String(connections), '-d', String(DURATION_S), '-m', 'POST', '-b', body];
  for (const [k, v] of Object.entries({ 'content-type': 'application/json', ...headers })) args.push('-H', `${k}=${v}`);
  args.push(url);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; '2xx': number };
  return { requests: r['2xx'], non2xx: r.non2xx, rps: r['2xx'] / DURATION_S, p50: r.latency.p50, p99: r.latency.p99 };
}

export async function main(): Promise<void> {
  const s = section(`event ingestion: ${EVENTS_PER_REQUEST} events per request, ${DURATION_S} s per level, connections ${LEVELS.join(' / ')}`, COMMAND);
  const env = await startBenchApp({ LOG_LEVEL: 'warn', BODY_LIMIT_BYTES: String(1 << 20) });
  const { t } = env;
  const bare = Fastify({ logger: false });
  bare.post('/bare', async () => ({ accepted: EVENTS_PER_REQUEST, duplicates: 0, rejected: [] }));
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { viewer } = await t.ok(ViewerDocument);
    const db = t.app.orm.em.fork().getConnection();
    await db.execute(
      `insert into contacts (id, workspace_id, external_id, tags, consent_channels) select gen_random_uuid(), ?, 'b-' || g, array['bench'], array['SMS', 'WHATSAPP', 'EMAIL'] from generate_series(1, ?) g`,
      [viewer.workspace.id, CONTACTS],
    );
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: { name: 'ingest bench', type: 'AB_TEST', variants: [{ template: 'a' }, { template: 'b' }, { template: 'c' }] } });
    await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['bench'] } });
    const secret = 'bench-secret';
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { webhookSigningSecret: secret } });
    const ids = (await db.execute<{ id: string }[]>('select contact_id as id from assignments where campaign_id = ?', [c.id])).map((r) => r.id);
    // Without idempotency keys every event is new: the pipeline stores and counts each one.
    const types = ['DELIVERED', 'CLICKED', 'REPLIED', 'CONVERTED'];
    const body = JSON.stringify(
      Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => ({
        campaignId: c.id,
        contactId: ids[(i * 97) % ids.length],
        type: types[i % types.length],
        ...(types[i % types.length] === 'CONVERTED' ? { value: 1 } : {}),
      })),
    );
    const auth = { authorization: `Bearer ${t.adminKey}` };
    let acceptedRequests = 0;
    s.log('conns | bare req/s  p50/p99 ms | /v1/events ev/s  p50/p99 ms | req/s ratio vs bare | webhook ev/s  p50/p99 ms');
    for (const connections of LEVELS) {
      const b = await autocannon(`${bareUrl}/bare`, body, connections, {});
      const e = await autocannon(`${t.url}/v1/events`, body, connections, auth);
      const now = Math.floor(Date.now() / 1000);
      const w = await autocannon(`${t.url}/webhooks/generic/${viewer.workspace.id}`, body, connections, { 'x-splitcast-signature': genericSignatureHeader(secret, body, now) });
      acceptedRequests += e.requests + w.requests;
      const events = (r: Result) => Math.round(r.rps * EVENTS_PER_REQUEST).toLocaleString('en-US');
      const ev = (r: Result) => events(r).padStart(8);
      s.log(
        `${String(connections).padStart(5)} | ${Math.round(b.rps).toLocaleString('en-US').padStart(9)}  ${b.p50}/${b.p99}`.padEnd(39) +
          ` | ${ev(e)}  ${e.p50}/${e.p99}`.padEnd(30) +
          ` | ${(e.rps / b.rps).toFixed(3)} | ${ev(w)}  ${w.p50}/${w.p99}` +
          (e.non2xx + w.non2xx ? `  (non-2xx: ${e.non2xx + w.non2xx})` : ''),
      );
      if (connections !== TARGET_CONNECTIONS) continue;
      for (const [route, r] of [['POST /v1/events', e], ['signed generic webhook', w]] as const) {
        s.figure({
          name: `${route}, ${connections} connections (ratio: requests/s vs bare)`,
          measured: `${events(r)} events/s, p99 ${r.p99} ms`,
          baseline: `bare fastify parsing the same body: ${Math.round(b.rps).toLocaleString('en-US')} req/s, p99 ${b.p99} ms`,
          ratio: r.rps / b.rps,
          target: '≥ 10,000 events/s, p99 < 100 ms',
          met: r.rps * EVENTS_PER_REQUEST >= 10_000 && r.p99 < 100 && r.non2xx === 0,
        });
      }
    }
    // autocannon stops its clock with requests still in flight; let the server finish them.
    let previous = -1;
    let stored = 0;
    let counted = 0;
    for (;;) {
      const [row] = await db.execute<{ stored: string; counted: string }[]>(
        'select (select count(*) from events where campaign_id = ?) as stored, (select coalesce(sum(events), 0) from variant_counters where campaign_id = ?) as counted',
        [c.id, c.id],
      );
      stored = Number(row!.stored);
      counted = Number(row!.counted);
      if (stored === previous) break;
      previous = stored;
      await new Promise((r) => setTimeout(r, 500));
    }
    const accepted = await t.metric('splitcast_events_ingested_total{outcome="ACCEPTED"}');
    const ok = stored === accepted && counted === accepted && accepted >= acceptedRequests * EVENTS_PER_REQUEST;
    s.figure({
      name: 'zero loss: events acknowledged = stored = counted',
      measured: `${stored.toLocaleString('en-US')} stored, ${counted.toLocaleString('en-US')} counted, ${accepted.toLocaleString('en-US')} accepted`,
      target: 'equal, ≥ acknowledged',
      met: ok,
    });
    s.log(
      `check: ${(acceptedRequests * EVENTS_PER_REQUEST).toLocaleString('en-US')} events acknowledged to autocannon (plus its in-flight ones), ` +
        `${accepted.toLocaleString('en-US')} accepted by the server, ${stored.toLocaleString('en-US')} stored, ${counted.toLocaleString('en-US')} counted: ${ok ? 'OK, nothing lost or doubled' : 'MISMATCH'}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await bare.close();
    await env.close();
  }
}

runIfMain(module, main);
