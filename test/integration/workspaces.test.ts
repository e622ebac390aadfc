import {
  CampaignDocument,
  CreateApiKeyDocument,
  CreateCampaignDocument,
  RevokeApiKeyDocument,
  UpdateWorkspaceSettingsDocument,
  ViewerDocument,
} from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const campaignInput = { name: 'Spring sale', variants: [{ template: 'Hi {first_name}, 20% off today' }] };

describe('viewer and API keys', () => {
  it('describes the calling key and its workspace', async () => {
    const { viewer } = await t.ok(ViewerDocument);
    expect(viewer).toMatchObject({ apiKeyName: 'bootstrap admin', scopes: ['ADMIN'], workspace: { name: 'Default', timezone: 'UTC' } });
  });

  it('creates a key in the caller workspace, shown once, hashed at rest', async () => {
    const { createApiKey } = await t.ok(CreateApiKeyDocument, { name: 'reporting', scopes: ['READ'] });
    expect(createApiKey.secret).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    const { viewer } = await t.ok(ViewerDocument, {}, createApiKey.secret);
    expect(viewer).toMatchObject({ apiKeyName: 'reporting', scopes: ['READ'] });
    const { viewer: admin } = await t.ok(ViewerDocument);
    expect(viewer.workspace.id).toBe(admin.workspace.id);
    const stored = await t.app.orm.em.fork().getConnection().execute('select key_hash, prefix from api_keys where id = ?', [createApiKey.id]);
    expect(stored[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0].key_hash).not.toContain(createApiKey.secret);
    expect(createApiKey.secret.startsWith(stored[0].prefix)).toBe(true);
  });

  it('enforces scopes: READ cannot mutate, WRITE cannot administer', async () => {
    const read = (await t.ok(CreateApiKeyDocument, { name: 'r', scopes: ['READ'] })).createApiKey.secret;
    const write = (await t.ok(CreateApiKeyDocument, { name: 'w', scopes: ['WRITE'] })).createApiKey.secret;
    const refused = await t.gql(CreateCampaignDocument, { input: campaignInput }, read);
    expect(errorOf(refused)?.code).toBe('FORBIDDEN');
    expect(refused.status).toBe(403);
    expect((await t.gql(CreateCampaignDocument, { input: campaignInput }, write)).errors).toBeUndefined();
    expect((await t.gql(ViewerDocument, {}, write)).errors).toBeUndefined(); // WRITE includes READ
    expect(errorOf(await t.gql(CreateApiKeyDocument, { name: 'x', scopes: ['ADMIN'] }, write))?.code).toBe('FORBIDDEN');
    expect(errorOf(await t.gql(UpdateWorkspaceSettingsDocument, { input: { name: 'x' } }, write))?.code).toBe('FORBIDDEN');
  });

  it('rejects an empty scope list or name', async () => {
    expect(errorOf(await t.gql(CreateApiKeyDocument, { name: 'x', scopes: [] }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_SCOPES' });
    expect(errorOf(await t.gql(CreateApiKeyDocument, { name: ' ', scopes: ['READ'] }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_NAME' });
  });

  it('revokes a key: it stops working at once', async () => {
    const { createApiKey } = await t.ok(CreateApiKeyDocument, { name: 'temp', scopes: ['READ'] });
    expect((await t.gql(ViewerDocument, {}, createApiKey.secret)).errors).toBeUndefined();
    expect((await t.ok(RevokeApiKeyDocument, { id: createApiKey.id })).revokeApiKey).toBe(true);
    expect(errorOf(await t.gql(ViewerDocument, {}, createApiKey.secret))?.code).toBe('UNAUTHENTICATED');
  });
});

describe('workspace isolation', () => {
  it('gives a new workspace its own key; its key cannot see or touch the other workspace', async () => {
    const { createCampaign } = await t.ok(CreateCampaignDocument, { input: campaignInput });
    const { createApiKey: b } = await t.ok(CreateApiKeyDocument, { name: 'b-admin', scopes: ['ADMIN'], workspaceName: 'Workspace B' });
    const { viewer } = await t.ok(ViewerDocument, {}, b.secret);
    expect(viewer.workspace.name).toBe('Workspace B');

    const read = await t.gql(CampaignDocument, { id: createCampaign.id }, b.secret);
    expect(read.data?.campaign ?? null).toBeNull();
    expect(errorOf(read)?.code).toBe('NOT_FOUND');

    // B's admin key cannot revoke A's keys either.
    const { createApiKey: aKey } = await t.ok(CreateApiKeyDocument, { name: 'a-reader', scopes: ['READ'] });
    expect(errorOf(await t.gql(RevokeApiKeyDocument, { id: aKey.id }, b.secret))?.code).toBe('NOT_FOUND');
    expect((await t.gql(ViewerDocument, {}, aKey.secret)).errors).toBeUndefined();
  });

  it('answers NOT_FOUND (not a 500) for ids that are not UUIDs', async () => {
    const r = await t.gql(CampaignDocument, { id: 'not-a-uuid' });
    expect(r.status).toBe(200);
    expect(errorOf(r)?.code).toBe('NOT_FOUND');
  });
});

describe('updateWorkspaceSettings', () => {
  it('stores settings and keeps secrets write-only', async () => {
    const { updateWorkspaceSettings: ws } = await t.ok(UpdateWorkspaceSettingsDocument, {
      input: {
        name: 'Acme',
        timezone: 'Europe/Lisbon',
        twilioAuthToken: 'tw-secret-123',
        webhookSigningSecret: 'whsec-456',
        sendRatePerSecond: 20,
        quietHours: { start: 21, end: 8 },
        frequencyCap: 3,
        defaultCountry: 'PT',
      },
    });
    expect(ws).toMatchObject({ name: 'Acme', timezone: 'Europe/Lisbon' });
    expect(ws.settings).toEqual({
      sendRatePerSecond: 20,
      quietHours: { start: 21, end: 8 },
      frequencyCap: 3,
      defaultCountry: 'PT',
      twilioAuthTokenSet: true,
      openphoneSigningSecretSet: false,
      webhookSigningSecretSet: true,
      smtpPasswordSet: false,
      whatsappAccessTokenSet: false,
      whatsappAppSecretSet: false,
      whatsappVerifyTokenSet: false,
      emailWebhookKeySet: false,
      alertWebhookUrlSet: false,
    });
    const { viewer } = await t.ok(ViewerDocument);
    expect(JSON.stringify(viewer)).not.toContain('tw-secret-123');
    expect(JSON.stringify(viewer)).not.toContain('whsec-456');

    // An empty string clears a secret; absent fields stay as they were.
    const { updateWorkspaceSettings: cleared } = await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: '' } });
    expect(cleared.settings).toMatchObject({ twilioAuthTokenSet: false, webhookSigningSecretSet: true, sendRatePerSecond: 20 });
  });

  it('refuses a WhatsApp Cloud API base URL other than the public Graph API (no ALLOW_CUSTOM_PROVIDER_URLS here)', async () => {
    const key = await t.newWorkspaceKey();
    const cloud = { phoneNumberId: '106540352242922', accessToken: 'EAAG-token', appSecret: 'app-secret', verifyToken: 'verify' };
    for (const apiBaseUrl of ['http://127.0.0.1:9/v21.0', 'https://169.254.169.254/latest', 'http://graph.facebook.com/v21.0']) {
      const r = await t.gql(UpdateWorkspaceSettingsDocument, { input: { whatsappCloud: { ...cloud, apiBaseUrl } } }, key);
      expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_WHATSAPP_SETTINGS', field: 'input.whatsappCloud.apiBaseUrl' });
      expect(r.errors![0]!.message).toContain('ALLOW_CUSTOM_PROVIDER_URLS=true');
    }
    const { viewer } = await t.ok(ViewerDocument, {}, key);
    expect(viewer.workspace.settings).toMatchObject({ whatsappAccessTokenSet: false });
    expect((viewer.workspace.settings as { whatsappCloud?: unknown }).whatsappCloud).toBeUndefined();
    // The public Graph API, any version, is accepted.
    const { updateWorkspaceSettings: ws } = await t.ok(UpdateWorkspaceSettingsDocument, { input: { whatsappCloud: { ...cloud, apiBaseUrl: 'https://graph.facebook.com/v23.0/' } } }, key);
    expect(ws.settings).toMatchObject({ whatsappCloud: { apiBaseUrl: 'https://graph.facebook.com/v23.0' }, whatsappAccessTokenSet: true });
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, 'INVALID_TIMEZONE', 'input.timezone'],
    [{ sendRatePerSecond: 0 }, 'INVALID_SEND_RATE', 'input.sendRatePerSecond'],
    [{ quietHours: { start: 25, end: 8 } }, 'INVALID_QUIET_HOURS', 'input.quietHours'],
    [{ quietHours: 'nights' }, 'INVALID_QUIET_HOURS', 'input.quietHours'],
    [{ frequencyCap: -1 }, 'INVALID_FREQUENCY_CAP', 'input.frequencyCap'],
    [{ defaultCountry: 'Portugal' }, 'INVALID_COUNTRY', 'input.defaultCountry'],
    [{ name: '  ' }, 'INVALID_NAME', 'input.name'],
  ])('rejects %j with %s', async (input, reason, field) => {
    expect(errorOf(await t.gql(UpdateWorkspaceSettingsDocument, { input }))).toEqual({ code: 'BAD_USER_INPUT', reason, field });
  });
});
