/**
 * Send throughput: a launched campaign of 2,000 recipients through the sender and the simulator
 * (rate limit out of the way), on embedded PostgreSQL, beside the simulator's own accept rate in
 * the same process (what the provider alone allows).
 * Run: npm run compile && node dist/bench/send.js   (or `npm run bench`)
 */
import { SimulatorProvider } from '../src/sending/providers/simulator';
import { CreateCampaignDocument, LaunchCampaignDocument, UpdateWorkspaceSettingsDocument, ViewerDocument } from '../test/generated/graphql';
import { startBenchApp, timed } from './support';
import { section } from './report';
import { runIfMain } from './entry';
import { Channel } from '../src/domain/channel';

const COMMAND = 'node dist/bench/send.js';
/** SEND_BENCH_RECIPIENTS=100000 for the large campaign (the "fully sent in < 60 s"). */
const RECIPIENTS = Number(process.env.SEND_BENCH_RECIPIENTS) || 2000;
/** Issue 15, target 2. */
const TARGET_PER_SECOND = 2000;
const TARGET_LARGE_SECONDS = 60;
const LARGE = 100_000;

export async function main(): Promise<void> {
  const s = section(`sender: ${RECIPIENTS.toLocaleString('en-US')} messages through the sender and the simulator`, RECIPIENTS === 2000 ? COMMAND : `SEND_BENCH_RECIPIENTS=${RECIPIENTS} ${COMMAND}`);
  // Baseline: the simulator accepting messages, no database (its follow-up events switched off).
  const sim = new SimulatorProvider({ publicUrl: 'http://127.0.0.1:9', rates: async () => ({ delivery: 0, click: 0, reply: 0, open: 0, conversion: 0, revenue: 0, stopShare: 0, delayMs: 1 }), logger: { warn: () => undefined } });
  // At least 20,000 sends: 2,000 take a few milliseconds, too short to measure on a shared machine.
  const baseSends = Math.max(RECIPIENTS, 20_000);
  const base = await timed(async () => {
    for (let i = 0; i < baseSends; i++) {
      await sim.send({ channel: Channel.SMS, to: '+14155550000', body: 'x', idempotencyKey: `b${i}`, campaignId: 'c', contactId: 'k', variantId: 'v', links: [], system: true }, { id: 'w', twilioAuthToken: 't' });
    }
  });
  await sim.close();

  const basePerSecond = (baseSends / base.ms) * 1000;

  const unlimited = await sendRun(s, {});
  if (!unlimited) return;
  const perSecond = unlimited.perSecond;
  s.figure({
    name: `end-to-end send rate, ${RECIPIENTS.toLocaleString('en-US')} recipients (ratio: vs the simulator accepting alone)`,
    measured: `${Math.round(perSecond).toLocaleString('en-US')} messages/s`,
    baseline: `simulator accepting alone, same process: ${Math.round(basePerSecond).toLocaleString('en-US')} /s`,
    ratio: perSecond / basePerSecond,
    target: `≥ ${TARGET_PER_SECOND.toLocaleString('en-US')} messages/s`,
    met: perSecond >= TARGET_PER_SECOND,
  });
  if (RECIPIENTS >= LARGE) {
    s.figure({
      name: `${RECIPIENTS.toLocaleString('en-US')} recipients, launch → all sent (ratio: vs the simulator accepting as many alone)`,
      measured: `${(unlimited.ms / 1000).toFixed(1)} s`,
      baseline: `simulator accepting ${RECIPIENTS.toLocaleString('en-US')} alone: ${(RECIPIENTS / basePerSecond).toFixed(1)} s`,
      ratio: unlimited.ms / 1000 / (RECIPIENTS / basePerSecond),
      target: `< ${TARGET_LARGE_SECONDS} s`,
      met: unlimited.ms < TARGET_LARGE_SECONDS * 1000,
    });
    return;
  }
  s.log(`the ${LARGE.toLocaleString('en-US')}-recipient target: SEND_BENCH_RECIPIENTS=${LARGE} ${COMMAND}`);
  // The same campaign on a plan with a monthly limit: the sender's plan stage (one grant statement
  // per workspace and batch) is the only difference.
  const limited = await sendRun(s, { PLANS: JSON.stringify([{ name: 'metered', maxVariants: 8, monthlyMessages: 100_000_000, channels: ['SMS', 'WHATSAPP', 'EMAIL'], features: ['BANDIT', 'LEARNING'] }]) });
  if (!limited) return;
  s.log(`with the monthly limit: ${limited.counted.toLocaleString('en-US')} messages counted in plan_usage`);
  s.figure({
    name: `send rate on a plan with a monthly limit (ratio: vs the same campaign unlimited, this run)`,
    measured: `${Math.round(limited.perSecond).toLocaleString('en-US')} messages/s`,
    baseline: `unlimited: ${Math.round(perSecond).toLocaleString('en-US')} messages/s`,
    ratio: limited.perSecond / perSecond,
  });
}

