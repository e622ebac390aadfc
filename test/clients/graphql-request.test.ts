/**
 * graphql-request 7 against the real server: a query and a mutation with the Bearer header, and
 * errors surfacing as ClientError with the server's extensions.code.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLClient, ClientError } from 'graphql-request';
import { ClientCampaignDocument, ClientRenameCampaignDocument, CreateCampaignDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
let key: string;
let client: GraphQLClient;
let campaignId: string;
beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('graphql-request');
  client = new GraphQLClient(`${t.url}/graphql`, { headers: { authorization: `Bearer ${key}` } });
  campaignId = (await t.ok(CreateCampaignDocument, { input: { name: 'for graphql-request', variants: [{ template: 'hi' }] } }, key)).createCampaign.id;
});
afterAll(() => t.close());

it('a typed query with the Bearer header', async () => {
  const data = await client.request(ClientCampaignDocument, { id: campaignId });
  expect(data.campaign).toMatchObject({ id: campaignId, name: 'for graphql-request', status: 'DRAFT' });
  expect(data.campaign!.hashSeed).toMatch(/\S/);
  expect(data.campaign!.variants[0]!.stats).toMatchObject({ id: data.campaign!.variants[0]!.id, sent: 0, avgResponseSeconds: null });
});

it('a mutation', async () => {
  const data = await client.request(ClientRenameCampaignDocument, { id: campaignId, name: 'renamed by graphql-request' });
  expect(data.updateCampaign).toEqual({ id: campaignId, name: 'renamed by graphql-request' });
});

it('errors surface as ClientError with extensions.code', async () => {
  const notFound = await client.request(ClientRenameCampaignDocument, { id: randomUUID(), name: 'x' }).catch((e: unknown) => e);
  expect(notFound).toBeInstanceOf(ClientError);
  expect((notFound as ClientError).response.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });

  const invalid = await client.request(ClientRenameCampaignDocument, { id: campaignId, name: '' }).catch((e: unknown) => e);
  expect(invalid).toBeInstanceOf(ClientError);
  expect((invalid as ClientError).response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });

  const anonymous = new GraphQLClient(`${t.url}/graphql`);
  const unauthenticated = await anonymous.request(ClientCampaignDocument, { id: campaignId }).catch((e: unknown) => e);
  expect(unauthenticated).toBeInstanceOf(ClientError);
  expect((unauthenticated as ClientError).response.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
});
