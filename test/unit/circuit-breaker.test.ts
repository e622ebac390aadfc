/** The circuit breaker's state machine (pure), driven by an injected clock. */
import {
  admit,
  adopt,
  closedCircuit,
  outcomeOf,
  record,
  stillAdmitted,
  windowCounts,
  type BreakerSettings,
  type Circuit,
  type Outcome,
} from '../../src/sending/circuit-breaker';
import { healthEntries, conditionsOf } from '../../src/operations/provider-health';
import { Channel } from '../../src/domain/channel';

const S: BreakerSettings = { failures: 3, failureRate: 0.5, windowMs: 10_000, minCalls: 10, openMs: 1000, maxOpenMs: 4000, probeTimeoutMs: 30_000, probeWaitMs: 500 };

/** Records outcomes one per `stepMs` from `t0`; returns the circuit and the transitions seen. */
function run(c: Circuit, outcomes: Outcome[], t0 = 0, stepMs = 1, s = S) {
  const transitions: string[] = [];
  let t = t0;
  for (const o of outcomes) {
    const r = record(c, o, t, s);
    c = r.circuit;
    if (r.transition) transitions.push(`${r.transition.from}>${r.transition.to}@${t}`);
    t += stepMs;
  }
  return { c, transitions, t };
}

const F: Outcome = 'FAILURE';
const OK: Outcome = 'SUCCESS';

describe('what counts as a failure', () => {
  it('retryable provider failures count; per-message refusals and successes do not', () => {
    expect(outcomeOf({ ok: false, retryable: true, error: 'Twilio error 20503: Service Unavailable (HTTP 503)' })).toBe('FAILURE');
    expect(outcomeOf({ ok: false, retryable: true, error: 'Twilio request timed out after 10000 ms' })).toBe('FAILURE');
    expect(outcomeOf({ ok: false, retryable: false, error: "Twilio error 21211: The 'To' number is not valid (HTTP 400)" })).toBe('SUCCESS');
    expect(outcomeOf({ ok: false, retryable: false, error: 'bounced', bounced: true })).toBe('SUCCESS');
    expect(outcomeOf({ ok: true, providerMessageId: 'SM1' })).toBe('SUCCESS');
  });
});

describe('CLOSED', () => {
  it('lets calls go', () => {
    expect(admit(closedCircuit(S), 0, S).admission).toEqual({ kind: 'GO' });
  });

  it('opens after N consecutive failures, not N − 1', () => {
    expect(run(closedCircuit(S), [F, F]).c.state).toBe('CLOSED');
    const { c, transitions } = run(closedCircuit(S), [F, F, F], 100);
    expect(transitions).toEqual(['CLOSED>OPEN@102']);
    expect(c).toMatchObject({ state: 'OPEN', openedAt: 102, retryAt: 102 + S.openMs, openMs: S.openMs });
  });

  it('a success in between restarts the consecutive count', () => {
    expect(run(closedCircuit(S), [F, F, OK, F, F]).c.state).toBe('CLOSED');
    expect(run(closedCircuit(S), [F, F, OK, F, F, F]).c.state).toBe('OPEN');
  });

  it('opens on the failure rate over the window once it holds the minimum volume', () => {
    // Alternating failures never reach 3 in a row; 5 of 10 calls is the 50 % rate at 10 calls.
    const alternating: Outcome[] = [OK, F, OK, F, OK, F, OK, F, OK, F];
    const nine = run(closedCircuit(S), alternating.slice(0, 9));
    expect(nine.c.state).toBe('CLOSED'); // 4 of 9: under the minimum volume anyway
    const ten = run(closedCircuit(S), alternating);
    expect(ten.transitions).toEqual(['CLOSED>OPEN@9']);
  });

  it('under the rate with enough volume stays closed', () => {
    const mostlyOk: Outcome[] = [OK, OK, F, OK, OK, F, OK, OK, F, OK, OK, F];
    expect(run(closedCircuit(S), mostlyOk).c.state).toBe('CLOSED');
  });

  it('forgets calls older than the window (sliding)', () => {
    // 4 failures of 8 calls long ago, then 2 of 4 now: only the recent 4 count (below minCalls).
    const old = run(closedCircuit(S), [OK, F, OK, F, OK, F, OK, F], 0, 100);
    expect(old.c.state).toBe('CLOSED');
    const later = run(old.c, [OK, F, OK, F], 50_000, 100);
    expect(later.c.state).toBe('CLOSED');
    expect(windowCounts(later.c, 50_400, S)).toEqual({ calls: 4, failures: 2 });
    // Within the window they add up: 4 + 2 failures of 8 + 4 calls.
    const within = run(old.c, [OK, F, OK, F], 2000, 100);
    expect(within.c.state).toBe('OPEN');
  });
});

