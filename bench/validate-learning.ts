/**
 * `npm run validate:learning`: the learning validation at full scale. A known-truth world
 * (test/learning/world.ts; default 5,000 contacts in 8 segments, ~108k messages over 90 days, one
 * campaign per day and offer) is written through the public API into a fresh server on its own
 * embedded PostgreSQL, the optimization jobs run once (the nightly path; LEARNING_ON_DEMAND=1 skips
 * them and measures the on-demand paths instead), and every learning figure is scored against the
 * truth. Prints a table and writes it as the `## Learning validation` section of BENCHMARKS.md
 * (replacing an earlier one). Before the world, a 1,000-contact world is written twice, events
 * through `POST /v1/events` and through `trackEvents`, to choose the faster transport by measurement.
 *
 * Environment: LEARNING_CONTACTS (5000), LEARNING_SEGMENTS (8), LEARNING_SEED (20261201),
 * LEARNING_PERIOD_DAYS (1), LEARNING_ON_DEMAND (unset), LEARNING_NO_WRITE_FILE (unset: write BENCHMARKS.md).
 * Run: npm run validate:learning   (compiles, then node dist/bench/validate-learning.js)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  evaluateAffinity,
  evaluateModel,
  evaluateOffers,
  evaluateSendTime,
  figuresTable,
  ISSUE_TARGETS,
  LEARNING_SECTION,
  offersTable,
  withSection,
  type Figures,
} from '../test/learning/evaluate';
import { generateWorld, startDateEndingBefore } from '../test/learning/world';
import { writeMerchantNames, writeWorld } from '../test/learning/writer';
import { startBenchApp, timed } from './support';
import { section } from './report';
import { runIfMain } from './entry';

const COMMAND = 'npm run validate:learning';
const SECTION = LEARNING_SECTION;

const envNumber = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
};

const rate = (events: number, ms: number) => `${Math.round((events / ms) * 1000).toLocaleString('en-US')} events/s`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function main(): Promise<void> {
  const contacts = envNumber('LEARNING_CONTACTS', 5000);
  const segments = envNumber('LEARNING_SEGMENTS', 8);
  const seed = envNumber('LEARNING_SEED', 20261201);
  const periodDays = envNumber('LEARNING_PERIOD_DAYS', 1);
  const onDemand = Boolean(process.env.LEARNING_ON_DEMAND);
  const now = new Date();
  const startDate = startDateEndingBefore(now, 90);

  section(`learning validation: ${contacts.toLocaleString('en-US')} contacts, ${segments} segments, seed ${seed}`, COMMAND);
  const env = await startBenchApp({ RATE_LIMIT: 'off', JOBS: onDemand ? 'off' : 'on' });
  const { t } = env;
  const lines: string[] = [];
  const log = (line: string) => {
    console.log(`   ${line}`);
    lines.push(line);
  };
  try {
    // Transport: the same 1,000-contact world through each, in its own workspace.
    const sample = generateWorld({ contacts: 1000, segments, seed: seed + 1, startDate, campaignPeriodDays: 7, tag: 'transport' });
    const viaRest = await writeWorld(t, await t.newWorkspaceKey('transport-rest'), sample, { via: 'rest' });
    const viaGraphql = await writeWorld(t, await t.newWorkspaceKey('transport-graphql'), sample, { via: 'graphql' });
    log(`event transport (${viaRest.events.toLocaleString('en-US')} events, batches of 1,000, 4 in flight): POST /v1/events ${rate(viaRest.events, viaRest.timings.events)}, trackEvents ${rate(viaGraphql.events, viaGraphql.timings.events)}`);
    const via = viaRest.timings.events <= viaGraphql.timings.events ? 'rest' : 'graphql';

    const generated = await timed(async () => generateWorld({ contacts, segments, seed, startDate, campaignPeriodDays: periodDays, tag: 'world' }));
    const world = generated.value;
    const engaged = world.messages.filter((m) => m.engaged).length;
    const converted = world.messages.filter((m) => m.converted).length;
    log(
      `world: ${world.contacts.length.toLocaleString('en-US')} contacts, ${world.messages.length.toLocaleString('en-US')} messages (${engaged.toLocaleString('en-US')} engaged, ${converted.toLocaleString('en-US')} converted), ` +
        `${world.visits.length.toLocaleString('en-US')} merchant visits, ${world.campaigns.length} campaigns, ${world.merchants.length} merchants, offers ${world.options.offers.join('/')}, days ${startDate} + 90; generated in ${seconds(generated.ms)}`,
    );
    const key = await t.newWorkspaceKey('learning');
    const written = await writeWorld(t, key, world, { via });
    log(
      `written through the public API in ${seconds(written.timings.total)}: contacts ${seconds(written.timings.contacts)}, campaigns + recipients ${seconds(written.timings.campaigns)}, ` +
        `${written.events.toLocaleString('en-US')} events ${seconds(written.timings.events)} (${rate(written.events, written.timings.events)}, ${via === 'rest' ? 'POST /v1/events' : 'trackEvents'})`,
    );

    const figures: Partial<Figures> = {};
    const missing: Partial<Record<keyof Figures, string>> = {};
    const attempt = async <K extends keyof Figures>(part: K, fn: () => Promise<Figures[K]>) => {
      try {
        figures[part] = await fn();
      } catch (e) {
        missing[part] = e instanceof Error ? e.message : String(e);
        log(`${part}: not measured — ${missing[part]!.slice(0, 300)}`);
      }
    };
    const job = async (name: string) => {
      if (onDemand) return;
      const run = await timed(() => t.app.scheduler!.runNow(name));
      log(`job "${name}": ${seconds(run.ms)}`);
    };

    await attempt('sendTime', async () => {
      await job('optimization: send time');
      return evaluateSendTime(t, key, world, written);
    });
    if (figures.sendTime) log(`sendTimeRecommendation for ${contacts.toLocaleString('en-US')} contacts (100 per request): ${seconds(figures.sendTime.ms)}; basis ${JSON.stringify(figures.sendTime.basis)}`);
    await attempt('affinity', async () => {
      await writeMerchantNames(t, key, world);
      await job('optimization: merchant affinity');
      return evaluateAffinity(t, key, world, written);
    });
    if (figures.affinity) log(`merchantAffinity for ${contacts.toLocaleString('en-US')} contacts (100 per request): ${seconds(figures.affinity.ms)}`);
    await attempt('offers', () => evaluateOffers(t, key, world));
    if (figures.offers) log(`generateRecommendations: ${seconds(figures.offers.ms)}`);
    await attempt('model', () => evaluateModel(t, key, world, now));
    if (figures.model) log(`trainModel: ${seconds(figures.model.ms)} (model version ${figures.model.version}, ${figures.model.samples} samples)`);

    // Other work on the machine changes every timing above (not the figures): say how busy it was.
    log(`load average at the end (1 / 5 / 15 min): ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
    const table = figuresTable(figures, ISSUE_TARGETS, missing);
    console.log(`\n${table}\n`);
    if (figures.offers) console.log(`${offersTable(figures.offers)}\n`);

    const section = [
      SECTION,
      '',
      `Measured ${now.toISOString().slice(0, 10)} on node ${process.version} (${process.platform}/${process.arch}), embedded PostgreSQL on the same machine, by \`${COMMAND}\``,
      `(LEARNING_CONTACTS=${contacts} LEARNING_SEGMENTS=${segments} LEARNING_SEED=${seed} LEARNING_PERIOD_DAYS=${periodDays}${onDemand ? ' LEARNING_ON_DEMAND=1' : ''}).`,
      'The world and its truth: test/learning/world.ts; the scoring: test/learning/evaluate.ts.',
      '',
      ...lines.map((l) => `- ${l}`),
      '',
      table,
      ...(figures.offers ? ['', offersTable(figures.offers)] : []),
      '',
    ].join('\n');
    if (!process.env.LEARNING_NO_WRITE_FILE) {
      const file = join(__dirname, '..', '..', 'BENCHMARKS.md');
      const before = await readFile(file, 'utf8').catch(() => '');
      await writeFile(file, withSection(before, section));
      console.log(`   written to ${file} (section "${SECTION}")`);
    }
  } finally {
    await env.close();
  }
}

runIfMain(module, main);
