/** The provider SEND_PROVIDER names: the simulator (default) or Twilio. */
import type { Logger } from 'pino';
import type { Config } from '../../config';
import type { SqlPool } from '../../db/pool';
import { EventType } from '../../tracking/event-type';
import type { IngestionPipeline } from '../../tracking/ingestion';
import type { MessagingProvider } from './provider';
import { DEFAULT_SIMULATED_RATES, SimulatorProvider, type SimulatedRates } from './simulator';
import { TwilioProvider } from './twilio';

export function createProvider(config: Config, listeningUrl: string, sql: SqlPool, ingestion: IngestionPipeline, logger: Logger): MessagingProvider {
  if (config.sendProvider === 'twilio') {
    return new TwilioProvider({ statusCallbackUrl: (workspaceId) => `${config.publicUrl}/webhooks/twilio/${workspaceId}` });
  }
  return new SimulatorProvider({
    publicUrl: listeningUrl,
    signatureBaseUrl: config.publicUrl,
    // Per-variant true rates from the campaign's `simulation` setting ({ "<variant key>": { click: 0.2, … } }).
    rates: async (campaignId, variantId) => {
      const [row] = await sql.query<{ simulation: Record<string, Partial<SimulatedRates>> | null; key: string }>(
        'select c.simulation, v.key from campaigns c join variants v on v.campaign_id = c.id where c.id = $1 and v.id = $2',
        [campaignId, variantId],
      );
      const own = row?.simulation?.[row.key];
      return own ? { ...DEFAULT_SIMULATED_RATES, ...own } : null;
    },
    // Conversions are the business's own events: they enter through the ingestion pipeline.
    onConversion: async (m, value) => {
      const [c] = await sql.query<{ workspace_id: string }>('select workspace_id from campaigns where id = $1', [m.campaignId]);
      if (!c) return;
      await ingestion.ingest(
        c.workspace_id,
        [{ campaignId: m.campaignId, contactId: m.contactId, type: EventType.CONVERTED, variantId: m.variantId, occurredAt: new Date(), value, sentiment: null, url: null, merchantId: null, idempotencyKey: `sim-conversion:${m.idempotencyKey}` }],
        'simulator',
      );
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
