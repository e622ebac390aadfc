/**
 * The raw graphql-ws 6 client: one socket carrying a subscription and a query (and a mutation)
 * at the same time, authenticated once by connectionParams.
 */
import { print } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { ClientCampaignDocument, ClientVariantStatsDocument, TrackEventsDocument, type ClientCampaignQuery, type ClientVariantStatsSubscription } from '../generated/graphql';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until, wsUrl } from './support';

let t: TestApp;
let key: string;
let f: CampaignFixture;
beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('graphql-ws');
  f = await campaignWithRecipients(t, key, 6, [50, 50], 'gws');
});
afterAll(() => t.close());

/** A single-result operation over the client's socket. */
function once<T>(client: Client, query: string, variables: Record<string, unknown>): Promise<FormattedExecutionResult<T, unknown>> {
  return new Promise((resolve, reject) => {
    let result: FormattedExecutionResult<T, unknown> | undefined;
    client.subscribe<T>({ query, variables }, { next: (r) => void (result = r), error: reject, complete: () => resolve(result!) });
  });
}

it('a subscription and a query share one socket', async () => {
  let opened = 0;
  const client = createClient({
    url: wsUrl(t.url),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    on: { opened: () => void opened++ },
  });
  const updates: ClientVariantStatsSubscription[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<ClientVariantStatsSubscription>(
    { query: print(ClientVariantStatsDocument), variables: { campaignId: f.campaignId } },
    { next: (r) => void (r.data ? updates.push(r.data) : errors.push(r.errors)), error: (e) => void errors.push(e), complete: () => undefined },
  );
  try {
    await until('the server to register the subscription', () => t.app.live.subscriberCount() > 0);

    // A query on the same socket while the subscription is open.
    const q = await once<ClientCampaignQuery>(client, print(ClientCampaignDocument), { id: f.campaignId });
    expect(q.errors).toBeUndefined();
    expect(q.data?.campaign).toMatchObject({ id: f.campaignId, status: 'DRAFT' });
    expect(q.data!.campaign!.variants.every((v) => v.stats.sent === 0)).toBe(true);

    // A mutation on the same socket; the subscription reports it.
    const m = await once<{ trackEvents: { accepted: number } }>(client, print(TrackEventsDocument), {
      events: f.contacts.slice(0, 4).map((c) => ({ campaignId: f.campaignId, contactId: c.id, type: 'SENT' })),
    });
    expect(m.data?.trackEvents.accepted).toBe(4);
    const update = await until(
      'an update with 4 sent',
      () => updates.find((u) => u.variantStatsUpdated.variants.reduce((a, v) => a + v.sent, 0) === 4),
      15_000,
    );
    expect(update.variantStatsUpdated.variants.map((v) => v.id).sort()).toEqual(f.variants.map((v) => v.id).sort());
    expect(errors).toEqual([]);
    expect(opened).toBe(1);
  } finally {
    stop();
    await client.dispose();
  }
});
