import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { AddRecipientsDocument, ArchiveCampaignDocument, CampaignStatusChangedDocument, CreateApiKeyDocument, LaunchCampaignDocument, PauseCampaignDocument, RevokeApiKeyDocument, TrackEventsDocument, UpsertContactsDocument, VariantStatsUpdatedDocument } from '../generated/graphql';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import type { App } from '../../src/app';
import { subscribe } from '../helpers/ws';

let t: TestApp;
let key: string;
let f: CampaignFixture;
beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('live');
  f = await campaignWithRecipients(t, key, 40, [50, 50], 'lv');
});
afterAll(() => t.close());

const sentTotal = (u: { variantStatsUpdated: { variants: { sent: number }[] } }) => u.variantStatsUpdated.variants.reduce((a, v) => a + v.sent, 0);

it('delivers an update to a subscriber on instance A for events posted to instance B, within 1 s', async () => {
  const b = await t.anotherInstance();
  const sub = await subscribe(t.url, key, VariantStatsUpdatedDocument, { campaignId: f.campaignId });
  try {
    const res = await fetch(`${b.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: 'mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted } }',
        variables: { e: f.contacts.slice(0, 3).map((c) => ({ campaignId: f.campaignId, contactId: c.id, type: 'SENT' })) },
      }),
    });
    expect(((await res.json()) as { data: { trackEvents: { accepted: number } } }).data.trackEvents.accepted).toBe(3);
    // The latency is measured on the servers' own clock (one host): from the events' commit
    // (received_at, instance B's transaction) to instance A's emission (`at`), so this busy test
    // process's scheduling is not counted; the wait itself does not hang on a sub-second margin.
    const update = await sub.waitFor((u) => sentTotal(u) === 3, 10_000);
    const [row] = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ ms: string }[]>(`select extract(epoch from max(received_at)) * 1000 as ms from events where campaign_id = ? and type = 'SENT'`, [f.campaignId]);
    expect(new Date(update.variantStatsUpdated.at).getTime() - Number(row!.ms)).toBeLessThan(1000);
    expect(update.variantStatsUpdated.campaignId).toBe(f.campaignId);
    expect(update.variantStatsUpdated.variants.map((v) => v.variantId).sort()).toEqual(f.variants.map((v) => v.id).sort());
  } finally {
    await sub.close();
  }
});

it('coalesces a burst to at most one message per 250 ms, the last carrying the final counts', async () => {
  const sub = await subscribe(t.url, key, VariantStatsUpdatedDocument, { campaignId: f.campaignId });
  try {
    const before = (await t.app.live.readStats(t.app.orm.em.fork(), f.campaignId)).variants.reduce((a, v) => a + v.clicked, 0);
    const burst = f.contacts.slice(0, 30).map((c, i) =>
      new Promise((r) => setTimeout(r, i * 20)).then(() => t.ok(TrackEventsDocument, { events: [{ campaignId: f.campaignId, contactId: c.id, type: 'CLICKED' }] }, key)),
    );
    await Promise.all(burst);
    const clicked = (u: { variantStatsUpdated: { variants: { clicked: number }[] } }) => u.variantStatsUpdated.variants.reduce((a, v) => a + v.clicked, 0);
    await sub.waitFor((u) => clicked(u) === before + 30, 2000);
    await new Promise((r) => setTimeout(r, 400)); // nothing more may follow
    // Spacing is checked on the server's emission times (`at`): the client's receive times can
    // bunch up when this shared test process is busy.
    const times = sub.messages.map((m) => new Date(m.data.variantStatsUpdated.at).getTime());
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(times.length).toBeLessThan(30); // 30 requests over ~600 ms: coalesced
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(250);
    expect(clicked(sub.messages[sub.messages.length - 1]!.data)).toBe(before + 30);
  } finally {
    await sub.close();
  }
});

it('refuses a subscription to another workspace’s campaign', async () => {
  const stranger = await t.newWorkspaceKey('stranger');
  const sub = await subscribe(t.url, stranger, VariantStatsUpdatedDocument, { campaignId: f.campaignId });
  try {
    await new Promise((r) => setTimeout(r, 200));
    expect(JSON.stringify(sub.errors)).toContain('NOT_FOUND');
    expect(sub.messages).toHaveLength(0);
  } finally {
    await sub.close();
  }
});

it('publishes campaign status changes, to the campaign’s workspace only', async () => {
  const other = await campaignWithRecipients(t, key, 1, [50, 50], 'lv2');
  const mine = await subscribe(t.url, key, CampaignStatusChangedDocument, {});
  const stranger = await subscribe(t.url, await t.newWorkspaceKey('stranger2'), CampaignStatusChangedDocument, {});
  try {
    await t.ok(ArchiveCampaignDocument, { id: other.campaignId }, key);
    const update = await mine.waitFor((u) => u.campaignStatusChanged.id === other.campaignId, 1000);
    expect(update.campaignStatusChanged.status).toBe('ARCHIVED');
    await new Promise((r) => setTimeout(r, 200));
    expect(stranger.messages).toHaveLength(0);
  } finally {
    await mine.close();
    await stranger.close();
  }
});


it('publishes back-to-back transitions once each, in order, with the status each produced (same and other instance)', async () => {
  const b = await t.anotherInstance();
  const ws = await t.newWorkspaceKey('transitions');
  const c = await campaignWithRecipients(t, ws, 3, [50, 50], 'lv3');
  // Mutations go through instance B; one subscriber on B (local fan-out), one on A (via NOTIFY).
  // One request whose root fields GraphQL runs serially: the transitions are truly back to back.
  const transitions = async () => {
    const res = await fetch(`${b.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ws}` },
      body: JSON.stringify({
        query: `mutation($id: ID!) {
          l: launchCampaign(id: $id) { status }
          p: pauseCampaign(id: $id) { status }
          r: resumeCampaign(id: $id) { status }
          c: cancelCampaign(id: $id) { status }
          a: archiveCampaign(id: $id) { status }
        }`,
        variables: { id: c.campaignId },
      }),
    });
    const body = (await res.json()) as { errors?: unknown[]; data: Record<string, { status: string }> };
    expect(body.errors).toBeUndefined();
    expect(Object.values(body.data).map((x) => x.status)).toEqual(['RUNNING', 'PAUSED', 'RUNNING', 'CANCELED', 'ARCHIVED']);
  };
  const count = (app: App) => app.live.subscriberCount();
  const [beforeA, beforeB] = [count(t.app), count(b)];
  const onA = await subscribe(t.url, ws, CampaignStatusChangedDocument, {});
  const local = await subscribe(b.url, ws, CampaignStatusChangedDocument, { campaignId: c.campaignId });
  try {
    expect(await until(() => count(t.app), (n) => n > beforeA)).toBeGreaterThan(beforeA);
    expect(await until(() => count(b), (n) => n > beforeB)).toBeGreaterThan(beforeB);
    // Archiving at the end is a sentinel: deliveries are ordered, so once ARCHIVED arrives
    // nothing earlier is still on its way.
    await transitions();
    const expected = ['RUNNING', 'PAUSED', 'RUNNING', 'CANCELED', 'ARCHIVED'];
    for (const sub of [onA, local]) {
      await sub.waitFor((u) => u.campaignStatusChanged.status === 'ARCHIVED', 5000);
      expect(sub.errors).toEqual([]);
      expect(sub.messages.map((m) => m.data.campaignStatusChanged)).toEqual(expected.map((status) => ({ id: c.campaignId, status })));
    }
  } finally {
    await onA.close();
    await local.close();
  }
});

it('revokes a key on every instance at once, although instances cache verified keys', async () => {
  const b = await t.anotherInstance();
  const { createApiKey } = await t.ok(CreateApiKeyDocument, { name: 'short-lived', scopes: ['READ'] }, key);
  const viewer = (url: string) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${createApiKey.secret}` }, body: JSON.stringify({ query: '{ viewer { apiKeyName } }' }) });
  expect((await viewer(b.url)).status).toBe(200); // B has now cached the key
  await t.ok(RevokeApiKeyDocument, { id: createApiKey.id }, key); // revoked through A
  expect((await viewer(t.url)).status).toBe(401);
  const deadline = Date.now() + 1000;
  let status = 200;
  while (Date.now() < deadline && (status = (await viewer(b.url)).status) === 200) await new Promise((r) => setTimeout(r, 20));
  expect(status).toBe(401);
});

