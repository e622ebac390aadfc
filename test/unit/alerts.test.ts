/**
 * The alert evaluator's pure parts: the diff (one alert per condition until it clears), what a
 * delivery says, the backoff, and which alert webhook URLs a workspace may set.
 */
import type { AlertCondition } from '../../src/operations/alert-condition';
import { alertEmail, alertPayload, deliveryBackoffMs, diffAlerts, MAX_DELIVERY_ATTEMPTS, type OpenAlert } from '../../src/operations/alert-rules';
import { checkAlertWebhookUrl, isInternalHost } from '../../src/workspaces/provider-urls';

const W1 = 'w1';
const W2 = 'w2';
const cond = (workspaceId: string | null, key: string, kind: AlertCondition['kind'] = 'DEAD_LETTERS'): AlertCondition => ({ workspaceId, kind, key, summary: key, details: {} });
const open = (workspaceId: string, key: string, id = `${workspaceId}-${key}`, kind: OpenAlert['kind'] = 'DEAD_LETTERS'): OpenAlert => ({ id, workspaceId, key, kind });
const raised = (d: ReturnType<typeof diffAlerts>) => d.raise.map((r) => `${r.workspaceId}:${r.condition.key}`).sort();
const cleared = (d: ReturnType<typeof diffAlerts>) => d.clear.map((a) => a.id).sort();

describe('diffAlerts (pure)', () => {
  it('raises a condition newly present in a workspace with a destination', () => {
    const d = diffAlerts([], [cond(W1, 'DEAD_LETTERS:twilio')], new Set([W1]));
    expect(raised(d)).toEqual(['w1:DEAD_LETTERS:twilio']);
    expect(d.raise[0]!.condition.kind).toBe('DEAD_LETTERS');
    expect(d.clear).toEqual([]);
  });

  it('does nothing while the condition still holds (one alert per condition)', () => {
    const d = diffAlerts([open(W1, 'A')], [cond(W1, 'A')], new Set([W1]));
    expect(d).toEqual({ raise: [], clear: [] });
  });

  it('clears an open alert whose condition is gone', () => {
    const d = diffAlerts([open(W1, 'A'), open(W1, 'B')], [cond(W1, 'B')], new Set([W1]));
    expect(raised(d)).toEqual([]);
    expect(cleared(d)).toEqual(['w1-A']);
  });

  it('raises nothing for a workspace without a destination', () => {
    expect(diffAlerts([], [cond(W2, 'A')], new Set([W1]))).toEqual({ raise: [], clear: [] });
  });

  it('sends a workspace-null condition to every workspace with a destination, and counts it as present everywhere', () => {
    const d = diffAlerts([open(W1, 'JOB_FAILING:x')], [cond(null, 'JOB_FAILING:x', 'JOB_FAILING')], new Set([W1, W2]));
    expect(raised(d)).toEqual(['w2:JOB_FAILING:x']);
    expect(d.clear).toEqual([]);
    // Gone: cleared in every workspace that had it open.
    expect(cleared(diffAlerts([open(W1, 'JOB_FAILING:x'), open(W2, 'JOB_FAILING:x')], [], new Set([W1, W2])))).toEqual(['w1-JOB_FAILING:x', 'w2-JOB_FAILING:x']);
  });

  it('keys are per workspace: the same key in another workspace is another condition', () => {
    const d = diffAlerts([open(W1, 'A')], [cond(W2, 'A')], new Set([W1, W2]));
    expect(raised(d)).toEqual(['w2:A']);
    expect(cleared(d)).toEqual(['w1-A']);
  });

  it('clears an alert whose workspace lost its destination once the condition is gone, and keeps it while it holds', () => {
    expect(cleared(diffAlerts([open(W1, 'A')], [], new Set()))).toEqual(['w1-A']);
    expect(diffAlerts([open(W1, 'A')], [cond(W1, 'A')], new Set())).toEqual({ raise: [], clear: [] });
  });

  it('raises a condition reported twice once', () => {
    const d = diffAlerts([], [cond(W1, 'A'), cond(W1, 'A'), cond(null, 'A')], new Set([W1]));
    expect(raised(d)).toEqual(['w1:A']);
  });

  it('clears nothing when a source that named no kinds failed (its conditions are unknown), but still raises', () => {
    const d = diffAlerts([open(W1, 'A')], [cond(W1, 'B')], new Set([W1]), 'all');
    expect(raised(d)).toEqual(['w1:B']);
    expect(d.clear).toEqual([]);
  });

  it("keeps only the failed source's kinds open: the other kinds still clear", () => {
    const openAlerts = [open(W1, 'SRM_DETECTED:c1', 'srm', 'SRM_DETECTED'), open(W1, 'DEAD_LETTERS:twilio', 'dead', 'DEAD_LETTERS'), open(W1, 'JOB_FAILING:j', 'job', 'JOB_FAILING')];
    // The SRM source failed; the dead letters are gone; the job still fails.
    const d = diffAlerts(openAlerts, [cond(null, 'JOB_FAILING:j', 'JOB_FAILING')], new Set([W1]), new Set(['SRM_DETECTED'] as const));
    expect(cleared(d)).toEqual(['dead']);
    expect(d.raise).toEqual([]);
  });
});