describe('OPEN', () => {
  const open = () => run(closedCircuit(S), [F, F, F], 1000).c; // opened at 1002, retry at 2002

  it('defers every call to the end of the cool-down', () => {
    const c = open();
    expect(admit(c, 1500, S).admission).toEqual({ kind: 'DEFER', until: 2002 });
    expect(admit(c, 2001, S).admission).toEqual({ kind: 'DEFER', until: 2002 });
    expect(stillAdmitted(c, false)).toBe(false);
  });

  it('outcomes of calls already out when it opened change nothing', () => {
    const c = open();
    expect(record(c, OK, 1500, S)).toEqual({ circuit: c });
    expect(record(c, F, 1500, S)).toEqual({ circuit: c });
  });

  it('after the cool-down the next call is the one probe (HALF_OPEN); the others wait briefly', () => {
    const { circuit, admission } = admit(open(), 2002, S);
    expect(admission).toEqual({ kind: 'PROBE' });
    expect(circuit).toMatchObject({ state: 'HALF_OPEN', retryAt: 2002 + S.probeTimeoutMs, openedAt: 1002 });
    expect(admit(circuit, 2100, S).admission).toEqual({ kind: 'DEFER', until: 2100 + S.probeWaitMs });
    expect(stillAdmitted(circuit, true)).toBe(true);
    expect(stillAdmitted(circuit, false)).toBe(false);
  });
});

describe('HALF_OPEN', () => {
  const probing = (c: Circuit, now: number) => admit(c, now, S).circuit;
  const open = () => run(closedCircuit(S), [F, F, F], 0).c; // opened at 2, retry at 1002

  it("the probe's success closes it and resets the cool-down", () => {
    const r = record(probing(open(), 1002), OK, 1100, S, true);
    expect(r.transition).toEqual({ from: 'HALF_OPEN', to: 'CLOSED' });
    expect(r.circuit).toEqual(closedCircuit(S));
    expect(admit(r.circuit, 1101, S).admission).toEqual({ kind: 'GO' });
  });

  it("the probe's failure re-opens it with the cool-down doubled, capped; openedAt stays", () => {
    let c = probing(open(), 1002);
    const cooldowns: number[] = [];
    let t = 1002;
    for (let i = 0; i < 4; i++) {
      const r = record(c, F, t + 10, S, true);
      expect(r.transition).toEqual({ from: 'HALF_OPEN', to: 'OPEN' });
      cooldowns.push(r.circuit.openMs);
      expect(r.circuit.retryAt).toBe(t + 10 + r.circuit.openMs);
      expect(r.circuit.openedAt).toBe(2);
      t = r.circuit.retryAt!;
      expect(admit(r.circuit, t - 1, S).admission.kind).toBe('DEFER');
      c = probing(r.circuit, t);
    }
    expect(cooldowns).toEqual([2000, 4000, 4000, 4000]);
    // A later success closes it and the next trip starts from the first cool-down again.
    const closed = record(c, OK, t + 1, S, true).circuit;
    expect(run(closed, [F, F, F], t + 2).c.openMs).toBe(S.openMs);
  });

  it('a per-message refusal as the probe is an answer: it closes', () => {
    const r = record(probing(open(), 1002), outcomeOf({ ok: false, retryable: false, error: 'invalid number' }), 1100, S, true);
    expect(r.circuit.state).toBe('CLOSED');
  });

  it('outcomes of non-probe calls change nothing', () => {
    const c = probing(open(), 1002);
    expect(record(c, OK, 1100, S, false)).toEqual({ circuit: c });
    expect(record(c, F, 1100, S, false)).toEqual({ circuit: c });
  });

  it('a probe that never reports is given up after the probe timeout: another call probes', () => {
    const c = probing(open(), 1002);
    expect(admit(c, 1002 + S.probeTimeoutMs - 1, S).admission).toEqual({ kind: 'DEFER', until: 1002 + S.probeTimeoutMs });
    expect(admit(c, 1002 + S.probeTimeoutMs, S).admission).toEqual({ kind: 'PROBE' });
  });
});

