import { AWAITING_MIN, REJECTED_MIN, webhookHealthStatus, type WebhookHealthFacts } from '../../src/operations/webhook-health-status';
import { receiptOutcome } from '../../src/tracking/webhooks/observe';

const quiet: WebhookHealthFacts = {
  windowSeconds: 900,
  secondsSinceLastReceipt: 30,
  awaitingSinceLastReceipt: 0,
  receivedLastHour: 100,
  badSignatureLastHour: 0,
  malformedLastHour: 0,
  deadLastHour: 0,
  dueLastHour: 100,
  awaitingLastHour: 0,
};
const status = (patch: Partial<WebhookHealthFacts>) => webhookHealthStatus({ ...quiet, ...patch });

describe('webhookHealthStatus', () => {
  it('is HEALTHY when callbacks arrive and nothing is off', () => {
    expect(status({})).toEqual({ status: 'HEALTHY', reasons: [] });
    // Nothing sent, nothing received: nothing to be silent about.
    expect(status({ secondsSinceLastReceipt: null, receivedLastHour: 0, dueLastHour: 0 }).status).toBe('HEALTHY');
  });

  it('is SILENT when messages past the window wait and nothing came within the window', () => {
    const never = status({ secondsSinceLastReceipt: null, awaitingSinceLastReceipt: 3 });
    expect(never.status).toBe('SILENT');
    expect(never.reasons[0]).toMatch(/3 message\(s\) waiting .* over 900 s; no callback received/);
    expect(status({ secondsSinceLastReceipt: 901, awaitingSinceLastReceipt: 1 }).status).toBe('SILENT');
  });

  it('is not SILENT while callbacks still arrive within the window, nor without messages waiting', () => {
    expect(status({ secondsSinceLastReceipt: 900, awaitingSinceLastReceipt: 10 }).status).not.toBe('SILENT');
    expect(status({ secondsSinceLastReceipt: 5000, awaitingSinceLastReceipt: 0 }).status).toBe('HEALTHY');
  });

  it('is DEGRADED for a notable share of rejected requests, and only then', () => {
    expect(status({ badSignatureLastHour: REJECTED_MIN - 1, receivedLastHour: 10 }).status).toBe('HEALTHY'); // too few to matter
    expect(status({ badSignatureLastHour: 3, malformedLastHour: 2, receivedLastHour: 50 }).status).toBe('DEGRADED'); // 10 %
    expect(status({ badSignatureLastHour: 3, malformedLastHour: 2, receivedLastHour: 51 }).status).toBe('HEALTHY'); // under 10 %
    expect(status({ malformedLastHour: 20, receivedLastHour: 40 }).reasons).toEqual(['20 of 40 request(s) in the last hour rejected (bad signature or malformed)']);
  });

  it('is DEGRADED with a dead letter in the last hour', () => {
    expect(status({ deadLastHour: 1 })).toEqual({ status: 'DEGRADED', reasons: ['1 callback(s) dead-lettered in the last hour'] });
  });

  it('is DEGRADED when many messages of the last hour have no callback after the window', () => {
    expect(status({ awaitingLastHour: AWAITING_MIN, dueLastHour: 25 }).status).toBe('DEGRADED'); // 20 %
    expect(status({ awaitingLastHour: AWAITING_MIN, dueLastHour: 26 }).status).toBe('HEALTHY');
    expect(status({ awaitingLastHour: AWAITING_MIN - 1, dueLastHour: 4 }).status).toBe('HEALTHY'); // too few
  });

  it('lists every reason, and SILENT wins over DEGRADED', () => {
    expect(status({ deadLastHour: 2, malformedLastHour: 50, awaitingLastHour: 10, dueLastHour: 10 }).reasons).toHaveLength(3);
    expect(status({ deadLastHour: 2, secondsSinceLastReceipt: null, awaitingSinceLastReceipt: 1 }).status).toBe('SILENT');
  });
});

describe('receiptOutcome', () => {
  it('maps request outcomes to the per-workspace ones; unknown workspaces and server errors are not counted', () => {
    expect(receiptOutcome('processed')).toBe('accepted');
    expect(receiptOutcome('ignored')).toBe('accepted');
    expect(receiptOutcome('duplicate')).toBe('duplicate');
    expect(receiptOutcome('queued')).toBe('retried');
    expect(receiptOutcome('bad_signature')).toBe('bad_signature');
    expect(receiptOutcome('bad_request')).toBe('malformed');
    expect(receiptOutcome('rate_limited')).toBe('rate_limited');
    expect(receiptOutcome('not_found')).toBeUndefined();
    expect(receiptOutcome('error')).toBeUndefined();
  });
});
