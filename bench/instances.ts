/**
 * Several instances behind one PostgreSQL: ingestion and live fan-out with 1 server instance, then
 * with 2 (child processes on their own ports, the same DATABASE_URL: one embedded PostgreSQL for the
 * run), the ratio 2 / 1 measured in the same run.
 * - ingestion: POST /v1/events, 20 events per request, autocannon in child processes, the same total
 *   connections split over the instances; afterwards the counters must equal the accepted events.
 * - fan-out: bench/fanout.ts's measurement with subscribers and events split over the instances:
 *   half of every subscriber's updates come from events posted to the other instance, via
 *   LISTEN/NOTIFY.
 * On a 2-core machine two instances share the cores with PostgreSQL and the load generators: the
 * ratio says what a second process costs or gains here, not what a second machine would.
 * Run: npm run compile && node dist/bench/instances.js
 *   INSTANCES_CONNECTIONS=50  INSTANCES_DURATION=5 (ingestion s)  INSTANCES_FANOUT=1000@2000
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import type { ServerProcess } from '../test/helpers/process';
import { benchCampaign, measureFanout, parseLevels, startBenchDatabase, startServers, stopServers, vmHwmMb, WINDOW_MS, type Bench, type FanoutFigures } from './fanout';
import { header } from './support';
import { runIfMain } from './entry';

const run = promisify(execFile);
const COMMAND = 'node dist/bench/instances.js';
const EVENTS_PER_REQUEST = 20;
const CONNECTIONS = Number(process.env.INSTANCES_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.INSTANCES_DURATION ?? 5);
const FANOUT = parseLevels(process.env.INSTANCES_FANOUT ?? '1000@2000')[0]!;

async function autocannon(url: string, body: string, connections: number, key: string): Promise<{ ok: number; non2xx: number; p99: number }> {
  const args = [require.resolve('autocannon/autocannon.js'), '--json', '-c', String(connections), '-d', String(DURATION_S), '-m', 'POST', '-b', body];
  args.push('-H', 'content-type=application/json', '-H', `authorization=Bearer ${key}`, url);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { latency: { p99: number }; non2xx: number; '2xx': number };
  return { ok: r['2xx'], non2xx: r.non2xx, p99: r.latency.p99 };
}

interface Ingestion {
  eventsPerSecond: number;
  p99: number;
  non2xx: number;
  counted: boolean;
}

/** The same total connections over every instance at once; then counters vs accepted events. */
async function measureIngestion(bench: Bench, servers: ServerProcess[]): Promise<Ingestion> {
  const { campaignId, contactIds } = await benchCampaign(servers[0]!, bench.db.url, `ingest ×${servers.length}`);
  const types = ['DELIVERED', 'CLICKED', 'REPLIED', 'CONVERTED'];
  const body = JSON.stringify(
    Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => ({ campaignId, contactId: contactIds[(i * 97) % contactIds.length], type: types[i % 4], ...(types[i % 4] === 'CONVERTED' ? { value: 1 } : {}) })),
  );
  const per = Math.round(CONNECTIONS / servers.length);
  const results = await Promise.all(servers.map((s) => autocannon(`${s.url}/v1/events`, body, per, bench.adminKey)));
  const acknowledged = results.reduce((a, r) => a + r.ok, 0) * EVENTS_PER_REQUEST;
  // autocannon stops its clock with requests in flight: wait until the stored count settles.
  const pg = new PgClient({ connectionString: bench.db.url });
  await pg.connect();
  let counted = -1;
  let stored = -2;
  try {
    for (let previous = -1; ; previous = stored) {
      const r = await pg.query<{ stored: string; counted: string }>(
        'select (select count(*) from events where campaign_id = $1) as stored, (select coalesce(sum(events), 0) from variant_counters where campaign_id = $1) as counted',
        [campaignId],
      );
      stored = Number(r.rows[0]!.stored);
      counted = Number(r.rows[0]!.counted);
      if (stored === previous) break;
      await new Promise((res) => setTimeout(res, 500));
    }
  } finally {
    await pg.end();
  }
  return {
    eventsPerSecond: acknowledged / DURATION_S,
    p99: Math.max(...results.map((r) => r.p99)),
    non2xx: results.reduce((a, r) => a + r.non2xx, 0),
    counted: stored === counted && counted >= acknowledged,
  };
}

export async function main(): Promise<void> {
  header(`several instances on one PostgreSQL: ingestion (${CONNECTIONS} connections, ${DURATION_S} s) and fan-out (${FANOUT.subscribers} subscribers @ ${FANOUT.rate} events/s, window ${WINDOW_MS} ms), 1 vs 2 instances`, COMMAND);
  const bench = await startBenchDatabase();
  const servers: ServerProcess[] = [];
  try {
    servers.push(...(await startServers(bench, 1)));
    const one = { ingest: await measureIngestion(bench, servers), fan: await measureFanout(bench, servers, FANOUT.subscribers, FANOUT.rate) };
    servers.push(...(await startServers(bench, 1)));
    const two = { ingest: await measureIngestion(bench, servers), fan: await measureFanout(bench, servers, FANOUT.subscribers, FANOUT.rate) };
    const line = (n: number, r: { ingest: Ingestion; fan: FanoutFigures }) =>
      `   ${n} instance${n > 1 ? 's' : ' '}: ingestion ${Math.round(r.ingest.eventsPerSecond).toLocaleString('en-US')} events/s p99 ${r.ingest.p99} ms` +
      `${r.ingest.non2xx ? ` (non-2xx ${r.ingest.non2xx})` : ''}, counters ${r.ingest.counted ? 'OK' : 'MISMATCH'} | fan-out freshness p50/p99 ${r.fan.fresh.percentile(50)}/${r.fan.fresh.percentile(99)} ms, ` +
      `delivery p99 ${r.fan.delivery.percentile(99)} ms, last = final on ${r.fan.lastEqualFinal}/${r.fan.subscribers}, RSS peak ${r.fan.rssPeakMb.map((m) => m.toFixed(0)).join(' + ')} MB`;
    console.log(line(1, one));
    console.log(line(2, two));
    console.log(
      `   ratio 2 / 1: ingestion ${(two.ingest.eventsPerSecond / one.ingest.eventsPerSecond).toFixed(2)}, fan-out freshness p99 ${(two.fan.fresh.percentile(99) / one.fan.fresh.percentile(99)).toFixed(2)} ` +
        `(target: measured and reported; every counter and every last message correct with 2 instances: ${two.ingest.counted && two.fan.lastEqualFinal === two.fan.subscribers ? 'OK' : 'NOT MET'})`,
    );
    console.log(`   server RSS now: ${servers.map((s) => vmHwmMb(s.child.pid!).toFixed(0)).join(' / ')} MB (peak of each process's life)`);
    if (!(two.ingest.counted && one.ingest.counted)) process.exitCode = 1;
  } finally {
    await stopServers(servers);
    await bench.close();
  }
}

runIfMain(module, main);
