/**
 * A circuit breaker per provider account, as pure functions over a value (no I/O, no clock: `now`
 * is passed in). The method is Nygard's (M. Nygard, "Release It!", 2nd ed., ch. 5 "Circuit
 * Breaker") as Fowler describes it (https://martinfowler.com/bliki/CircuitBreaker.html):
 *
 * - CLOSED: calls go through; their outcomes are counted. It trips to OPEN after `failures`
 *   consecutive failures, or when the failure rate over the last `windowMs` reaches `failureRate`
 *   with at least `minCalls` calls in that window (a rate on three calls says nothing).
 * - OPEN: no call goes; the caller defers (our sends are not failed: they wait). After the
 *   cool-down (`openMs`, doubled on every failed probe up to `maxOpenMs`) it may probe.
 * - HALF_OPEN: exactly ONE call goes as the probe, the others keep waiting; the probe's success
 *   closes the circuit (cool-down back to `openMs`), its failure re-opens it. A probe that never
 *   reports (its sender died) is given up after `probeTimeoutMs` and another one may go.
 *
 * What counts: only failures that say the provider (or the way to it) is unwell — the retryable
 * ones: 5xx, 429, network errors, timeouts. A per-message refusal (an invalid number, a bounced
 * address) is an answer from a working provider and counts as a success.
 *
 * Why not opossum: it wraps a function and rejects calls while open (fail fast); we never call a
 * function while open, we move the send's next attempt to when the circuit may probe, and the
 * state must be shared by instances through PostgreSQL (circuit-breaker-store.ts). What is left —
 * this file — is small enough to own and test exhaustively.
 */
import type { SendResult } from './providers/provider';

export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';
export const CIRCUIT_STATES: readonly CircuitState[] = ['CLOSED', 'OPEN', 'HALF_OPEN'];

export interface BreakerSettings {
  /** Consecutive failures that open a closed circuit. */
  failures: number;
  /** Failure rate (0–1] over the window that opens it, given `minCalls`. */
  failureRate: number;
  windowMs: number;
  minCalls: number;
  /** First cool-down; doubled on each failed probe up to `maxOpenMs`. */
  openMs: number;
  maxOpenMs: number;
  /** A probe that has not reported after this long is given up (another one may go). */
  probeTimeoutMs: number;
  /** How long the others wait while a probe is out before they look again. */
  probeWaitMs: number;
}

/** The part every instance shares (kept in PostgreSQL). Times in epoch milliseconds. */
export interface SharedCircuit {
  state: CircuitState;
  /** When it left CLOSED (kept through failed probes: "open since"); null when CLOSED. */
  openedAt: number | null;
  /** OPEN: when a probe may go. HALF_OPEN: when the probe out is given up. Null when CLOSED. */
  retryAt: number | null;
  /** The current cool-down (doubles on each failed probe). */
  openMs: number;
}

/** Outcomes counted in one slice of the window. */
interface Bucket {
  start: number;
  calls: number;
  failures: number;
}

/** One account's circuit: the shared part plus what this instance counted while it was closed. */
export interface Circuit extends SharedCircuit {
  consecutiveFailures: number;
  buckets: readonly Bucket[];
}

/** The window is counted in this many slices (a sliding window whose edge moves a slice at a time). */
export const WINDOW_BUCKETS = 10;

export type Outcome = 'SUCCESS' | 'FAILURE';

/** What to do with one call now. */
export type Admission = { kind: 'GO' } | { kind: 'PROBE' } | { kind: 'DEFER'; until: number };

export interface Transition {
  from: CircuitState;
  to: CircuitState;
}

export function closedCircuit(s: BreakerSettings): Circuit {
  return { state: 'CLOSED', openedAt: null, retryAt: null, openMs: s.openMs, consecutiveFailures: 0, buckets: [] };
}

/** How a provider's answer counts: only retryable failures are the provider's trouble. Pure. */
export function outcomeOf(result: SendResult): Outcome {
  return !result.ok && result.retryable ? 'FAILURE' : 'SUCCESS';
}

/** The window's calls and failures at `now`. Pure. */
export function windowCounts(c: Circuit, now: number, s: BreakerSettings): { calls: number; failures: number } {
  let calls = 0;
  let failures = 0;
  for (const b of c.buckets) {
    if (b.start > now - s.windowMs) {
      calls += b.calls;
      failures += b.failures;
    }
  }
  return { calls, failures };
}

