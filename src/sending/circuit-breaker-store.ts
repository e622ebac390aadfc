/**
 * The circuits of the provider accounts this instance sends through: the pure state machine
 * (./circuit-breaker.ts) in memory for the hot path, shared with every other instance through the
 * provider_circuits table.
 *
 * Sync, cheaply: once per claimed batch, one statement reads the rows of the accounts the batch
 * sends through (`gate`), so an instance honours a circuit another one opened within a batch
 * interval; transitions are written when they happen (rare: a trip, a probe, its result), each
 * guarded by the state it leaves so that two instances cannot both trip or both probe; failure
 * counts and the last error (for providerHealth) are written once per batch (`flush`). Counting
 * towards a trip stays per instance (in memory): several instances each see part of the calls and
 * each trips on what it saw, and the first one to trip stops them all.
 */
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Sql } from '../db/pool';
import type { Channel } from '../domain/channel';
import type { SendResult } from './providers/provider';
import { admit, adopt, closedCircuit, outcomeOf, record, stillAdmitted, type BreakerSettings, type Circuit, type CircuitState, type SharedCircuit, type Transition } from './circuit-breaker';

/** One call's circuit: the provider account, and who sends through it. */
export interface CircuitKey {
  account: string;
  provider: string;
  channel: Channel;
  workspaceId: string;
}

/** splitcast_circuit_transitions_total. */
export type TransitionCounter = Counter<'provider' | 'channel' | 'from' | 'to'>;

/** How long the other sends wait while a probe is out before they look again. */
export const PROBE_WAIT_MS = 1000;
/** A probe that has not reported after this long (its instance died) is given up: above any provider timeout. */
export const PROBE_TIMEOUT_MS = 60_000;

interface Entry {
  circuit: Circuit;
  key: CircuitKey;
  /** Bumped on every local transition: a shared state read before it is stale. */
  version: number;
  /** Workspaces known to be in the row's workspace_ids. */
  workspaces: Set<string>;
}

interface Row extends Record<string, unknown> {
  account: string;
  state: CircuitState | null;
  opened_at: number | null;
  retry_at: number | null;
  open_seconds: number | null;
  workspace_ids?: string[];
}

/** Epoch milliseconds of a timestamptz column. */
const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;
const SHARED_COLUMNS = `state, ${ms('opened_at')} as opened_at, ${ms('retry_at')} as retry_at, open_seconds`;

function shared(row: Row | undefined): SharedCircuit | null {
  if (!row?.state) return null;
  return { state: row.state, openedAt: row.opened_at, retryAt: row.retry_at, openMs: Number(row.open_seconds) * 1000 };
}

export function breakerSettings(c: { failures: number; failureRate: number; windowSeconds: number; minCalls: number; openSeconds: number; maxOpenSeconds: number }): BreakerSettings {
  return {
    failures: c.failures,
    failureRate: c.failureRate,
    windowMs: c.windowSeconds * 1000,
    minCalls: c.minCalls,
    openMs: c.openSeconds * 1000,
    maxOpenMs: c.maxOpenSeconds * 1000,
    probeTimeoutMs: PROBE_TIMEOUT_MS,
    probeWaitMs: PROBE_WAIT_MS,
  };
}

export class CircuitBreakers {
  private readonly entries = new Map<string, Entry>();
  /** Failures since the last flush, per account. */
  private failures = new Map<string, { key: CircuitKey; n: number; error: string; workspaces: Set<string> }>();
  /** Probes admitted and not yet reported. */
  private readonly probesOut = new Set<string>();

  constructor(
    private readonly sql: Sql,
    readonly settings: BreakerSettings,
    private readonly logger: Logger,
    private readonly transitions?: TransitionCounter,
    private readonly now: () => number = Date.now,
  ) {}

