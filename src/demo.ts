/**
 * `npm run demo`: a live A/B/C test on the embedded database with the simulator as provider.
 * Creates a demo workspace with 3,000 contacts and a running campaign whose variants convert at
 * different true rates, prints its API key and a subscription to watch, and keeps serving while a
 * winner emerges (usually within a few minutes). Ctrl-C stops it.
 */
import { createApp } from './app';
import { loadConfig } from './config';

const CONTACTS = 3000;

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, DATA_DIR: process.env.DATA_DIR ?? './.data-demo', JOBS: 'on', SEND_PROVIDER: 'simulator', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const app = await createApp(config);
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const adminKey = app.generatedAdminKey ?? config.adminApiKey ?? (await import('node:fs')).readFileSync(`${config.dataDir}/admin-api-key`, 'utf8').trim();
  const gql = async <T>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data: T; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };

  const stamp = new Date().toISOString().slice(0, 19);
  const { createApiKey } = await gql<{ createApiKey: { secret: string } }>(
    adminKey,
    'mutation($w: String!) { createApiKey(name: "demo", scopes: [ADMIN], workspaceName: $w) { secret } }',
    { w: `Demo ${stamp}` },
  );
  const key = createApiKey.secret;
  // No provider secret needed: the simulator signs its webhooks with a secret it creates itself.
  await gql(key, 'mutation { updateWorkspaceSettings(input: { sendRatePerSecond: 200, timezone: "Europe/Lisbon" }) { id } }');
  const segments = ['gold', 'silver', 'bronze'];
  for (let i = 0; i < CONTACTS; i += 1000) {
    const contacts = Array.from({ length: Math.min(1000, CONTACTS - i) }, (_, j) => ({
      externalId: `demo-${i + j}`,
      phone: `+1415${String(2000000 + i + j).padStart(7, '0')}`,
      firstName: ['Ana', 'Bo', 'Cy', 'Di', 'Ed'][(i + j) % 5],
      segment: segments[(i + j) % 3],
      tags: ['demo'],
      consent: true,
    }));
    await gql(key, 'mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', { c: contacts });
  }
  const { createCampaign } = await gql<{ createCampaign: { id: string } }>(
    key,
    `mutation { createCampaign(input: {
      name: "Spring sale (demo)", type: AB_TEST, costPerMessage: 0.0079, offerAmount: 2,
      audience: { tags: ["demo"] },
      experiment: { primaryMetric: CONVERSION, method: SEQUENTIAL, confidenceLevel: 0.95, minSampleSize: 200 },
      variants: [
        { key: "A", template: "Hi {first_name}, spring sale: 10% off today https://shop.example/spring" },
        { key: "B", template: "{first_name}, free shipping this weekend only https://shop.example/ship" },
        { key: "C", template: "{first_name}! 20% off your next order - ends tonight https://shop.example/20" }
      ] }) { id } }`,
  );
  const campaignId = createCampaign.id;
  // True rates the simulator answers with: C converts best.
  await app.orm.em.fork().getConnection().execute('update campaigns set simulation = ?::jsonb where id = ?', [
    JSON.stringify({
      A: { conversion: 0.04, click: 0.1, revenue: 35, delayMs: 20000 },
      B: { conversion: 0.06, click: 0.12, revenue: 35, delayMs: 20000 },
      C: { conversion: 0.12, click: 0.2, revenue: 30, delayMs: 20000 },
    }),
    campaignId,
  ]);
  await gql(key, 'mutation($id: ID!) { launchCampaign(id: $id) { status } }', { id: campaignId });

  const ws = app.url.replace('http', 'ws');
  console.log(
    [
      '',
      `Splitcast demo running at ${app.url}/graphql`,
      `Workspace API key: ${key}`,
      `Campaign: ${campaignId} (A/B/C, ${CONTACTS} recipients, simulated provider; C converts best)`,
      '',
      'Watch it live (graphql-ws on the same URL):',
      `  connectionParams: { "authorization": "Bearer ${key}" }`,
      `  subscription { variantStatsUpdated(campaignId: "${campaignId}") { at variants { variantId sent delivered clicked converted conversionRate } analysis { status leader { key } winner { key } recommendations } } }`,
      `  e.g. with wscat -c ${ws}/graphql -s graphql-transport-ws, then send {"type":"connection_init","payload":{"authorization":"Bearer ${key}"}}`,
      '',
      'Or poll:',
      `  curl -s ${app.url}/graphql -H 'authorization: Bearer ${key}' -H 'content-type: application/json' \\`,
      `    -d '{"query":"{ campaign(id: \\"${campaignId}\\") { analysis { status leader { key } winner { key } recommendations } } }"}'`,
      '',
    ].join('\n'),
  );

  const timer = setInterval(async () => {
    try {
      const { campaign } = await gql<{ campaign: { variants: { key: string; stats: { sent: number; converted: number } }[]; analysis: { status: string; winner: { key: string } | null } | null } }>(
        key,
        'query($id: ID!) { campaign(id: $id) { variants { key stats { sent converted } } analysis { status winner { key } } } }',
        { id: campaignId },
      );
      const line = campaign.variants.map((v) => `${v.key}: ${v.stats.converted}/${v.stats.sent}`).join('  ');
      console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}  → ${campaign.analysis?.status}${campaign.analysis?.winner ? ` (winner ${campaign.analysis.winner.key})` : ''}`);
      if (campaign.analysis?.status === 'WINNER_DECLARED') {
        clearInterval(timer);
        console.log('A winner was declared automatically. The server keeps running: Ctrl-C to stop.');
      }
    } catch (err) {
      console.error(err);
    }
  }, 10_000);
  timer.unref();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
