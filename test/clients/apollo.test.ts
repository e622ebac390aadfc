/**
 * Apollo Client 4 against the real server, with a plain InMemoryCache: no typePolicies beyond
 * `relayStylePagination()` for the paginated field. What makes that enough is the schema: every
 * cacheable object has an `id` (VariantStats.id = variantId, ExperimentAnalysis.id = campaign id)
 * and connections have Relay `edges` whose cursors are the ones `after:` accepts.
 *
 * Loading: @apollo/client 4 ships CommonJS builds (package.json "exports" → "require":
 * ./__cjs/…/index.cjs, types in .d.cts) for '@apollo/client', '@apollo/client/link/subscriptions'
 * and '@apollo/client/utilities', so this compiled-to-CommonJS test imports them statically; no
 * dynamic import() is needed. In Node it uses HttpLink with the global fetch (wrapped here to
 * count HTTP requests) and graphql-ws (with `ws`) for subscriptions.
 */
import { randomUUID } from 'node:crypto';
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ClientCampaignDocument,
  ClientCampaignPageDocument,
  ClientRenameCampaignDocument,
  ClientVariantStatsDocument,
  CreateCampaignDocument,
  TrackEventsDocument,
  type ClientCampaignQuery,
  type ClientCampaignPageQuery,
  type ClientVariantStatsSubscription,
} from '../generated/graphql';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { postEvents, until, wsUrl } from './support';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Harnessed {
  client: ApolloClient;
  /** HTTP requests the client made so far. */
  httpRequests(): number;
  close(): Promise<void>;
}

