/**
 * Which provider sends a message: decided per channel and workspace (`ProviderRouter.route`).
 *
 * - A provider the workspace configured wins: SMTP (`smtp`) for EMAIL, the WhatsApp Cloud API
 *   (`whatsappCloud`) for WHATSAPP (unless its base URL is one ALLOW_CUSTOM_PROVIDER_URLS refuses).
 * - Otherwise SEND_PROVIDER decides: `simulator` (the default) speaks every channel; `twilio`
 *   sends SMS and WhatsApp (`whatsapp:` addresses) — and EMAIL without SMTP settings cannot go
 *   out (the send fails with the reason; nothing is faked).
 */
import type { Logger } from 'pino';
import type { Config } from '../../config';
import type { SqlPool } from '../../db/pool';
import { EventType } from '../../domain/event-type';
import type { IngestionPipeline } from '../../tracking/ingestion';
import { Channel } from '../../domain/channel';
import type { MessagingProvider, ProviderWorkspace } from './provider';
import { DEFAULT_SIMULATED_RATES, SimulatorProvider, type SimulatedRates } from './simulator';
import { SimulatorSecrets } from './simulator-secret';
import { coalesce } from './coalesce';
import { SmtpProvider } from './smtp';
import { TwilioProvider } from './twilio';
import { WhatsAppCloudProvider } from './whatsapp-cloud';
import { GENERIC_SIGNATURE_HEADER, genericSignatureHeader } from '../../tracking/webhooks/signatures';
import { checkWhatsAppApiBaseUrl } from '../../workspaces/provider-urls';

export interface ProviderRouter {
  /** The provider for a message on `channel` from this workspace, or why there is none. */
  route(channel: Channel, workspace: ProviderWorkspace): MessagingProvider | { unavailable: string };
  /** Every provider: closed with the sender. */
  readonly providers: readonly MessagingProvider[];
}

export const EMAIL_NOT_CONFIGURED = 'email is not configured for this workspace: set smtp with updateWorkspaceSettings';

/** `listeningUrl`: read when used (providers are made before the server listens). */
export function createProviders(config: Config, listeningUrl: () => string, sql: SqlPool, ingestion: IngestionPipeline, logger: Logger): ProviderRouter {
  const base = config.sendProvider === 'twilio' ? createTwilio(config) : createSimulator(config, listeningUrl, sql, ingestion, logger);
  const smtp = new SmtpProvider();
  // One instance for every workspace: credentials and base URL come with each message's workspace.
  const whatsappCloud = new WhatsAppCloudProvider();
  return {
    providers: [base, smtp, whatsappCloud],
    route(channel, workspace) {
      if (channel === Channel.EMAIL && workspace.smtp) return smtp;
      if (channel === Channel.WHATSAPP && workspace.whatsappCloud) {
        // Checked again at send time: a URL saved before the rule (or while ALLOW_CUSTOM_PROVIDER_URLS
        // was on) must not be called once the operator no longer allows it.
        const checked = checkWhatsAppApiBaseUrl(workspace.whatsappCloud.apiBaseUrl, config.allowCustomProviderUrls);
        return checked.ok ? whatsappCloud : { unavailable: checked.message };
      }
      if (channel === Channel.EMAIL && config.sendProvider !== 'simulator') return { unavailable: EMAIL_NOT_CONFIGURED };
      return base;
    },
  };
}

function createTwilio(config: Config): TwilioProvider {
  return new TwilioProvider({ baseUrl: config.twilioApiUrl, statusCallbackUrl: (workspaceId) => `${config.publicUrl}/webhooks/twilio/${workspaceId}` });
}