it('answers each status message’s nested fields with the data of that moment, not the first message’s', async () => {
  const ws = await t.newWorkspaceKey('fresh-context');
  const c = await campaignWithRecipients(t, ws, 3, [50, 50], 'lvfresh');
  const doc = parse(`subscription($campaignId: ID) { campaignStatusChanged(campaignId: $campaignId) { id status stats { recipients } } }`) as TypedDocumentNode<
    { campaignStatusChanged: { id: string; status: string; stats: { recipients: number } } },
    { campaignId: string }
  >;
  const sub = await subscribe(t.url, ws, doc, { campaignId: c.campaignId });
  try {
    await t.ok(LaunchCampaignDocument, { id: c.campaignId }, ws);
    await sub.waitFor((u) => u.campaignStatusChanged.status === 'RUNNING', 5000);
    // Two more recipients join the running campaign, then it is paused: the PAUSED message counts them.
    await t.ok(UpsertContactsDocument, { contacts: [0, 1].map((i) => ({ externalId: `lvfresh-late-${i}`, phone: `+1415666000${i}`, consent: true, tags: ['lvfresh-late'] })) }, ws);
    await t.ok(AddRecipientsDocument, { campaignId: c.campaignId, audience: { tags: ['lvfresh-late'] } }, ws);
    await t.ok(PauseCampaignDocument, { id: c.campaignId }, ws);
    await sub.waitFor((u) => u.campaignStatusChanged.status === 'PAUSED', 5000);
    expect(sub.errors).toEqual([]);
    expect(sub.messages.map((m) => [m.data.campaignStatusChanged.status, m.data.campaignStatusChanged.stats.recipients])).toEqual([
      ['RUNNING', 3],
      ['PAUSED', 5],
    ]);
  } finally {
    await sub.close();
  }
});
