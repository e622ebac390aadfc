/**
 * The default provider on a fresh server, exactly as `npm start` runs it (child process, default
 * SEND_PROVIDER, the bootstrap workspace with no provider secrets): a launch reaches every
 * consenting contact and the simulated deliveries come back; a send that cannot be made says why,
 * in the API (`sendFailures`) and in the log. Then the same database under SEND_PROVIDER=twilio:
 * the simulator's secret no longer opens the Twilio webhook, and the provider's refusal is the
 * reason shown.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';
import { createTestDatabase, dropTestDatabase } from '../helpers/harness';
import { until } from '../helpers/until';
import { startServerProcess, type ServerProcess } from '../helpers/process';

const KEY = `sk_box_${randomBytes(12).toString('hex')}`;
let databaseUrl: string;
let db: Client;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  db = new Client({ connectionString: databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await dropTestDatabase(databaseUrl);
});

interface View {
  campaign: {
    stats: { sent: number; delivered: number; failed: number };
    runs: { sent: number; failed: number; pending: number; retrying: number }[];
    sendFailures: { error: string; at: string; contact: { id: string; externalId: string } }[];
  };
}
const VIEW = `query($id: ID!) { campaign(id: $id) {
  stats { sent delivered failed }
  runs { sent failed pending retrying }
  sendFailures { error at contact { id externalId } }
} }`;


async function launch(server: ServerProcess, name: string): Promise<string> {
  const { createCampaign } = await server.gql<{ createCampaign: { id: string } }>(
    'mutation($n: String!) { createCampaign(input: { name: $n, audience: { tags: ["box"] }, variants: [{ template: "Hello https://shop.example/x" }] }) { id } }',
    { n: name },
  );
  await db.query('update campaigns set simulation = $2::jsonb where id = $1', [createCampaign.id, JSON.stringify({ A: { delivery: 1, reply: 0, conversion: 0, delayMs: 300 } })]);
  await server.gql('mutation($id: ID!) { launchCampaign(id: $id) { status } }', { id: createCampaign.id });
  return createCampaign.id;
}

const logLines = (server: ServerProcess) =>
  server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

it('sends with the default simulator and no setup; a failed send shows its reason in the API and once in the log', async () => {
  let server = await startServerProcess(databaseUrl, KEY, { JOBS: 'on', NODE_OPTIONS: '', LOG_LEVEL: 'warn' });
  try {
    await server.gql('mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', {
      c: [
        ...Array.from({ length: 4 }, (_, i) => ({ externalId: `box-${i}`, phone: `+1415${7000000 + i}`, consent: true, tags: ['box'] })),
        { externalId: 'box-nophone', email: 'nophone@example.com', consent: true, tags: ['box'] },
      ],
    });
    const id = await launch(server, 'out of the box');
    // A status callback that overtakes the sender's commit of its message is parked and processed
    // by the webhook retry job (every minute): allow for that path too.
    const { campaign } = await until(() => server.gql<View>(VIEW, { id }), (v) => v.campaign.stats.delivered === 4 && v.campaign.runs[0]?.pending === 0, 75_000);
    expect(campaign.stats).toEqual({ sent: 4, delivered: 4, failed: 1 });
    expect(campaign.runs).toEqual([{ sent: 4, failed: 1, pending: 0, retrying: 0 }]);
    expect(campaign.sendFailures).toHaveLength(1);
    expect(campaign.sendFailures[0]).toMatchObject({ error: 'the contact has no phone number', contact: { externalId: 'box-nophone' } });

    // The log says it once, at warn, with the campaign, contact, run and reason.
    const [send] = (await db.query<{ run_id: string }>(`select run_id from sends where campaign_id = $1 and status = 'FAILED'`, [id])).rows;
    const failed = logLines(server).filter((l) => l.msg === 'send failed; it will not be retried');
    expect(failed).toEqual([
      expect.objectContaining({ level: 40, campaignId: id, contactId: campaign.sendFailures[0]!.contact.id, runId: send!.run_id, error: 'the contact has no phone number', willRetry: false }),
    ]);
    // Every simulated webhook was accepted (signed with the simulator's own secret).
    expect(server.output()).not.toContain('was not accepted');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }

  // The same data under the Twilio provider: the simulator's secret opens nothing, and the
  // provider's refusal (no Twilio credentials) is each failure's reason.
  server = await startServerProcess(databaseUrl, KEY, { JOBS: 'on', NODE_OPTIONS: '', LOG_LEVEL: 'warn', SEND_PROVIDER: 'twilio' });
  try {
    const [ws] = (await db.query<{ id: string; secret: string }>(`select id, simulator_signing_secret as secret from workspaces where simulator_signing_secret is not null`)).rows;
    expect(ws).toBeDefined();
    const path = `/webhooks/twilio/${ws!.id}`;
    const params = { MessageSid: 'SIMforged', MessageStatus: 'delivered' };
    const forged = await fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(ws!.secret, `http://localhost:${new URL(server.url).port}${path}`, params) },
      body: new URLSearchParams(params).toString(),
    });
    expect(forged.status).toBe(401);

    const id = await launch(server, 'no twilio credentials');
    const { campaign } = await until(() => server.gql<View>(VIEW, { id }), (v) => v.campaign.runs[0]?.pending === 0);
    expect(campaign.runs).toEqual([{ sent: 0, failed: 5, pending: 0, retrying: 0 }]);
    expect(campaign.sendFailures).toHaveLength(5);
    const refused = `Twilio is not configured for workspace ${ws!.id} (missing twilioAccountSid, twilioAuthToken, twilioFrom)`;
    expect(campaign.sendFailures.filter((f) => f.error === refused).map((f) => f.contact.externalId).sort()).toEqual(['box-0', 'box-1', 'box-2', 'box-3']);
    const at = campaign.sendFailures.map((f) => new Date(f.at).getTime());
    expect(at).toEqual([...at].sort((a, b) => b - a)); // newest first
    expect(logLines(server).filter((l) => l.msg === 'send failed; it will not be retried' && l.campaignId === id)).toHaveLength(5);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}, 120_000);
