/**
 * Consent is checked again when a queued send goes out: a send held by quiet hours (or the rate
 * limit, or retries) must not reach a contact who opted out of the channel in between.
 * Real server with jobs on (the sender over the simulator), real PostgreSQL.
 */
import { CreateCampaignDocument, LaunchCampaignDocument, OptOutChannelDocument, UpdateWorkspaceSettingsDocument, UpsertContactsDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
});
afterAll(() => t.close());

it('cancels a queued send to a contact who opted out of its channel before it went out; the others go', async () => {
  const key = await t.newWorkspaceKey();
  const hour = new Date().getUTCHours();
  // Quiet hours covering now (UTC, the contacts' zone): every send waits.
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { quietHours: { start: hour, end: (hour + 2) % 24 } } }, key);
  await t.ok(
    UpsertContactsDocument,
    { contacts: ['a', 'b', 'c'].map((x, i) => ({ externalId: `recheck-${x}`, phone: `+1415555${7100 + i}`, timezone: 'UTC', consent: true, tags: ['recheck'] })) },
    key,
  );
  const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: 'Recheck', audience: { tags: ['recheck'] }, variants: [{ template: 'Hello' }] } }, key);
  await t.ok(LaunchCampaignDocument, { id: createCampaign.id }, key);
  const sends = () =>
    t.sql<{ external_id: string; status: string; last_error: string | null; deferred: boolean }>(
      `select c.external_id, s.status, s.last_error, s.next_attempt_at > now() + interval '1 minute' as deferred
       from sends s join contacts c on c.id = s.contact_id where s.campaign_id = ? order by c.external_id`,
      [createCampaign.id],
    );
  await until(sends, (rows) => rows.length === 3 && rows.every((r) => r.status === 'PENDING' && r.deferred));

  const [a, b] = await t.sql<{ id: string }>(`select id from contacts where external_id in ('recheck-a', 'recheck-b') order by external_id`);
  await t.ok(OptOutChannelDocument, { contactId: a!.id, channel: 'SMS' }, key);
  await t.ok(OptOutChannelDocument, { contactId: b!.id, channel: 'EMAIL' }, key); // another channel: b still gets the SMS
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { quietHours: null } }, key);
  await t.sql(`update sends set next_attempt_at = now() where campaign_id = ?`, [createCampaign.id]);

  const done = await until(sends, (rows) => rows.every((r) => r.status !== 'PENDING'));
  expect(done.map((r) => [r.external_id, r.status])).toEqual([
    ['recheck-a', 'CANCELED'],
    ['recheck-b', 'SENT'],
    ['recheck-c', 'SENT'],
  ]);
  expect(done[0]!.last_error).toBe('the contact opted out of SMS (or the address bounced) after the message was queued');
  const [messages] = await t.sql<{ n: string }>(`select count(*) as n from messages where campaign_id = ?`, [createCampaign.id]);
  expect(messages!.n).toBe('2');
});

it('drops per-second rate counters older than a minute, keeping the current ones', async () => {
  await t.sql(`insert into send_rate (account, second, used) values ('prune-test:old', date_trunc('second', now()) - interval '2 minutes', 5), ('prune-test:new', date_trunc('second', now()), 1)`);
  await t.app.sender!.pruneRateCounters();
  const rows = await t.sql<{ account: string }>(`select account from send_rate where account like 'prune-test:%'`);
  expect(rows.map((r) => r.account)).toEqual(['prune-test:new']);
});
