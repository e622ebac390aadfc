/**
 * `npm run demo`: live tests on the embedded database with the simulator as provider, one per
 * channel: an SMS A/B/C test on conversions, an email subject-line test on opens and a WhatsApp
 * template test on replies. Creates a demo workspace with 3,000 contacts, launches the three
 * campaigns whose variants behave at different true rates, prints the API key and a subscription
 * to watch, and keeps serving while winners emerge (usually within a few minutes). Ctrl-C stops it.
 */
import { createApp } from './app';
import { loadConfig } from './config';

const CONTACTS = 3000;

async function main(): Promise<void> {
  // No plans: the demo makes its own workspace with the admin key, which configured plans keep for the operator.
  const config = loadConfig({ ...process.env, DATA_DIR: process.env.DATA_DIR ?? './.data-demo', JOBS: 'on', SEND_PROVIDER: 'simulator', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', PLANS: '', DEFAULT_PLAN: '' });
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
      email: `demo-${i + j}@example.com`,
      firstName: ['Ana', 'Bo', 'Cy', 'Di', 'Ed'][(i + j) % 5],
      segment: segments[(i + j) % 3],
      tags: ['demo'],
      consent: true,
    }));
    await gql(key, 'mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', { c: contacts });
  }
  const launch = async (name: string, input: string, simulation: Record<string, Record<string, number>>): Promise<{ id: string; name: string }> => {
    const { createCampaign } = await gql<{ createCampaign: { id: string } }>(key, `mutation { createCampaign(input: { name: "${name}", ${input} }) { id } }`);
    // True rates the simulator answers with.
    await app.orm.em.fork().getConnection().execute('update campaigns set simulation = ?::jsonb where id = ?', [JSON.stringify(simulation), createCampaign.id]);
    await gql(key, 'mutation($id: ID!) { launchCampaign(id: $id) { status } }', { id: createCampaign.id });
    return { id: createCampaign.id, name };
  };
  const experiment = (metric: string) => `experiment: { primaryMetric: ${metric}, method: SEQUENTIAL, confidenceLevel: 0.95, minSampleSize: 200 }`;
  const campaigns = [
    await launch(
      'Spring sale SMS (demo)',
      `type: AB_TEST, costPerMessage: 0.0079, offerAmount: 2, audience: { tags: ["demo"] }, ${experiment('CONVERSION')},
      variants: [
        { key: "A", template: "Hi {first_name}, spring sale: 10% off today https://shop.example/spring" },
        { key: "B", template: "{first_name}, free shipping this weekend only https://shop.example/ship" },
        { key: "C", template: "{first_name}! 20% off your next order - ends tonight https://shop.example/20" }
      ]`,
      {
        A: { conversion: 0.04, click: 0.1, revenue: 35, delayMs: 20000 },
        B: { conversion: 0.06, click: 0.12, revenue: 35, delayMs: 20000 },
        C: { conversion: 0.12, click: 0.2, revenue: 30, delayMs: 20000 },
      },
    ),
    await launch(
      'Spring newsletter subject lines (demo)',
      `channel: EMAIL, type: AB_TEST, costPerMessage: 0.0004, audience: { tags: ["demo"] }, ${experiment('OPEN')},
      variants: [
        { key: "A", subject: "Our spring collection is here", template: "Hi {first_name}, the spring collection is in: https://shop.example/spring", html: "<p>Hi {first_name},</p><p>The <a href=\\"https://shop.example/spring\\">spring collection</a> is in.</p>" },
        { key: "B", subject: "{first_name}, 10% off spring - today only", template: "Hi {first_name}, 10% off the spring collection today: https://shop.example/spring", html: "<p>Hi {first_name},</p><p><a href=\\"https://shop.example/spring\\">10% off spring</a>, today only.</p>" }
      ]`,
      {
        A: { open: 0.18, click: 0.03, conversion: 0.01, revenue: 40, delivery: 0.98, delayMs: 20000 },
        B: { open: 0.27, click: 0.05, conversion: 0.015, revenue: 40, delivery: 0.98, delayMs: 20000 },
      },
    ),
    await launch(
      'WhatsApp restock alert (demo)',
      `channel: WHATSAPP, type: AB_TEST, costPerMessage: 0.0147, audience: { tags: ["demo"] }, ${experiment('REPLY')},
      variants: [
        { key: "A", template: "Hi {first_name}, your favourites are back in stock.", whatsappTemplate: { name: "restock_alert", language: "en_US", parameters: ["{first_name}"] } },
        { key: "B", template: "Hi {first_name}, your favourites are back - reply YES to reserve one.", whatsappTemplate: { name: "restock_reserve", language: "en_US", parameters: ["{first_name}"] } }
      ]`,
      {
        A: { open: 0.7, reply: 0.04, conversion: 0.02, revenue: 30, delayMs: 20000 },
        B: { open: 0.7, reply: 0.09, conversion: 0.03, revenue: 30, delayMs: 20000 },
      },
    ),
  ];
  const campaignId = campaigns[0]!.id;

  const ws = app.url.replace('http', 'ws');
  console.log(
    [
      '',
      `Splitcast demo running at ${app.url}/graphql`,
      `Workspace API key: ${key}`,
      `Campaigns (${CONTACTS} recipients each, simulated providers):`,
      `  SMS A/B/C on conversions (C converts best): ${campaigns[0]!.id}`,
      `  email subject lines on opens (B opens best): ${campaigns[1]!.id}`,
      `  WhatsApp templates on replies (B gets more replies): ${campaigns[2]!.id}`,
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

  const decided = new Set<string>();
  const timer = setInterval(async () => {
    try {
      for (const c of campaigns) {
        const { campaign } = await gql<{ campaign: { experiment: { primaryMetric: string }; variants: { key: string; stats: Record<string, number> }[]; analysis: { status: string; winner: { key: string } | null } | null } }>(
          key,
          'query($id: ID!) { campaign(id: $id) { experiment { primaryMetric } variants { key stats { sent opened replied converted } } analysis { status winner { key } } } }',
          { id: c.id },
        );
        const fact = ({ OPEN: 'opened', REPLY: 'replied' } as Record<string, string>)[campaign.experiment.primaryMetric] ?? 'converted';
        const line = campaign.variants.map((v) => `${v.key}: ${v.stats[fact]}/${v.stats.sent} ${fact}`).join('  ');
        console.log(`[${new Date().toISOString().slice(11, 19)}] ${c.name.padEnd(40)} ${line}  → ${campaign.analysis?.status}${campaign.analysis?.winner ? ` (winner ${campaign.analysis.winner.key})` : ''}`);
        if (campaign.analysis?.status === 'WINNER_DECLARED') decided.add(c.id);
      }
      if (decided.size === campaigns.length) {
        clearInterval(timer);
        console.log('Every test has a winner, declared automatically. The server keeps running: Ctrl-C to stop.');
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
