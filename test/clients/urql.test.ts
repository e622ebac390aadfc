/**
 * @urql/core 6 against the real server, over POST and over GET.
 *
 * urql's default is `preferGetMethod: 'within-url-limit'`: queries go out as GET. Apollo Server's
 * CSRF prevention refuses a GET that is a "simple" request (no content-type that forces a CORS
 * preflight) unless it carries a non-empty `apollo-require-preflight` or `x-apollo-operation-name`
 * header, and urql's GET sends neither. So a GET client adds `apollo-require-preflight: true`;
 * one without it gets 400 with a message naming the header. POST (JSON content-type) needs nothing.
 */
import { Client, fetchExchange } from '@urql/core';
import { ClientCampaignDocument, ClientRenameCampaignDocument, CreateCampaignDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
let key: string;
let campaignId: string;
beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('urql');
  campaignId = (await t.ok(CreateCampaignDocument, { input: { name: 'for urql', variants: [{ template: 'hi' }] } }, key)).createCampaign.id;
});
afterAll(() => t.close());

/** Records the method and status of every request urql makes. */
function recordingFetch(log: { method: string; status: number }[]): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    log.push({ method: init?.method ?? 'GET', status: res.status });
    return res;
  };
}

it('POST: a query and a mutation', async () => {
  const log: { method: string; status: number }[] = [];
  const client = new Client({
    url: `${t.url}/graphql`,
    exchanges: [fetchExchange],
    preferGetMethod: false,
    fetch: recordingFetch(log),
    fetchOptions: { headers: { authorization: `Bearer ${key}` } },
  });
  const q = await client.query(ClientCampaignDocument, { id: campaignId }).toPromise();
  expect(q.error).toBeUndefined();
  expect(q.data?.campaign).toMatchObject({ id: campaignId, name: 'for urql' });
  const m = await client.mutation(ClientRenameCampaignDocument, { id: campaignId, name: 'renamed by urql' }).toPromise();
  expect(m.error).toBeUndefined();
  expect(m.data?.updateCampaign.name).toBe('renamed by urql');
  expect(log).toEqual([
    { method: 'POST', status: 200 },
    { method: 'POST', status: 200 },
  ]);
});

it("GET ('force') with apollo-require-preflight works", async () => {
  const log: { method: string; status: number }[] = [];
  const client = new Client({
    url: `${t.url}/graphql`,
    exchanges: [fetchExchange],
    preferGetMethod: 'force',
    fetch: recordingFetch(log),
    fetchOptions: { headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${key}` } },
  });
  const q = await client.query(ClientCampaignDocument, { id: campaignId }).toPromise();
  expect(q.error).toBeUndefined();
  expect(q.data?.campaign?.id).toBe(campaignId);
  expect(log).toEqual([{ method: 'GET', status: 200 }]);
});

it('GET without that header is refused by CSRF prevention: 400, naming the header', async () => {
  const log: { method: string; status: number }[] = [];
  const client = new Client({
    url: `${t.url}/graphql`,
    exchanges: [fetchExchange],
    preferGetMethod: 'force',
    fetch: recordingFetch(log),
    fetchOptions: { headers: { authorization: `Bearer ${key}` } },
  });
  const q = await client.query(ClientCampaignDocument, { id: campaignId }).toPromise();
  expect(q.data).toBeUndefined();
  expect(log).toEqual([{ method: 'GET', status: 400 }]);
  expect(q.error?.message).toMatch(/apollo-require-preflight/);
});

it('a mutation never goes out as GET (urql sends mutations by POST even when GET is forced)', async () => {
  const log: { method: string; status: number }[] = [];
  const client = new Client({
    url: `${t.url}/graphql`,
    exchanges: [fetchExchange],
    preferGetMethod: 'force',
    fetch: recordingFetch(log),
    fetchOptions: { headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${key}` } },
  });
  const m = await client.mutation(ClientRenameCampaignDocument, { id: campaignId, name: 'again' }).toPromise();
  expect(m.error).toBeUndefined();
  expect(log).toEqual([{ method: 'POST', status: 200 }]);
});