function apollo(key: string, cache: InMemoryCache = new InMemoryCache()): Harnessed {
  let requests = 0;
  const countingFetch: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const http = new HttpLink({ uri: `${t.url}/graphql`, fetch: countingFetch, headers: { authorization: `Bearer ${key}` } });
  const ws = createClient({ url: wsUrl(t.url), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  const link = ApolloLink.split((op) => op.operationType === OperationTypeNode.SUBSCRIPTION, new GraphQLWsLink(ws), http);
  const client = new ApolloClient({ link, cache });
  return {
    client,
    httpRequests: () => requests,
    async close() {
      client.stop();
      await ws.dispose();
    },
  };
}

type Campaign = NonNullable<ClientCampaignQuery['campaign']>;

describe('a watched campaign, kept current by variantStatsUpdated', () => {
  let key: string;
  let f: CampaignFixture;
  let a: Harnessed;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('apollo-live');
    f = await campaignWithRecipients(t, key, 12, [50, 50], 'apl');
    a = apollo(key);
  });
  afterAll(() => a.close());

  it('query, subscription into the normalized cache, trackEvents mutation, rename mutation', async () => {
    // The variant with more of the 12 recipients (assignment is a hash: a fixed variant could get fewer than 3).
    const recipientsOf = (id: string) => f.contacts.filter((c) => c.variantId === id);
    const v0 = [...f.variants].sort((a, b) => recipientsOf(b.id).length - recipientsOf(a.id).length)[0]!.id;
    const mine = recipientsOf(v0);
    expect(mine.length).toBeGreaterThanOrEqual(6);

    // 1. A query, watched.
    const seen: Campaign[] = [];
    const watched = a.client.watchQuery({ query: ClientCampaignDocument, variables: { id: f.campaignId } });
    const watching = watched.subscribe({ next: (r) => void (r.data?.campaign && seen.push(r.data.campaign as Campaign)) });
    const latest = () => seen[seen.length - 1];
    const statsOf = (c: Campaign | undefined, variantId: string) => c?.variants.find((v) => v.id === variantId)?.stats;
    try {
      await until('the first result', () => latest());
      expect(statsOf(latest(), v0)).toMatchObject({ id: v0, variantId: v0, sent: 0, delivered: 0 });

      // Normalized: one entry per variant's stats and one per campaign analysis, found by id.
      const cache = a.client.cache.extract() as Record<string, unknown>;
      for (const v of f.variants) expect(cache[a.client.cache.identify({ __typename: 'VariantStats', id: v.id })!]).toBeDefined();
      expect(cache[a.client.cache.identify({ __typename: 'ExperimentAnalysis', id: f.campaignId })!]).toBeDefined();

      // 2. A subscription over graphql-ws. Its messages are written to the cache, nothing else.
      const updates: ClientVariantStatsSubscription[] = [];
      const errors: unknown[] = [];
      const live = a.client.subscribe({ query: ClientVariantStatsDocument, variables: { campaignId: f.campaignId } }).subscribe({
        next: (r) => void (r.data && updates.push(r.data as ClientVariantStatsSubscription)),
        error: (e) => void errors.push(e),
      });
      try {
        // The server has registered the subscription once its listener exists (bounded wait).
        await until('the server to register the subscription', () => t.app.live.subscriberCount() > 0);
        const httpBefore = a.httpRequests();

        // 3. Events through POST /v1/events (not through this client at all).
        const r = await postEvents(
          t.url,
          key,
          mine.slice(0, 3).map((c) => ({ campaignId: f.campaignId, contactId: c.id, type: 'SENT' })),
        );
        expect(r.accepted).toBe(3);
        await until('the watched query to show 3 sent', () => statsOf(latest(), v0)?.sent === 3, 15_000);
        expect(errors).toEqual([]);
        // The watched query was not refetched: the new numbers came over the socket.
        expect(a.httpRequests()).toBe(httpBefore);
        // The analysis the subscription carried replaced the campaign's cached one (same id).
        const lastUpdate = updates[updates.length - 1]!;
        expect(lastUpdate.variantStatsUpdated.analysis?.id).toBe(f.campaignId);
        await until('the watched analysis to be the last update’s', () => latest()?.analysis?.computedAt === updates[updates.length - 1]!.variantStatsUpdated.analysis?.computedAt);

        // 4. A mutation through Apollo (trackEvents): its payload caches nothing, the
        //    subscription's next message updates the watched campaign.
        const tracked = await a.client.mutate({
          mutation: TrackEventsDocument,
          variables: { events: mine.slice(0, 2).map((c) => ({ campaignId: f.campaignId, contactId: c.id, type: 'DELIVERED' as const })) },
        });
        expect(tracked.data?.trackEvents.accepted).toBe(2);
        await until('the watched query to show 2 delivered', () => statsOf(latest(), v0)?.delivered === 2, 15_000);
        expect(statsOf(latest(), v0)).toMatchObject({ sent: 3, delivered: 2 });
      } finally {
        live.unsubscribe();
      }

      // 5. A mutation whose result is a cached object: the watched query follows by id.
      const renamed = await a.client.mutate({ mutation: ClientRenameCampaignDocument, variables: { id: f.campaignId, name: 'renamed by Apollo' } });
      expect(renamed.data?.updateCampaign.name).toBe('renamed by Apollo');
      await until('the watched name to change', () => latest()?.name === 'renamed by Apollo');
    } finally {
      watching.unsubscribe();
    }
  });

  it('GraphQL errors reach Apollo with extensions.code', async () => {
    const error = await a.client.mutate({ mutation: ClientRenameCampaignDocument, variables: { id: randomUUID(), name: 'x' } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(CombinedGraphQLErrors.is(error)).toBe(true);
    expect((error as CombinedGraphQLErrors).errors[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('relayStylePagination()', () => {
  it('merges two pages of campaigns fetched with fetchMore({ after: endCursor })', async () => {
    const key = await t.newWorkspaceKey('apollo-pages');
    for (let i = 0; i < 5; i++) await t.ok(CreateCampaignDocument, { input: { name: `page ${i}`, variants: [{ template: 'hi' }] } }, key);
    const a = apollo(key, new InMemoryCache({ typePolicies: { Query: { fields: { campaigns: relayStylePagination() } } } }));
    const seen: ClientCampaignPageQuery['campaigns'][] = [];
    const watched = a.client.watchQuery({ query: ClientCampaignPageDocument, variables: { first: 3 } });
    const watching = watched.subscribe({ next: (r) => void (r.data?.campaigns && seen.push(r.data.campaigns as ClientCampaignPageQuery['campaigns'])) });
    try {
      const first = await until('the first page', () => seen[seen.length - 1]);
      expect(first.edges.map((e) => e.node.name)).toEqual(['page 4', 'page 3', 'page 2']);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, endCursor: first.edges[2]!.cursor });

      await watched.fetchMore({ variables: { after: first.pageInfo.endCursor } });
      const merged = await until('the merged list', () => (seen[seen.length - 1]!.edges.length === 5 ? seen[seen.length - 1] : undefined));
      expect(merged.edges.map((e) => e.node.name)).toEqual(['page 4', 'page 3', 'page 2', 'page 1', 'page 0']);
      expect(merged.pageInfo.hasNextPage).toBe(false);
      expect(merged.totalCount).toBe(5);
      // Each campaign is one normalized entry, referenced from the merged edges.
      const cache = a.client.cache.extract() as Record<string, unknown>;
      expect(Object.keys(cache).filter((k) => k.startsWith('Campaign:'))).toHaveLength(5);
    } finally {
      watching.unsubscribe();
      await a.close();
    }
  });
});
