import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { badInput, forbidden, notFound, unauthenticated } from '../errors';
import { asUuid } from '../shared/ids';
import { canonicalTimeZone } from '../shared/time-zone';
import { ApiKey } from './api-key.entity';
import { ApiScope } from '../shared/auth';
import { CREATE_WORKSPACE_NEEDS_OPERATOR_MESSAGE, generateApiKey, hashApiKey, keyPrefix } from '../shared/auth';
import type { AuthInfo } from '../shared/auth';
import { announce } from '../domain/announcements';
import type { ApiKeyCache } from '../shared/key-cache';
import { isChannel } from '../domain/channel';
import { checkAlertWebhookUrl, checkWhatsAppApiBaseUrl } from './provider-urls';
import { Workspace, type ChannelRuleSettings, type SmtpSettings, type WhatsAppCloudSettings, type WorkspaceSettings } from './workspace.entity';

export interface CreatedKey {
  key: ApiKey;
  /** The key in clear: returned once, never stored. */
  secret: string;
}

export interface SettingsPatch {
  name?: string | null;
  timezone?: string | null;
  twilioAuthToken?: string | null;
  openphoneSigningSecret?: string | null;
  webhookSigningSecret?: string | null;
  sendRatePerSecond?: number | null;
  quietHours?: unknown;
  frequencyCap?: number | null;
  defaultCountry?: string | null;
  helpReply?: string | null;
  twilioAccountSid?: string | null;
  twilioFrom?: string | null;
  smtp?: { host: string; port: number; secure?: boolean | null; requireTls?: boolean | null; username?: string | null; password?: string | null; from: string } | null;
  whatsappCloud?: { phoneNumberId: string; accessToken: string; appSecret: string; verifyToken: string; apiBaseUrl?: string | null } | null;
  emailWebhookKey?: string | null;
  /** Alert destinations: a value sets, null (or an empty string) clears, absent leaves as is. */
  alertWebhookUrl?: string | null;
  alertEmail?: string | null;
  /** Per-channel overrides; each entry replaces that channel's override (fields left out inherit). */
  channelRules?: { channel: string; quietHours?: unknown; frequencyCap?: number | null; sendRatePerSecond?: number | null }[] | null;
}

/** Meta's Graph API; the version is the one the WhatsApp Cloud API documentation uses. */
export const DEFAULT_WHATSAPP_API_BASE_URL = 'https://graph.facebook.com/v21.0';

/** Resolves a bearer key to its workspace and scopes; a revoked or unknown key is UNAUTHENTICATED. */
export async function authenticate(em: EntityManager, token: string | undefined, cache?: ApiKeyCache): Promise<AuthInfo> {
  if (!token) throw unauthenticated();
  const keyHash = hashApiKey(token);
  const cached = cache?.get(keyHash);
  if (cached) return cached;
  const generation = cache?.generation;
  const key = await em.findOne(ApiKey, { keyHash, revokedAt: null }, { disableIdentityMap: true });
  if (!key) throw unauthenticated('The API key is unknown or revoked');
  const auth = { workspaceId: key.workspaceId, apiKeyId: key.id, apiKeyName: key.name, scopes: key.scopes };
  // A revocation heard during the lookup may be this key's: then the answer is not cached.
  if (cache && cache.generation === generation) cache.set(keyHash, auth);
  return auth;
}

export interface BootstrapResult {
  workspace: Workspace;
  /** Set when this start generated the admin key (first start without ADMIN_API_KEY). */
  generatedAdminKey?: string;
}

/**
 * First start: creates the default workspace and an admin key (generated unless ADMIN_API_KEY is
 * given). Later starts only make sure ADMIN_API_KEY, when given, is a valid admin key.
 * Serialised with an advisory lock so two instances starting together do not both create one.
 */