describe('adopting the shared state (other instances)', () => {
  it('takes an open or probing circuit as it is, and drops local counts', () => {
    const local = run(closedCircuit(S), [F, F]).c;
    const shared = { state: 'OPEN' as const, openedAt: 10, retryAt: 5000, openMs: 2000 };
    const c = adopt(local, shared, S);
    expect(c).toMatchObject({ ...shared, consecutiveFailures: 0, buckets: [] });
    expect(admit(c, 4000, S).admission).toEqual({ kind: 'DEFER', until: 5000 });
    expect(adopt(local, { ...shared, state: 'HALF_OPEN' }, S).state).toBe('HALF_OPEN');
  });

  it('a circuit another instance closed starts afresh; a closed one keeps counting', () => {
    const open = run(closedCircuit(S), [F, F, F]).c;
    expect(adopt(open, { state: 'CLOSED', openedAt: null, retryAt: null, openMs: 1000 }, S)).toEqual(closedCircuit(S));
    const counting = run(closedCircuit(S), [F, F]).c;
    expect(adopt(counting, { state: 'CLOSED', openedAt: null, retryAt: null, openMs: 1000 }, S)).toBe(counting);
    expect(adopt(counting, null, S)).toBe(counting);
  });

  it('without a shared row, a local trip not yet written stays open', () => {
    const open = run(closedCircuit(S), [F, F, F]).c;
    expect(adopt(open, null, S)).toBe(open);
  });
});

describe('provider health and alert conditions (pure parts)', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  const row = {
    account: 'twilio:AC1:+15550001:SMS',
    provider: 'twilio',
    channel: Channel.SMS,
    state: 'OPEN' as const,
    opened_at: new Date('2026-12-07T11:59:00Z'),
    retry_at: new Date('2026-12-07T12:00:30Z'),
    failures: 7,
    failures_since: new Date('2026-12-07T11:59:30Z'),
    last_error: 'Twilio error 20503: Service Unavailable (HTTP 503)',
  };

  it('an account never recorded is CLOSED with no failures; old failures are not recent', () => {
    const routes = [
      { channel: Channel.SMS, provider: 'twilio', account: row.account },
      { channel: Channel.WHATSAPP, provider: 'twilio', account: 'twilio:AC1:+15550001:WHATSAPP' },
    ];
    expect(healthEntries(routes, [row], now, 60)).toEqual([
      { provider: 'twilio', channel: Channel.SMS, account: row.account, circuit: 'OPEN', recentFailures: 7, lastError: row.last_error, openedAt: row.opened_at, retryAt: row.retry_at },
      { provider: 'twilio', channel: Channel.WHATSAPP, account: 'twilio:AC1:+15550001:WHATSAPP', circuit: 'CLOSED', recentFailures: 0, lastError: null, openedAt: null, retryAt: null },
    ]);
    expect(healthEntries(routes.slice(0, 1), [row], now, 10)[0]!.recentFailures).toBe(0);
  });

  it('one CIRCUIT_OPEN condition per workspace, keyed by account', () => {
    const conditions = conditionsOf([
      { ...row, workspace_id: 'w1', last_failure_at: now },
      { ...row, workspace_id: 'w2', last_failure_at: now, state: 'HALF_OPEN' },
    ]);
    expect(conditions.map((c) => [c.workspaceId, c.kind, c.key])).toEqual([
      ['w1', 'CIRCUIT_OPEN', 'CIRCUIT_OPEN:twilio:AC1:+15550001:SMS'],
      ['w2', 'CIRCUIT_OPEN', 'CIRCUIT_OPEN:twilio:AC1:+15550001:SMS'],
    ]);
    expect(conditions[0]!.summary).toBe('twilio SMS circuit open since 2026-12-07T11:59:00.000Z: Twilio error 20503: Service Unavailable (HTTP 503)');
    expect(conditions[1]!.summary).toMatch(/half-open/);
    expect(conditions[0]!.details).toMatchObject({ provider: 'twilio', channel: 'SMS', since: '2026-12-07T11:59:00.000Z', lastError: row.last_error, state: 'OPEN' });
  });
});
