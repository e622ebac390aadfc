/**
 * Provider health as the circuits see it (src/sending/circuit-breaker*.ts): per channel a
 * workspace can send on, the provider and account that serve it and the account's circuit; and the
 * CIRCUIT_OPEN conditions the alert evaluator raises (one per workspace using an account whose
 * circuit is not closed). Plain reads of provider_circuits; they decide nothing about delivery.
 */
import type { Sql } from '../db/pool';
import { CHANNELS, type Channel } from '../domain/channel';
import type { CircuitState } from '../sending/circuit-breaker';
import type { ProviderRouter } from '../sending/providers';
import { providerWorkspace, type WorkspaceRow } from '../sending/sender';
import type { AlertCondition } from './alert-condition';

export interface ProviderHealthEntry {
  provider: string;
  channel: Channel;
  /** The provider account key (no secrets: account SIDs, numbers, hosts, user names, phone number ids). */
  account: string;
  circuit: CircuitState;
  /** Retryable provider failures in the current window (counted by every instance). */
  recentFailures: number;
  lastError: string | null;
  openedAt: Date | null;
  retryAt: Date | null;
}

/** A provider_circuits row as the queries read it. */
export interface CircuitRow {
  account: string;
  provider: string;
  channel: Channel;
  state: CircuitState;
  opened_at: Date | null;
  retry_at: Date | null;
  failures: number;
  failures_since: Date;
  last_error: string | null;
}

/**
 * One entry per routed channel: the account's recorded circuit, or CLOSED with no failures when
 * none was ever recorded. Failures counted since a time more than a window ago are not recent. Pure.
 */
export function healthEntries(
  routes: readonly { channel: Channel; provider: string; account: string }[],
  rows: readonly CircuitRow[],
  now: Date,
  windowSeconds: number,
): ProviderHealthEntry[] {
  const byAccount = new Map(rows.map((r) => [r.account, r]));
  return routes.map(({ channel, provider, account }) => {
    const r = byAccount.get(account);
    const recent = r && r.failures_since.getTime() > now.getTime() - windowSeconds * 1000 ? r.failures : 0;
    return {
      provider,
      channel,
      account,
      circuit: r?.state ?? 'CLOSED',
      recentFailures: recent,
      lastError: r?.last_error ?? null,
      openedAt: r?.opened_at ?? null,
      retryAt: r?.retry_at ?? null,
    };
  });
}

const ROW_COLUMNS = 'account, provider, channel, state, opened_at, retry_at, failures, failures_since, last_error';

/** The workspace's provider health (two statements: its settings, the circuits of its accounts). */
export async function providerHealth(sql: Sql, providers: ProviderRouter, workspaceId: string, windowSeconds: number): Promise<ProviderHealthEntry[]> {
  const [ws] = await sql.query<WorkspaceRow>(
    `select id as workspace_id, settings, twilio_auth_token, smtp_password, whatsapp_access_token from workspaces where id = $1`,
    [workspaceId],
  );
  if (!ws) return [];
  const workspace = providerWorkspace(ws);
  const routes = CHANNELS.flatMap((channel) => {
    const p = providers.route(channel, workspace);
    return 'send' in p ? [{ channel, provider: p.name, account: p.accountKey(channel, workspace) }] : [];
  });
  if (routes.length === 0) return [];
  const rows = await sql.query<CircuitRow & Record<string, unknown>>(`select ${ROW_COLUMNS} from provider_circuits where account = any($1::text[])`, [routes.map((r) => r.account)]);
  return healthEntries(routes, rows, new Date(), windowSeconds);
}

/** The alert conditions of circuits that are not closed, one per workspace that uses the account. Pure. */
export function conditionsOf(rows: readonly (CircuitRow & { workspace_id: string; last_failure_at: Date | null })[]): AlertCondition[] {
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    kind: 'CIRCUIT_OPEN' as const,
    key: `CIRCUIT_OPEN:${r.account}`,
    summary:
      `${r.provider} ${r.channel} circuit ${r.state === 'OPEN' ? 'open' : 'half-open (probing)'}` +
      (r.opened_at ? ` since ${r.opened_at.toISOString()}` : '') +
      (r.last_error ? `: ${r.last_error}` : ''),
    details: {
      provider: r.provider,
      channel: r.channel,
      account: r.account,
      state: r.state,
      since: r.opened_at?.toISOString() ?? null,
      retryAt: r.retry_at?.toISOString() ?? null,
      lastError: r.last_error,
      lastFailureAt: r.last_failure_at?.toISOString() ?? null,
    },
  }));
}

/** For the alert evaluator: a CIRCUIT_OPEN condition per workspace whose account's circuit is OPEN or HALF_OPEN. */
export async function circuitConditions(sql: Sql): Promise<AlertCondition[]> {
  const rows = await sql.query<CircuitRow & { workspace_id: string; last_failure_at: Date | null }>(
    `select ${ROW_COLUMNS.split(', ').map((c) => `p.${c}`).join(', ')}, p.last_failure_at, w.id as workspace_id
     from provider_circuits p cross join lateral unnest(p.workspace_ids) as w(id)
     where p.state <> 'CLOSED'
     order by p.account, w.id`,
  );
  return conditionsOf(rows);
}
