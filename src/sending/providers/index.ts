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

export function createProviders(config: Config, listeningUrl: string, sql: SqlPool, ingestion: IngestionPipeline, logger: Logger): ProviderRouter {
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
  return new TwilioProvider({ statusCallbackUrl: (workspaceId) => `${config.publicUrl}/webhooks/twilio/${workspaceId}` });
}

function createSimulator(config: Config, listeningUrl: string, sql: SqlPool, ingestion: IngestionPipeline, logger: Logger): SimulatorProvider {
  // Works with no setup: the simulator signs its Twilio-protocol webhooks with a secret of its own
  // per workspace, created on first use (why not the Twilio auth token: see simulator-secret.ts).
  const secrets = new SimulatorSecrets(sql);
  return new SimulatorProvider({
    publicUrl: listeningUrl,
    signatureBaseUrl: config.publicUrl,
    signingSecret: (workspaceId) => secrets.get(workspaceId),
    // Per-variant true rates from the campaign's `simulation` setting ({ "<variant key>": { click: 0.2, … } }).
    rates: async (campaignId, variantId) => {
      const [row] = await sql.query<{ simulation: Record<string, Partial<SimulatedRates>> | null; key: string }>(
        'select c.simulation, v.key from campaigns c join variants v on v.campaign_id = c.id and v.workspace_id = c.workspace_id where c.id = $1 and v.id = $2',
        [campaignId, variantId],
      );
      const own = row?.simulation?.[row.key];
      return own ? { ...DEFAULT_SIMULATED_RATES, ...own } : null;
    },
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
        const res = await fetch(`${listeningUrl}/webhooks/generic/${c.workspace_id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [GENERIC_SIGNATURE_HEADER]: genericSignatureHeader(c.secret, body, Math.floor(Date.now() / 1000)) },
          body,
        });
        if (!res.ok) logger.warn({ status: res.status }, 'simulated conversion refused by the generic webhook');
        return;
      }
      await ingestion.ingest(c.workspace_id, [{ ...event, variantId: m.variantId, occurredAt: new Date(), sentiment: null, url: null, merchantId: null }], 'simulator');
    },
    replayStore: {
      get: async (key) => (await sql.query<{ id: string }>('select provider_message_id as id from simulator_sends where idempotency_key = $1', [key]))[0]?.id,
      put: async (key, id) => {
        await sql.query('insert into simulator_sends (idempotency_key, provider_message_id) values ($1, $2) on conflict do nothing', [key, id]);
      },
    },
    logger,
  });
}
