/**
 * The channel fields of variants and the per-workspace provider settings: stored, returned
 * (secrets only as *Set flags), validated with stable reasons.
 */
import { CreateCampaignFromTemplatesDocument, CreateChannelCampaignDocument, CreateChannelTemplateDocument, DuplicateChannelCampaignDocument, UpdateCampaignDocument, UpdateWorkspaceSettingsDocument, ViewerDocument } from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ALLOW_CUSTOM_PROVIDER_URLS: 'true' }); // settings below name local URLs
});
afterAll(() => t.close());

const smtp = { host: 'smtp.shop.example', port: 587, username: 'mailer', password: 'smtp-pass-1', from: 'Shop <news@shop.example>' };
const whatsappCloud = { phoneNumberId: '106540352242922', accessToken: 'EAAG-token', appSecret: 'app-secret-1', verifyToken: 'verify-1', apiBaseUrl: 'http://127.0.0.1:9/v21.0/' };

describe('provider settings', () => {
  it('stores SMTP and WhatsApp Cloud settings, secrets write-only; null removes a provider', async () => {
    const { updateWorkspaceSettings: ws } = await t.ok(UpdateWorkspaceSettingsDocument, { input: { smtp, whatsappCloud, emailWebhookKey: 'mg-key' } });
    expect(ws.settings).toMatchObject({
      smtp: { host: 'smtp.shop.example', port: 587, secure: false, requireTls: true, username: 'mailer', from: 'Shop <news@shop.example>' }, // TLS required: a username is set
      whatsappCloud: { phoneNumberId: '106540352242922', apiBaseUrl: 'http://127.0.0.1:9/v21.0' },
      smtpPasswordSet: true,
      whatsappAccessTokenSet: true,
      whatsappAppSecretSet: true,
      whatsappVerifyTokenSet: true,
      emailWebhookKeySet: true,
    });
    const { viewer } = await t.ok(ViewerDocument);
    for (const secret of ['smtp-pass-1', 'EAAG-token', 'app-secret-1', 'verify-1', 'mg-key']) expect(JSON.stringify(viewer)).not.toContain(secret);

    const { updateWorkspaceSettings: cleared } = await t.ok(UpdateWorkspaceSettingsDocument, { input: { smtp: null, whatsappCloud: null, emailWebhookKey: '' } });
    expect(cleared.settings).toMatchObject({ smtp: null, whatsappCloud: null, smtpPasswordSet: false, whatsappAccessTokenSet: false, whatsappAppSecretSet: false, whatsappVerifyTokenSet: false, emailWebhookKeySet: false });
  });

  it('requires TLS for SMTP by default only with a username; an explicit requireTls wins', async () => {
    const stored = async (input: Record<string, unknown>) =>
      ((await t.ok(UpdateWorkspaceSettingsDocument, { input: { smtp: { ...smtp, ...input } } })).updateWorkspaceSettings.settings as { smtp: { requireTls: boolean } }).smtp.requireTls;
    expect(await stored({})).toBe(true);
    expect(await stored({ username: null, password: null })).toBe(false);
    expect(await stored({ requireTls: false })).toBe(false);
    expect(await stored({ username: null, password: null, requireTls: true })).toBe(true);
  });

  it('defaults the Graph API base URL', async () => {
    const { updateWorkspaceSettings: ws } = await t.ok(UpdateWorkspaceSettingsDocument, { input: { whatsappCloud: { ...whatsappCloud, apiBaseUrl: null } } });
    expect((ws.settings as { whatsappCloud: { apiBaseUrl: string } }).whatsappCloud.apiBaseUrl).toMatch(/^https:\/\/graph\.facebook\.com\/v\d+\.\d+$/);
  });

  it.each([
    ['an SMTP port out of range', { smtp: { ...smtp, port: 70000 } }, 'INVALID_SMTP_SETTINGS', 'input.smtp.port'],
    ['an SMTP from that is not an address', { smtp: { ...smtp, from: 'Shop' } }, 'INVALID_SMTP_SETTINGS', 'input.smtp.from'],
    ['an empty SMTP host', { smtp: { ...smtp, host: ' ' } }, 'INVALID_SMTP_SETTINGS', 'input.smtp.host'],
    ['a WhatsApp phone number id with a slash', { whatsappCloud: { ...whatsappCloud, phoneNumberId: '1/../2' } }, 'INVALID_WHATSAPP_SETTINGS', 'input.whatsappCloud.phoneNumberId'],
    ['an empty WhatsApp app secret', { whatsappCloud: { ...whatsappCloud, appSecret: '' } }, 'INVALID_WHATSAPP_SETTINGS', 'input.whatsappCloud.appSecret'],
    ['a WhatsApp API URL that is not http(s)', { whatsappCloud: { ...whatsappCloud, apiBaseUrl: 'ftp://x' } }, 'INVALID_WHATSAPP_SETTINGS', 'input.whatsappCloud.apiBaseUrl'],
  ])('refuses %s, changing nothing', async (_label, input, reason, field) => {
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { smtp, whatsappCloud } });
    const r = await t.gql(UpdateWorkspaceSettingsDocument, { input: { ...input, emailWebhookKey: 'changed' } });
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason, field });
    const { viewer } = await t.ok(ViewerDocument);
    expect(viewer.workspace.settings).toMatchObject({ smtp: { port: 587 }, emailWebhookKeySet: false });
  });
});