  private entry(key: CircuitKey): Entry {
    let e = this.entries.get(key.account);
    if (!e) {
      e = { circuit: closedCircuit(this.settings), key, version: 0, workspaces: new Set() };
      this.entries.set(key.account, e);
    }
    return e;
  }

  /** This instance's view of an account's circuit (CLOSED when it never saw one). */
  state(account: string): CircuitState {
    return this.entries.get(account)?.circuit.state ?? 'CLOSED';
  }

  private count(e: Entry, t: Transition): void {
    e.version++;
    this.transitions?.inc({ provider: e.key.provider, channel: e.key.channel.toLowerCase(), from: t.from, to: t.to });
    this.logger.warn({ account: e.key.account, provider: e.key.provider, channel: e.key.channel, from: t.from, to: t.to, retryAt: e.circuit.retryAt ? new Date(e.circuit.retryAt) : null }, `provider circuit ${t.from} → ${t.to}`);
  }

  /**
   * Which of a batch's calls may go: the shared state of their accounts is read first (one
   * statement); an OPEN circuit defers its calls to when it may probe, a HALF_OPEN one lets one
   * call go as the probe (claimed in the database, so one instance probes) and defers the others
   * briefly. Database trouble: the calls are judged on this instance's memory.
   */
  async gate<T extends CircuitKey>(items: readonly T[]): Promise<{ go: { item: T; probe: boolean }[]; deferred: { item: T; until: Date }[] }> {
    const accounts = [...new Set(items.map((i) => i.account))];
    const versions = new Map(accounts.map((a) => [a, this.entries.get(a)?.version ?? 0]));
    try {
      const rows = await this.sql.query<Row>(`select account, workspace_ids, ${SHARED_COLUMNS} from provider_circuits where account = any($1::text[])`, [accounts]);
      const byAccount = new Map(rows.map((r) => [r.account, r]));
      for (const item of items) {
        const e = this.entry(item);
        const row = byAccount.get(item.account);
        // No row: no instance ever recorded a failure on it; a local circuit not yet written stays.
        if (row && e.version === versions.get(item.account)) e.circuit = adopt(e.circuit, shared(row), this.settings);
        for (const w of row?.workspace_ids ?? []) e.workspaces.add(w);
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not read the provider circuits; judging calls on this instance alone');
    }
    const go: { item: T; probe: boolean }[] = [];
    const deferred: { item: T; until: Date }[] = [];
    for (const item of items) {
      const e = this.entry(item);
      const { circuit, admission } = admit(e.circuit, this.now(), this.settings);
      if (admission.kind === 'GO') {
        go.push({ item, probe: false });
      } else if (admission.kind === 'DEFER') {
        deferred.push({ item, until: new Date(admission.until) });
      } else if (await this.claimProbe(e, circuit)) {
        go.push({ item, probe: true });
      } else {
        const again = admit(e.circuit, this.now(), this.settings).admission;
        deferred.push({ item, until: new Date(again.kind === 'DEFER' ? again.until : this.now() + PROBE_WAIT_MS) });
      }
    }
    await this.noteWorkspaces(deferred.map((d) => d.item));
    return { go, deferred };
  }

  /** Claims the probe of a circuit whose cool-down is over: true when this instance probes. */
  private async claimProbe(e: Entry, halfOpen: Circuit): Promise<boolean> {
    try {
      const [row] = await this.sql.query<Row & { claimed: boolean }>(
        `with claim as (
           update provider_circuits set state = 'HALF_OPEN', retry_at = now() + make_interval(secs => $2), updated_at = now()
           where account = $1 and state <> 'CLOSED' and retry_at <= now()
           returning ${SHARED_COLUMNS})
         select exists (select 1 from claim) as claimed,
                coalesce((select state from claim), p.state) as state,
                coalesce((select opened_at from claim), ${ms('p.opened_at')}) as opened_at,
                coalesce((select retry_at from claim), ${ms('p.retry_at')}) as retry_at,
                coalesce((select open_seconds from claim), p.open_seconds) as open_seconds
         from (select 1) one left join provider_circuits p on p.account = $1`,
        [e.key.account, this.settings.probeTimeoutMs / 1000],
      );
      const remote = shared(row);
      // Claimed, or no row to claim (the trip was never written): this instance probes.
      if (!row?.claimed && remote) {
        e.circuit = adopt(e.circuit, remote, this.settings);
        return false;
      }
      e.circuit = remote ? adopt(halfOpen, remote, this.settings) : halfOpen;
    } catch (err) {
      this.logger.warn({ err, account: e.key.account }, 'could not claim the probe of a provider circuit; it waits');
      return false;
    }
    this.probesOut.add(e.key.account);
    this.count(e, { from: 'OPEN', to: 'HALF_OPEN' });
    return true;
  }

  /** Whether a call admitted by `gate` may still go (its circuit may have opened since). */
  allowed(account: string, probe: boolean): boolean {
    const e = this.entries.get(account);
    return !e || stillAdmitted(e.circuit, probe);
  }

  /** When a call held back now may go again. */
  retryAt(account: string): Date {
    const c = this.entries.get(account)?.circuit;
    const at = c?.state === 'OPEN' && c.retryAt ? c.retryAt : this.now() + PROBE_WAIT_MS;
    return new Date(Math.max(at, this.now() + PROBE_WAIT_MS));
  }

  /** A provider call's answer: counted; a transition it causes is written at once. */
  async report(key: CircuitKey, result: SendResult, probe: boolean): Promise<void> {
    const e = this.entry(key);
    if (probe) this.probesOut.delete(key.account);
    if (!result.ok && result.retryable) {
      const f = this.failures.get(key.account) ?? { key, n: 0, error: '', workspaces: new Set<string>() };
      f.n++;
      f.error = result.error;
      f.workspaces.add(key.workspaceId);
      this.failures.set(key.account, f);
    }
    const { circuit, transition } = record(e.circuit, outcomeOf(result), this.now(), this.settings, probe);
    e.circuit = circuit;
    if (!transition) return;
    this.count(e, transition);
    await this.persist(e, transition, result.ok ? null : result.error);
  }

  /**
   * A probe admitted by `gate` that never reached the provider (rate-limited, unrenderable, its
   * message not recorded): the circuit goes back to OPEN, due at once, so that another call probes.
   */
  async releaseProbes(accounts: Iterable<string>): Promise<void> {
    for (const account of accounts) {
      if (!this.probesOut.delete(account)) continue;
      const e = this.entries.get(account);
      if (!e || e.circuit.state !== 'HALF_OPEN') continue;
      e.circuit = { ...e.circuit, state: 'OPEN', retryAt: this.now() };
      e.version++;
      await this.sql
        .query(`update provider_circuits set state = 'OPEN', retry_at = now(), updated_at = now() where account = $1 and state = 'HALF_OPEN'`, [account])
        .catch((err: unknown) => this.logger.warn({ err, account }, 'could not release a provider circuit probe'));
    }
  }

  /** Writes a transition, guarded by the state it leaves; then takes the row as it is. */
  private async persist(e: Entry, t: Transition, error: string | null): Promise<void> {
    const { key, circuit } = e;
    try {
      const rows = await this.sql.query<Row>(
        `insert into provider_circuits as p (account, provider, channel, workspace_ids, state, opened_at, retry_at, open_seconds, last_error, last_failure_at)
         values ($1, $2, $3, array[$4::uuid], $5, case when $5 = 'CLOSED' then null else now() end,
                 case when $5 = 'CLOSED' then null else now() + make_interval(secs => $6) end, $6, $7, case when $7::text is null then null else now() end)
         on conflict (account) do update set
           state = excluded.state,
           opened_at = case when excluded.state = 'CLOSED' then null else coalesce(p.opened_at, now()) end,
           retry_at = excluded.retry_at, open_seconds = excluded.open_seconds, updated_at = now(),
           last_error = coalesce(excluded.last_error, p.last_error), last_failure_at = coalesce(excluded.last_failure_at, p.last_failure_at),
           workspace_ids = case when $4::uuid = any(p.workspace_ids) then p.workspace_ids else p.workspace_ids || $4::uuid end
         where p.state = $8
         returning account, ${SHARED_COLUMNS}`,
        [key.account, key.provider, key.channel, key.workspaceId, circuit.state, circuit.openMs / 1000, error, t.from],
      );
      e.workspaces.add(key.workspaceId);
      const version = e.version;
      // Not applied: another instance moved it first (both tripped, say); its state wins.
      const [row] = rows.length > 0 ? rows : await this.sql.query<Row>(`select account, ${SHARED_COLUMNS} from provider_circuits where account = $1`, [key.account]);
      if (e.version === version && row) e.circuit = adopt(e.circuit, shared(row), this.settings);
    } catch (err) {
      this.logger.error({ err, account: key.account }, 'could not write a provider circuit transition; this instance keeps it in memory');
    }
  }

  /** Workspaces whose calls were held back by a circuit are recorded on it (alerts reach them too). */
  private async noteWorkspaces(items: readonly CircuitKey[]): Promise<void> {
    const missing = items.filter((i) => !this.entries.get(i.account)?.workspaces.has(i.workspaceId));
    if (missing.length === 0) return;
    const pairs = [...new Map(missing.map((i) => [`${i.account}|${i.workspaceId}`, i])).values()];
    try {
      await this.sql.query(
        `update provider_circuits p set workspace_ids = p.workspace_ids || x.ws
         from (select account, array_agg(distinct ws) as ws from unnest($1::text[], $2::uuid[]) as u(account, ws) group by account) x
         where p.account = x.account and not (x.ws <@ p.workspace_ids)`,
        [pairs.map((p) => p.account), pairs.map((p) => p.workspaceId)],
      );
      for (const p of pairs) this.entries.get(p.account)?.workspaces.add(p.workspaceId);
    } catch (err) {
      this.logger.warn({ err }, 'could not record the workspaces of a provider circuit');
    }
  }

  /**
   * The batch's failures per account (count, last error, workspaces), in one statement: what
   * providerHealth reports. `failures` restarts once its count is a window old.
   */
  async flush(): Promise<void> {
    if (this.failures.size === 0) return;
    const list = [...this.failures.values()];
    this.failures = new Map();
    try {
      await this.sql.query(
        `insert into provider_circuits as p (account, provider, channel, workspace_ids, open_seconds, failures, failures_since, last_error, last_failure_at)
         select x.account, x.provider, x.channel, string_to_array(x.ws, ',')::uuid[], $7, x.n, now(), x.error, now()
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) as x(account, provider, channel, ws, n, error)
         on conflict (account) do update set
           failures = case when p.failures_since < now() - make_interval(secs => $8) then excluded.failures else p.failures + excluded.failures end,
           failures_since = case when p.failures_since < now() - make_interval(secs => $8) then now() else p.failures_since end,
           last_error = excluded.last_error, last_failure_at = now(), updated_at = now(),
           workspace_ids = array(select distinct w from unnest(p.workspace_ids || excluded.workspace_ids) as w)`,
        [
          list.map((f) => f.key.account),
          list.map((f) => f.key.provider),
          list.map((f) => f.key.channel),
          list.map((f) => [...f.workspaces].join(',')),
          list.map((f) => f.n),
          list.map((f) => f.error),
          this.settings.openMs / 1000,
          this.settings.windowMs / 1000,
        ],
      );
      for (const f of list) for (const w of f.workspaces) this.entries.get(f.key.account)?.workspaces.add(w);
    } catch (err) {
      this.logger.warn({ err }, 'could not record provider failures for providerHealth');
    }
  }
}