export async function bootstrap(em: EntityManager, adminApiKey?: string): Promise<BootstrapResult> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('splitcast:bootstrap'))`);
    let [workspace] = await tx.find(Workspace, {}, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: 1 });
    const firstStart = !workspace;
    if (!workspace) {
      workspace = tx.create(Workspace, { name: 'Default', timezone: 'UTC', settings: {} });
    }
    let generatedAdminKey: string | undefined;
    if (adminApiKey) {
      const exists = await tx.findOne(ApiKey, { keyHash: hashApiKey(adminApiKey) });
      if (!exists) newKey(tx, workspace.id, 'bootstrap admin', [ApiScope.ADMIN], adminApiKey);
    } else if (firstStart) {
      generatedAdminKey = newKey(tx, workspace.id, 'bootstrap admin', [ApiScope.ADMIN]).secret;
    }
    await tx.flush();
    return { workspace, generatedAdminKey };
  });
}

function newKey(em: EntityManager, workspaceId: string, name: string, scopes: ApiScope[], secret = generateApiKey()): CreatedKey {
  const key = em.create(ApiKey, { workspaceId, name, scopes: [...new Set(scopes)], prefix: keyPrefix(secret), keyHash: hashApiKey(secret) });
  return { key, secret };
}

/** BAD_USER_INPUT unless the key's name and scopes are usable. */
function checkKeyInput(name: string, scopes: readonly ApiScope[]): void {
  if (!name.trim()) throw badInput('INVALID_NAME', 'Key name cannot be empty', 'name');
  if (scopes.length === 0) throw badInput('INVALID_SCOPES', 'At least one scope is required', 'scopes');
}

/** The new workspace's name, trimmed; BAD_USER_INPUT INVALID_NAME when blank. */
function workspaceNameOf(workspaceName: string): string {
  if (!workspaceName.trim()) throw badInput('INVALID_NAME', 'Workspace name cannot be empty', 'workspaceName');
  return workspaceName.trim();
}

/**
 * The operator's: a new workspace and its first key (createApiKey with the operator key), bound to
 * no calling workspace, so it reads and writes nothing of any other workspace.
 */
export class WorkspaceProvisioning {
  constructor(
    private readonly em: EntityManager,
    private readonly plans: Pick<Config['plans'], 'list'>,
  ) {}

  /**
   * The workspace goes on `plan` when given (a configured plan, else BAD_USER_INPUT UNKNOWN_PLAN), else
   * on the default plan (stored as null, so it follows DEFAULT_PLAN).
   */
  async create(workspaceName: string | null | undefined, keyName: string, scopes: ApiScope[], plan?: string | null): Promise<CreatedKey> {
    if (workspaceName === undefined || workspaceName === null) {
      throw badInput('WORKSPACE_NAME_REQUIRED', 'The operator key belongs to no workspace: createApiKey needs workspaceName (the new workspace the key is for)', 'workspaceName');
    }
    const name = workspaceNameOf(workspaceName);
    checkKeyInput(keyName, scopes);
    if (plan !== undefined && plan !== null && !this.plans.list.some((p) => p.name === plan)) {
      throw badInput('UNKNOWN_PLAN', `No plan "${plan}" is configured (PLANS)`, 'plan');
    }
    return newWorkspaceWithKey(this.em, name, keyName, scopes, { plan: plan ?? null });
  }
}

/**
 * A new workspace and its first key, in one transaction. Its plan is `plan` (null: DEFAULT_PLAN)
 * or the plan of the workspace `planOf`. The plan column is not mapped on the entity (src/plans/
 * owns it): it is set by SQL in the same transaction.
 */
function newWorkspaceWithKey(em: EntityManager, name: string, keyName: string, scopes: ApiScope[], plan: { plan: string | null } | { planOf: string }): Promise<CreatedKey> {
  return em.transactional(async (tx) => {
    const workspace = tx.create(Workspace, { name, timezone: 'UTC', settings: {} });
    const created = newKey(tx, workspace.id, keyName.trim(), scopes);
    await tx.flush();
    if ('planOf' in plan) await tx.execute('update workspaces set plan = (select plan from workspaces where id = ?) where id = ?', [plan.planOf, workspace.id]);
    else if (plan.plan !== null) await tx.execute('update workspaces set plan = ? where id = ?', [plan.plan, workspace.id]);
    return created;
  });
}

/** Workspace administration for the calling key's workspace. */
export class WorkspaceService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
    private readonly keyCache?: ApiKeyCache,
    /** ALLOW_CUSTOM_PROVIDER_URLS: whether provider API URLs other than the public ones are accepted. */
    private readonly allowCustomProviderUrls = false,
    /** PLANS is set: a workspace key may not create workspaces (each would bring a new monthly allowance). */
    private readonly plansConfigured = false,
  ) {}

  async current(): Promise<Workspace> {
    const ws = await this.em.findOne(Workspace, { id: this.workspaceId });
    if (!ws) throw notFound('Workspace', this.workspaceId);
    return ws;
  }

  /** With `workspaceName`, the key belongs to a new workspace of that name. */
  async createApiKey(name: string, scopes: ApiScope[], workspaceName?: string | null): Promise<CreatedKey> {
    const newWorkspace = workspaceName !== undefined && workspaceName !== null;
    // Plans sold per workspace: a workspace's ADMIN making workspaces would make allowances.
    if (newWorkspace && this.plansConfigured) throw forbidden(CREATE_WORKSPACE_NEEDS_OPERATOR_MESSAGE);
    checkKeyInput(name, scopes);
    // A workspace made by a workspace's ADMIN (possible only without PLANS) is on its maker's plan,
    // not the default: a plan stored before PLANS was unset stays with its maker.
    if (newWorkspace) return newWorkspaceWithKey(this.em, workspaceNameOf(workspaceName), name, scopes, { planOf: this.workspaceId });
    return this.em.transactional(async (tx) => {
      const created = newKey(tx, this.workspaceId, name.trim(), scopes);
      await tx.flush();
      return created;
    });
  }

  async revokeApiKey(id: string): Promise<boolean> {
    const key = await this.em.findOne(ApiKey, { id: asUuid(id), workspaceId: this.workspaceId });
    if (!key) throw notFound('API key', id);
    key.revokedAt ??= new Date();
    await this.em.flush();
    // This instance forgets the key at once; every other one when the announcement arrives.
    this.keyCache?.revoke(key.id);
    await announce(this.em, { kind: 'key-revoked', apiKeyId: key.id });
    return true;
  }

  async updateSettings(patch: SettingsPatch): Promise<Workspace> {
    const ws = await this.current();
    if (patch.name !== undefined && patch.name !== null) {
      if (!patch.name.trim()) throw badInput('INVALID_NAME', 'Workspace name cannot be empty', 'input.name');
      ws.name = patch.name.trim();
    }
    if (patch.timezone !== undefined && patch.timezone !== null) {
      const zone = canonicalTimeZone(patch.timezone);
      if (!zone) throw badInput('INVALID_TIMEZONE', `Unknown IANA time zone "${patch.timezone}"`, 'input.timezone');
      ws.timezone = zone;
    }
    const settings = validateSettings(patch, this.allowCustomProviderUrls); // before anything changes
    const alertWebhookUrl = patch.alertWebhookUrl ? checkedAlertWebhookUrl(patch.alertWebhookUrl, this.allowCustomProviderUrls) : null;
    const secretAfter = patch.webhookSigningSecret === undefined || patch.webhookSigningSecret === null ? ws.webhookSigningSecret : patch.webhookSigningSecret || null;
    // Alerts are signed with the generic webhook's secret: a URL without it would get unsigned alerts.
    if ((patch.alertWebhookUrl === undefined ? ws.alertWebhookUrl : alertWebhookUrl) && !secretAfter) {
      throw badInput(
        'ALERT_WEBHOOK_NEEDS_SIGNING_SECRET',
        'alertWebhookUrl needs webhookSigningSecret: alerts are signed with it (X-Splitcast-Signature); set both, or clear alertWebhookUrl first',
        patch.alertWebhookUrl ? 'input.alertWebhookUrl' : 'input.webhookSigningSecret',
      );
    }
    // Scheduled reports' webhooks are signed with it too (src/reports): not cleared under them. A
    // table read, not an import: reports build on workspaces, not the other way round.
    if (patch.webhookSigningSecret === '' && ws.webhookSigningSecret) {
      const used = await this.em
        .getConnection()
        .execute<{ id: string }[]>(`select id from report_schedules where workspace_id = ? and cardinality(webhook_urls) > 0 limit 1`, [ws.id]);
      if (used.length > 0) {
        throw badInput(
          'ALERT_WEBHOOK_NEEDS_SIGNING_SECRET',
          'webhookSigningSecret signs the webhooks of report schedules; delete those schedules (reportSchedules) before clearing it',
          'input.webhookSigningSecret',
        );
      }
    }
    // Secrets: a string sets, an empty string clears, absent leaves as is.
    for (const secret of ['twilioAuthToken', 'openphoneSigningSecret', 'webhookSigningSecret', 'emailWebhookKey'] as const) {
      const v = patch[secret];
      if (v !== undefined && v !== null) ws[secret] = v === '' ? null : v;
    }
    // Providers with credentials: a value replaces the whole provider, null removes it.
    if (patch.smtp !== undefined) {
      ws.smtpPassword = patch.smtp?.password || null;
    }
    if (patch.whatsappCloud !== undefined) {
      ws.whatsappAccessToken = patch.whatsappCloud?.accessToken ?? null;
      ws.whatsappAppSecret = patch.whatsappCloud?.appSecret ?? null;
      ws.whatsappVerifyToken = patch.whatsappCloud?.verifyToken ?? null;
    }
    if (patch.alertWebhookUrl !== undefined) ws.alertWebhookUrl = alertWebhookUrl;
    const channels = settings.channels ? { ...ws.settings.channels, ...settings.channels } : ws.settings.channels;
    ws.settings = { ...ws.settings, ...settings, ...(channels ? { channels } : {}) };
    await this.em.flush();
    return ws;
  }
}

/** The three sending rules, validated alike workspace-wide and per channel (`path` names the input). */
function validateRules(p: Pick<SettingsPatch, 'sendRatePerSecond' | 'quietHours' | 'frequencyCap'>, path: string): ChannelRuleSettings {
  const out: ChannelRuleSettings = {};
  if (p.sendRatePerSecond !== undefined && p.sendRatePerSecond !== null) {
    if (!Number.isInteger(p.sendRatePerSecond) || p.sendRatePerSecond < 1 || p.sendRatePerSecond > 10_000) {
      throw badInput('INVALID_SEND_RATE', 'sendRatePerSecond must be an integer from 1 to 10000', `${path}.sendRatePerSecond`);
    }
    out.sendRatePerSecond = p.sendRatePerSecond;
  }
  if (p.quietHours !== undefined) {
    out.quietHours = p.quietHours === null ? null : parseQuietHours(p.quietHours, `${path}.quietHours`);
  }
  if (p.frequencyCap !== undefined) {
    if (p.frequencyCap !== null && (!Number.isInteger(p.frequencyCap) || p.frequencyCap < 1)) {
      throw badInput('INVALID_FREQUENCY_CAP', 'frequencyCap must be a positive integer (messages per contact per 7 days), or null for none', `${path}.frequencyCap`);
    }
    out.frequencyCap = p.frequencyCap;
  }
  return out;
}

function validateSettings(p: SettingsPatch, allowCustomProviderUrls: boolean): WorkspaceSettings {
  const out: WorkspaceSettings = validateRules(p, 'input');
  if (p.channelRules !== undefined && p.channelRules !== null) {
    const channels: NonNullable<WorkspaceSettings['channels']> = {};
    p.channelRules.forEach((rule, i) => {
      const path = `input.channelRules.${i}`;
      if (!isChannel(rule.channel)) throw badInput('INVALID_CHANNEL_RULES', 'channel must be SMS, WHATSAPP or EMAIL', `${path}.channel`);
      if (rule.channel in channels) throw badInput('INVALID_CHANNEL_RULES', `channelRules names ${rule.channel} twice`, `${path}.channel`);
      channels[rule.channel] = validateRules(rule, path);
    });
    out.channels = channels;
  }
  if (p.defaultCountry !== undefined) {
    if (p.defaultCountry !== null && !/^[A-Z]{2}$/.test(p.defaultCountry)) {
      throw badInput('INVALID_COUNTRY', 'defaultCountry must be an ISO 3166-1 alpha-2 code such as US or PT', 'input.defaultCountry');
    }
    out.defaultCountry = p.defaultCountry;
  }
  if (p.helpReply !== undefined) out.helpReply = p.helpReply || null;
  if (p.twilioAccountSid !== undefined) {
    if (p.twilioAccountSid !== null && !/^AC[0-9a-fA-F]{32}$/.test(p.twilioAccountSid)) {
      throw badInput('INVALID_TWILIO_ACCOUNT', 'twilioAccountSid must look like AC followed by 32 hex characters', 'input.twilioAccountSid');
    }
    out.twilioAccountSid = p.twilioAccountSid;
  }
  if (p.twilioFrom !== undefined) out.twilioFrom = p.twilioFrom || null;
  if (p.smtp !== undefined) out.smtp = p.smtp === null ? null : parseSmtp(p.smtp);
  if (p.alertEmail !== undefined) {
    const email = p.alertEmail?.trim() || null;
    if (email !== null && (!EMAIL_ADDRESS.test(email) || email.length > 254)) throw badInput('INVALID_ALERT_EMAIL', 'alertEmail must be one email address, e.g. ops@shop.example', 'input.alertEmail');
    out.alertEmail = email;
  }
  if (p.whatsappCloud !== undefined) out.whatsappCloud = p.whatsappCloud === null ? null : parseWhatsAppCloud(p.whatsappCloud, allowCustomProviderUrls);
  return out;
}

const EMAIL_ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function parseSmtp(p: NonNullable<SettingsPatch['smtp']>): SmtpSettings {
  const bad = (field: string, message: string) => badInput('INVALID_SMTP_SETTINGS', message, `input.smtp.${field}`);
  const host = p.host.trim();
  if (!host || /\s/.test(host)) throw bad('host', 'smtp.host must be a host name or address');
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65_535) throw bad('port', 'smtp.port must be a TCP port (1–65535)');
  const from = p.from.trim();
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  if (!EMAIL_ADDRESS.test(address)) throw bad('from', 'smtp.from must be an email address, optionally with a name: "Shop <news@shop.example>"');
  const username = p.username || null;
  // Credentials must not cross the network in clear: with a username, TLS is required unless refused explicitly.
  return { host, port: p.port, secure: p.secure ?? false, requireTls: p.requireTls ?? username !== null, username, from };
}

function parseWhatsAppCloud(p: NonNullable<SettingsPatch['whatsappCloud']>, allowCustomUrls: boolean): WhatsAppCloudSettings {
  const bad = (field: string, message: string) => badInput('INVALID_WHATSAPP_SETTINGS', message, `input.whatsappCloud.${field}`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(p.phoneNumberId)) throw bad('phoneNumberId', 'whatsappCloud.phoneNumberId must be the phone number ID Meta shows (digits)');
  for (const secret of ['accessToken', 'appSecret', 'verifyToken'] as const) {
    if (!p[secret].trim()) throw bad(secret, `whatsappCloud.${secret} cannot be empty`);
  }
  let apiBaseUrl = DEFAULT_WHATSAPP_API_BASE_URL;
  if (p.apiBaseUrl) {
    const checked = checkWhatsAppApiBaseUrl(p.apiBaseUrl, allowCustomUrls);
    if (!checked.ok) throw bad('apiBaseUrl', checked.message);
    apiBaseUrl = checked.url;
  }
  return { phoneNumberId: p.phoneNumberId, apiBaseUrl };
}

function checkedAlertWebhookUrl(text: string, allowCustomUrls: boolean): string {
  const checked = checkAlertWebhookUrl(text.trim(), allowCustomUrls);
  if (!checked.ok) throw badInput('INVALID_ALERT_WEBHOOK_URL', checked.message, 'input.alertWebhookUrl');
  return checked.url;
}

function parseQuietHours(v: unknown, path = 'input.quietHours'): { start: number; end: number } {
  const hour = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 23;
  const q = v as { start?: unknown; end?: unknown };
  if (typeof v !== 'object' || v === null || !hour(q.start) || !hour(q.end) || q.start === q.end) {
    throw badInput('INVALID_QUIET_HOURS', 'quietHours must be {start, end} with distinct whole hours 0–23, e.g. {"start": 21, "end": 8}', path);
  }
  return { start: q.start as number, end: q.end as number };
}