describe('variants per channel', () => {
  it('keeps an email A/B test’s subjects and HTML, and a copy keeps them', async () => {
    const { createCampaign: c } = await t.ok(CreateChannelCampaignDocument, {
      input: {
        name: 'Subject test',
        channel: 'EMAIL',
        type: 'AB_TEST',
        variants: [
          { template: 'Hi {first_name}', subject: 'Spring is here' },
          { template: 'Hi {first_name}', subject: '{first_name}, 20% off', html: '<p>Hi {first_name}</p>' },
        ],
      },
    });
    expect(c.variants).toEqual([
      { key: 'A', subject: 'Spring is here', html: null, template: 'Hi {first_name}', templateId: null, whatsappTemplate: null },
      { key: 'B', subject: '{first_name}, 20% off', html: '<p>Hi {first_name}</p>', template: 'Hi {first_name}', templateId: null, whatsappTemplate: null },
    ]);
    const { duplicateCampaign: copy } = await t.ok(DuplicateChannelCampaignDocument, { id: c.id });
    expect(copy.variants.map((v) => [v.subject, v.html])).toEqual(c.variants.map((v) => [v.subject, v.html]));

    // Edits are validated against the campaign's channel.
    const r = await t.gql(UpdateCampaignDocument, { id: c.id, input: { variants: [{ template: 'x', subject: 'A' }, { template: 'y' }] } });
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MISSING_SUBJECT', field: 'input.variants.1.subject' });
  });

  it('keeps a WhatsApp variant’s approved template', async () => {
    const whatsappTemplate = { name: 'spring_offer', language: 'en_US', parameters: ['{first_name|there}'] };
    const { createCampaign: c } = await t.ok(CreateChannelCampaignDocument, {
      input: { name: 'WA', channel: 'WHATSAPP', type: 'AB_TEST', variants: [{ template: 'Hi {first_name}', whatsappTemplate }, { template: 'Hello!' }] },
    });
    expect(c.variants.map((v) => v.whatsappTemplate)).toEqual([whatsappTemplate, null]);
  });

  it('refuses an email campaign without subjects and an SMS variant with one', async () => {
    const noSubject = await t.gql(CreateChannelCampaignDocument, { input: { name: 'E', channel: 'EMAIL', variants: [{ template: 'x' }] } });
    expect(errorOf(noSubject)).toMatchObject({ reason: 'MISSING_SUBJECT', field: 'input.variants.0.subject' });
    const sms = await t.gql(CreateChannelCampaignDocument, { input: { name: 'S', variants: [{ template: 'x', subject: 'y' }] } });
    expect(errorOf(sms)).toMatchObject({ reason: 'FIELD_NOT_FOR_CHANNEL', field: 'input.variants.0.subject' });
  });
});

describe('library templates per channel', () => {
  it('keeps an email template’s subject and HTML, and a variant made from it copies them (given fields win)', async () => {
    const { createTemplate: tpl } = await t.ok(CreateChannelTemplateDocument, {
      input: { name: 'Spring email', channel: 'EMAIL', subject: 'Spring for {first_name}', html: '<p>Hi {first_name}</p>', body: 'Hi {first_name}' },
    });
    expect(tpl).toMatchObject({ channel: 'EMAIL', subject: 'Spring for {first_name}', html: '<p>Hi {first_name}</p>' });
    const { createCampaign: c } = await t.ok(CreateCampaignFromTemplatesDocument, {
      input: { name: 'From the library', channel: 'EMAIL', type: 'AB_TEST', variants: [{ templateId: tpl.id }, { templateId: tpl.id, subject: 'Last call, {first_name}' }] },
    });
    expect(c.variants).toEqual([
      { key: 'A', templateId: tpl.id, template: 'Hi {first_name}', subject: 'Spring for {first_name}', html: '<p>Hi {first_name}</p>' },
      { key: 'B', templateId: tpl.id, template: 'Hi {first_name}', subject: 'Last call, {first_name}', html: '<p>Hi {first_name}</p>' },
    ]);
  });

  it('refuses a template of another channel, an unknown one, a variant with no text, and email fields on a non-email template', async () => {
    const { createTemplate: sms } = await t.ok(CreateChannelTemplateDocument, { input: { name: 'SMS only', channel: 'SMS', body: 'Hi' } });
    const wrong = await t.gql(CreateCampaignFromTemplatesDocument, { input: { name: 'x', channel: 'WHATSAPP', variants: [{ templateId: sms.id }] } });
    expect(errorOf(wrong)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TEMPLATE_CHANNEL_MISMATCH', field: 'input.variants.0.templateId' });
    const unknown = await t.gql(CreateCampaignFromTemplatesDocument, { input: { name: 'x', variants: [{ templateId: '00000000-0000-4000-8000-000000000000' }] } });
    expect(errorOf(unknown)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_TEMPLATE', field: 'input.variants.0.templateId' });
    const empty = await t.gql(CreateCampaignFromTemplatesDocument, { input: { name: 'x', variants: [{}] } });
    expect(errorOf(empty)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EMPTY_TEMPLATE', field: 'input.variants.0.template' });
    const subjectOnSms = await t.gql(CreateChannelTemplateDocument, { input: { name: 'y', channel: 'SMS', body: 'Hi', subject: 'S' } });
    expect(errorOf(subjectOnSms)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FIELD_NOT_FOR_CHANNEL', field: 'input.subject' });
    // A template for any channel (channel null) serves every campaign.
    const { createTemplate: any } = await t.ok(CreateChannelTemplateDocument, { input: { name: 'Any channel', body: 'Hello {first_name}' } });
    const { createCampaign: wa } = await t.ok(CreateCampaignFromTemplatesDocument, { input: { name: 'wa', channel: 'WHATSAPP', variants: [{ templateId: any.id }] } });
    expect(wa.variants[0]).toMatchObject({ templateId: any.id, template: 'Hello {first_name}', subject: null });
  });
});