function counted(c: Circuit, outcome: Outcome, now: number, s: BreakerSettings): readonly Bucket[] {
  const width = Math.max(1, Math.floor(s.windowMs / WINDOW_BUCKETS));
  const start = now - (now % width);
  const kept = c.buckets.filter((b) => b.start > now - s.windowMs);
  const last = kept[kept.length - 1];
  const failure = outcome === 'FAILURE' ? 1 : 0;
  if (last && last.start === start) return [...kept.slice(0, -1), { start, calls: last.calls + 1, failures: last.failures + failure }];
  return [...kept, { start, calls: 1, failures: failure }];
}

function opened(c: Circuit, now: number, openMs: number): Circuit {
  return { ...c, state: 'OPEN', openedAt: c.openedAt ?? now, retryAt: now + openMs, openMs, consecutiveFailures: 0, buckets: [] };
}

/**
 * Whether a call may go now. An OPEN circuit whose cool-down is over turns HALF_OPEN and this call
 * is its probe (the caller must then make sure no other instance probes too); a HALF_OPEN one
 * whose probe is out defers the others briefly, or lets a new probe go once the old one is
 * given up. Pure.
 */
export function admit(c: Circuit, now: number, s: BreakerSettings): { circuit: Circuit; admission: Admission } {
  if (c.state === 'CLOSED') return { circuit: c, admission: { kind: 'GO' } };
  const due = c.retryAt === null || now >= c.retryAt;
  if (!due) {
    const until = c.state === 'OPEN' ? c.retryAt! : Math.min(now + s.probeWaitMs, c.retryAt!);
    return { circuit: c, admission: { kind: 'DEFER', until } };
  }
  return { circuit: { ...c, state: 'HALF_OPEN', retryAt: now + s.probeTimeoutMs }, admission: { kind: 'PROBE' } };
}

/**
 * Counts one call's outcome. `probe`: the call was this circuit's probe. Outcomes of calls that
 * were already out when the circuit left CLOSED change nothing (the circuit already knows). Pure.
 */
export function record(c: Circuit, outcome: Outcome, now: number, s: BreakerSettings, probe = false): { circuit: Circuit; transition?: Transition } {
  if (probe && c.state === 'HALF_OPEN') {
    if (outcome === 'SUCCESS') return { circuit: closedCircuit(s), transition: { from: 'HALF_OPEN', to: 'CLOSED' } };
    return { circuit: opened(c, now, Math.min(c.openMs * 2, s.maxOpenMs)), transition: { from: 'HALF_OPEN', to: 'OPEN' } };
  }
  if (c.state !== 'CLOSED') return { circuit: c };
  const buckets = counted(c, outcome, now, s);
  const consecutiveFailures = outcome === 'FAILURE' ? c.consecutiveFailures + 1 : 0;
  const next: Circuit = { ...c, buckets, consecutiveFailures };
  if (outcome === 'SUCCESS') return { circuit: next };
  const { calls, failures } = windowCounts(next, now, s);
  const trip = consecutiveFailures >= s.failures || (calls >= s.minCalls && failures / calls >= s.failureRate);
  if (!trip) return { circuit: next };
  return { circuit: opened({ ...next, openedAt: null }, now, s.openMs), transition: { from: 'CLOSED', to: 'OPEN' } };
}

/**
 * This instance's circuit after learning the shared state (null: none recorded; the local one
 * stands). A circuit another instance closed starts counting afresh; one it opened (or
 * re-opened, or is probing) is taken as it is. Pure.
 */
export function adopt(local: Circuit, shared: SharedCircuit | null, s: BreakerSettings): Circuit {
  // No shared row: nothing recorded anywhere yet (or this instance's trip is not written yet).
  if (!shared) return local;
  if (shared.state === 'CLOSED') return local.state === 'CLOSED' ? local : closedCircuit(s);
  return { ...local, state: shared.state, openedAt: shared.openedAt, retryAt: shared.retryAt, openMs: shared.openMs, consecutiveFailures: 0, buckets: [] };
}

/** Whether a call admitted earlier may still go now (the circuit may have opened since). Pure. */
export function stillAdmitted(c: Circuit, probe: boolean): boolean {
  return c.state === 'CLOSED' || (probe && c.state === 'HALF_OPEN');
}