function createSimulator(config: Config, listeningUrl: () => string, sql: SqlPool, ingestion: IngestionPipeline, logger: Logger): SimulatorProvider {
  // Works with no setup: the simulator signs its Twilio-protocol webhooks with a secret of its own
  // per workspace, created on first use (why not the Twilio auth token: see simulator-secret.ts).
  const secrets = new SimulatorSecrets(sql);
  return new SimulatorProvider({
    publicUrl: listeningUrl,
    signatureBaseUrl: () => config.publicUrl,
    signingSecret: (workspaceId) => secrets.get(workspaceId),
    // Per-variant true rates from the campaign's `simulation` setting ({ "<variant key>": { click: 0.2, … } }),
    // cached a few seconds per (campaign, variant): read for every message, changed rarely.
    rates: cachedRates(async (campaignId, variantId) => {
      const [row] = await sql.query<{ simulation: Record<string, Partial<SimulatedRates>> | null; key: string }>(
        'select c.simulation, v.key from campaigns c join variants v on v.campaign_id = c.id and v.workspace_id = c.workspace_id where c.id = $1 and v.id = $2',
        [campaignId, variantId],
      );
      const own = row?.simulation?.[row.key];
      return own ? { ...DEFAULT_SIMULATED_RATES, ...own } : null;
    }),
    // Conversions are the business's own events: posted, signed, to the generic webhook when the
    // workspace has a signing secret (as a shop's backend would), else straight into the pipeline.
    onConversion: async (m, value) => {
      const [c] = await sql.query<{ workspace_id: string; secret: string | null }>(
        'select c.workspace_id, w.webhook_signing_secret as secret from campaigns c join workspaces w on w.id = c.workspace_id where c.id = $1',
        [m.campaignId],
      );
      if (!c) return;
      const event = { campaignId: m.campaignId, contactId: m.contactId, type: EventType.CONVERTED, value, idempotencyKey: `sim-conversion:${m.idempotencyKey}` };
      if (c.secret) {
        const body = JSON.stringify([event]);
        const res = await fetch(`${listeningUrl()}/webhooks/generic/${c.workspace_id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [GENERIC_SIGNATURE_HEADER]: genericSignatureHeader(c.secret, body, Math.floor(Date.now() / 1000)) },
          body,
        });
        if (!res.ok) logger.warn({ status: res.status }, 'simulated conversion refused by the generic webhook');
        return;
      }
      await ingestion.ingest(c.workspace_id, [{ ...event, variantId: m.variantId, occurredAt: new Date(), sentiment: null, url: null, merchantId: null }], 'simulator');
    },
    // The simulator's durable memory, coalesced: the sends of a claimed batch look up and store
    // their keys in one statement each. A put still resolves only once its row is stored, so a
    // send is accepted only once remembered (what makes a retry after a crash get the same id).
    replayStore: replayStore(sql),
    logger,
  });
}

/** How long the simulator's per-variant rates are reused before they are read again. */
export const SIMULATED_RATES_TTL_MS = 2000;

/** `load` cached per (campaign, variant) for SIMULATED_RATES_TTL_MS; a failed load is not kept. */
export function cachedRates(
  load: (campaignId: string, variantId: string) => Promise<SimulatedRates | null>,
  ttlMs = SIMULATED_RATES_TTL_MS,
  now: () => number = Date.now,
): (campaignId: string, variantId: string) => Promise<SimulatedRates | null> {
  const cache = new Map<string, { at: number; value: Promise<SimulatedRates | null> }>();
  return (campaignId, variantId) => {
    const key = `${campaignId}:${variantId}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    // Bounded: expired entries go when the map grows (a long-running server sends many campaigns).
    if (cache.size >= 10_000) for (const [k, v] of cache) if (now() - v.at >= ttlMs) cache.delete(k);
    const value = load(campaignId, variantId);
    cache.set(key, { at: now(), value });
    value.catch(() => cache.delete(key));
    return value;
  };
}

function replayStore(sql: SqlPool): { claim(key: string, id: string): Promise<string | undefined> } {
  // Insert-if-absent and read back the earlier id of the keys that conflicted, in one statement.
  // The read sees the rows committed before the statement: a key that conflicted with a row not
  // yet visible (another instance's concurrent, uncommitted claim) is neither inserted nor found,
  // and fails the send (retryable) rather than playing it back twice.
  const claim = coalesce<{ key: string; id: string }, string | undefined | Error>(async (items) => {
    const rows = await sql.query<{ key: string; id: string | null; inserted: boolean }>(
      `with x as (select * from unnest($1::text[], $2::text[]) as x(key, id)),
            ins as (insert into simulator_sends (idempotency_key, provider_message_id) select key, id from x on conflict do nothing returning idempotency_key)
       select x.key, coalesce((select s.provider_message_id from simulator_sends s where s.idempotency_key = x.key), x.id) as id,
              exists (select 1 from ins where ins.idempotency_key = x.key) as inserted
       from x`,
      [items.map((i) => i.key), items.map((i) => i.id)],
    );
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return items.map(({ key, id }) => {
      const r = byKey.get(key);
      if (r?.inserted) return undefined;
      // Per key: one such conflict must not fail the other sends of the statement.
      if (!r || r.id === id) return new Error(`the replay store could not store ${key} (a concurrent claim)`);
      return r.id!;
    });
  });
  return {
    claim: async (key, id) => {
      const r = await claim({ key, id });
      if (r instanceof Error) throw r;
      return r;
    },
  };
}