/** One app, one launched campaign of RECIPIENTS sent through the simulator; null when it failed. */
async function sendRun(s: ReturnType<typeof section>, env: Record<string, string>): Promise<{ ms: number; perSecond: number; counted: number } | null> {
  const app = await startBenchApp({ JOBS: 'on', LOG_LEVEL: 'warn', ...env });
  const { t } = app;
  try {
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'bench-token', sendRatePerSecond: 10000 } });
    const { viewer } = await t.ok(ViewerDocument);
    const db = t.app.orm.em.fork().getConnection();
    await db.execute(
      `insert into contacts (id, workspace_id, external_id, phone, tags, consent_channels)
       select gen_random_uuid(), ?, 's-' || g, '+1415' || lpad((7000000 + g)::text, 7, '0'), array['send'], array['SMS', 'WHATSAPP', 'EMAIL'] from generate_series(1, ?) g`,
      [viewer.workspace.id, RECIPIENTS],
    );
    const { createCampaign } = await t.ok(CreateCampaignDocument, {
      input: { name: 'send bench', type: 'AB_TEST', audience: { tags: ['send'] }, variants: [{ template: 'Hi {first_name|there} https://shop.example/a' }, { template: 'Hello https://shop.example/b' }] },
    });
    let launchMs = 0;
    const run = await timed(async () => {
      const t0 = performance.now();
      await t.ok(LaunchCampaignDocument, { id: createCampaign.id });
      launchMs = performance.now() - t0;
      for (;;) {
        const [row] = await db.execute<{ n: string }[]>(`select count(*) as n from sends where campaign_id = ? and status = 'SENT'`, [createCampaign.id]);
        if (Number(row!.n) >= RECIPIENTS) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const perSecond = (RECIPIENTS / run.ms) * 1000;
    const label = Object.keys(env).length ? ' (monthly limit)' : '';
    s.log(`launch → all ${RECIPIENTS.toLocaleString('en-US')} sent${label}: ${(run.ms / 1000).toFixed(2)} s, ${Math.round(perSecond).toLocaleString('en-US')} messages/s`);
    s.log(`of which launchCampaign (assign and queue): ${(launchMs / 1000).toFixed(2)} s; sending after it: ${Math.round((RECIPIENTS / (run.ms - launchMs)) * 1000).toLocaleString('en-US')} messages/s`);
    // The simulator's playback (status callbacks, clicks, replies through the signed webhooks) runs
    // beside the sends, at most SIMULATOR_MAX_REQUESTS at a time, and goes on after the last send.
    const [played] = await db.execute<{ n: string }[]>(`select count(*) as n from events where campaign_id = ? and type in ('DELIVERED', 'FAILED')`, [createCampaign.id]);
    s.log(`status callbacks processed by then: ${Number(played!.n).toLocaleString('en-US')} of ${RECIPIENTS.toLocaleString('en-US')} (the playback goes on after the sends)`);
    // Every message and its link were recorded before the provider call: none is missing.
    const [rec] = await db.execute<{ messages: string; links: string; unsent: string }[]>(
      `select count(*) as messages, (select count(*) from links where campaign_id = ?) as links, count(*) filter (where provider_message_id is null) as unsent
       from messages where campaign_id = ?`,
      [createCampaign.id, createCampaign.id],
    );
    s.log(`recorded: ${Number(rec!.messages).toLocaleString('en-US')} messages, ${Number(rec!.links).toLocaleString('en-US')} links, ${Number(rec!.unsent)} without a provider id`);
    const [usage] = await db.execute<{ n: string | null }[]>(`select sum(sent) as n from plan_usage where workspace_id = ?`, [viewer.workspace.id]);
    return { ms: run.ms, perSecond, counted: Number(usage?.n ?? 0) };
  } catch (e) {
    s.fail(e);
    return null;
  } finally {
    await app.close();
  }
}

runIfMain(module, main);