describe('alert payload and email (pure)', () => {
  const alert = {
    id: '0a4c6f44-5a0e-4c37-9b1c-1c0d0f6a0001',
    workspaceId: W1,
    kind: 'DEAD_LETTERS' as const,
    key: 'DEAD_LETTERS:twilio',
    summary: 'twilio webhooks dead-lettered:\n2 could not be processed',
    details: { provider: 'twilio', count: 2 },
    raisedAt: new Date('2026-12-01T10:00:00Z'),
    clearedAt: new Date('2026-12-01T11:00:00Z'),
  };

  it('carries the alert id, state and times; clearedAt only in a CLEARED delivery', () => {
    expect(alertPayload(alert, 'RAISED')).toEqual({
      id: alert.id,
      kind: 'DEAD_LETTERS',
      state: 'RAISED',
      workspaceId: W1,
      key: 'DEAD_LETTERS:twilio',
      summary: alert.summary,
      details: { provider: 'twilio', count: 2 },
      raisedAt: '2026-12-01T10:00:00.000Z',
      clearedAt: null,
    });
    expect(alertPayload(alert, 'CLEARED')).toMatchObject({ state: 'CLEARED', clearedAt: '2026-12-01T11:00:00.000Z' });
  });

  it('writes a one-line subject and a plain-text body', () => {
    const { subject, text } = alertEmail(alertPayload(alert, 'RAISED'));
    expect(subject).toBe('[Splitcast] RAISED: twilio webhooks dead-lettered: 2 could not be processed');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(text).toContain(`Alert id:   ${alert.id}`);
    expect(text).toContain('"count": 2');
    expect(alertEmail(alertPayload(alert, 'CLEARED')).text).toContain('Cleared at: 2026-12-01T11:00:00.000Z');
  });
});

describe('delivery backoff (pure)', () => {
  it('doubles from a minute up to an hour', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(deliveryBackoffMs)).toEqual([60_000, 120_000, 240_000, 480_000, 3_600_000, 3_600_000, 3_600_000]);
    expect(MAX_DELIVERY_ATTEMPTS).toBeGreaterThan(1);
  });
});

describe('checkAlertWebhookUrl (pure)', () => {
  it.each(['https://hooks.example.com/alerts?token=abc', 'https://203.0.113.7/x', 'https://[2001:db8::1]/a'])('accepts %s by default', (url) => {
    expect(checkAlertWebhookUrl(url, false)).toMatchObject({ ok: true });
  });

  it.each([
    ['ftp://hooks.example.com/', /http\(s\)/],
    ['not a url', /http\(s\)/],
    ['https://hooks.example.com/#frag', /fragment/],
    ['http://hooks.example.com/', /https/],
    ['https://localhost/a', /localhost/],
    ['https://app.localhost./a', /localhost/],
    ['https://127.0.0.1/a', /loopback/],
    ['https://0x7f.1/a', /loopback/], // URL normalises it to 127.0.0.1
    ['https://10.1.2.3/a', /private/],
    ['https://172.20.0.1/a', /private/],
    ['https://192.168.1.1/a', /private/],
    ['https://169.254.169.254/latest/meta-data', /link-local/],
    ['https://0.0.0.0/a', /loopback/],
    ['https://[::1]/a', /loopback/],
    ['https://[::ffff:127.0.0.1]/a', /loopback/],
    ['https://[fd00::1]/a', /private/],
    ['https://[fe80::1]/a', /private/],
  ])('refuses %s by default', (url, message) => {
    const r = checkAlertWebhookUrl(url, false);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });

  it('accepts http and internal addresses when the operator allows custom URLs, never other schemes', () => {
    expect(checkAlertWebhookUrl('http://127.0.0.1:9999/hook', true)).toEqual({ ok: true, url: 'http://127.0.0.1:9999/hook' });
    expect(checkAlertWebhookUrl('file:///etc/passwd', true).ok).toBe(false);
  });

  it('judges resolved addresses alike (delivery-time check)', () => {
    expect(['127.0.0.1', '::1', '10.0.0.8', '172.31.255.255', '100.64.0.1', 'fe80::1'].map(isInternalHost)).toEqual([true, true, true, true, true, true]);
    expect(['8.8.8.8', '172.32.0.1', '2001:db8::1', 'example.com'].map(isInternalHost)).toEqual([false, false, false, false]);
  });

  it.each([
    // How a resolver spells an AAAA record that maps an IPv4 address (Linux connects it to that IPv4 address).
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    '0:0:0:0:0:ffff:7f00:1',
    // IPv4-compatible, NAT64 to an internal address, site-local, multicast; IPv4 multicast, reserved, broadcast.
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b::169.254.169.254',
    'fec0::1',
    'ff02::1',
    '224.0.0.1',
    '240.0.0.1',
    '255.255.255.255',
    '[::ffff:7f00:1]',
  ])('judges the resolved address %s internal', (address) => {
    expect(isInternalHost(address)).toBe(true);
  });

  it('lets public addresses through in every spelling, NAT64 included', () => {
    expect(['::ffff:8.8.8.8', '64:ff9b::808:808', '2606:4700::1111', '1.1.1.1'].map(isInternalHost)).toEqual([false, false, false, false]);
  });
});
