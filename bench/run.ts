/**
 * `npm run bench`: every benchmark in turn, then BENCHMARKS.md from what they measured (the
 * sections this run does not measure, KEPT_SECTIONS, are kept as they are).
 * A bench that fails is reported as failed in the file and makes the run exit 1; the others still run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { LEARNING_SECTION } from '../test/learning/evaluate';
import { main as analysis } from './analysis';
import { main as assign } from './assign';
import { main as attribution } from './attribution';
import { main as dashboard } from './dashboard';
import { main as dashboardLoad } from './dashboard-load';
import { main as fanout } from './fanout';
import { main as instances } from './instances';
import { main as affinity } from './affinity';
import { main as idle } from './idle';
import { main as ingest } from './ingest';
import { main as learning } from './learning';
import { main as send } from './send';
import { main as sendTime } from './send-time';
import { machine, markdownSection, recordedSections, renderBenchmarks, section } from './report';

/** Sections of BENCHMARKS.md that this run does not write: kept as they are. */
const KEPT_SECTIONS = [
  LEARNING_SECTION, // written by `npm run validate:learning`
  '## Dashboard profile', // where a dashboard request's time goes, measured by hand with BENCH_CPU_PROFILE (see bench/dashboard.ts)
];

const BENCHES: [string, () => Promise<unknown>][] = [
  ['idle memory', idle],
  ['assignment', assign],
  ['ingestion', ingest],
  ['analysis', analysis],
  ['dashboard', dashboard],
  ['dashboard load', dashboardLoad], // needs `npm run build:web` (the built bundle) and Chromium
  ['fan-out', fanout],
  ['instances', instances],
  ['sender', send],
  ['send time', sendTime],
  ['learning', () => learning({ quick: true })],
  ['merchant affinity', affinity],
  ['attribution', attribution],
];

async function run(): Promise<void> {
  const m = machine();
  console.log(`Splitcast benchmarks — node ${m.node}, ${m.cores} × ${m.cpu}, ${m.date}`);
  const only = process.env.BENCH_ONLY?.split(',');
  let failed = 0;
  for (const [name, bench] of BENCHES) {
    if (only && !only.includes(name)) continue;
    const before = recordedSections().length;
    try {
      await bench();
    } catch (e) {
      failed++;
      console.error(e);
      // Report the failure in the bench's last section, or in a section of its own if it had none.
      const list = recordedSections();
      if (list.length > before) list[list.length - 1]!.failure = e instanceof Error ? e.message : String(e);
      else section(name, 'npm run bench').fail(e);
    }
    for (const s of recordedSections().slice(before)) s.bench = name;
  }
  m.loadEnd = loadavg();
  if (only) {
    console.log('\nBENCH_ONLY is set: BENCHMARKS.md is left as it is (it holds whole runs only).');
    process.exitCode = failed ? 1 : 0;
    return;
  }
  const file = join(__dirname, '..', '..', 'BENCHMARKS.md');
  const before = await readFile(file, 'utf8').catch(() => '');
  const kept = KEPT_SECTIONS.map((heading) => markdownSection(before, heading)).filter(Boolean);
  await writeFile(file, renderBenchmarks(m, recordedSections()) + kept.map((k) => `\n${k}\n`).join(''));
  console.log(`\nwritten to ${file}${failed ? ` (${failed} bench${failed > 1 ? 'es' : ''} failed)` : ''}`);
  if (failed) process.exitCode = 1;
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
