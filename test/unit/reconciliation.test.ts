import { Channel } from '../../src/domain/channel';
import { EventType } from '../../src/domain/event-type';
import { RECONCILE_DEFAULT_SINCE_DAYS, reconcileSince, verdict } from '../../src/operations/reconciliation';
import { simulatedStatus } from '../../src/sending/providers/simulator';
import { twilioFetchAnswer, twilioStatus, twilioStatusEventKey } from '../../src/sending/providers/twilio';
import { DomainError } from '../../src/errors';

const SID = 'SM' + 'a'.repeat(32);

describe('twilioStatus', () => {
  it.each([
    ['queued', 'PENDING'],
    ['accepted', 'PENDING'],
    ['scheduled', 'PENDING'],
    ['sending', 'PENDING'],
    ['sent', 'SENT'],
    ['delivered', 'DELIVERED'],
    ['read', 'DELIVERED'],
    ['failed', 'FAILED'],
    ['undelivered', 'FAILED'],
    ['canceled', 'FAILED'],
    ['partially_delivered', 'PENDING'],
    ['something-new', 'PENDING'],
  ])('%s → %s', (twilio, ours) => expect(twilioStatus(twilio)).toBe(ours));
});

describe('twilioFetchAnswer', () => {
  it('a delivered message, under the key the status webhook uses', () => {
    expect(twilioFetchAnswer(SID, 200, { sid: SID, status: 'delivered', error_code: null }, '')).toEqual({
      ok: true,
      found: true,
      status: 'DELIVERED',
      providerStatus: 'delivered',
      eventKey: `twilio:${SID}:delivered`,
    });
    expect(twilioStatusEventKey(SID, 'delivered')).toBe(`twilio:${SID}:delivered`);
  });

  it('a read message is recorded as its delivery (the delivered callback may still come)', () => {
    expect(twilioFetchAnswer(SID, 200, { status: 'read' }, '')).toMatchObject({ status: 'DELIVERED', providerStatus: 'read', eventKey: `twilio:${SID}:delivered` });
  });

  it('a failure carries Twilio error code and message; the key keeps the raw status', () => {
    expect(twilioFetchAnswer(SID, 200, { status: 'undelivered', error_code: 30003, error_message: 'Unreachable destination handset' }, '')).toEqual({
      ok: true,
      found: true,
      status: 'FAILED',
      providerStatus: 'undelivered',
      eventKey: `twilio:${SID}:undelivered`,
      error: 'Twilio error 30003: Unreachable destination handset',
    });
    expect(twilioFetchAnswer(SID, 200, { status: 'failed' }, '')).toMatchObject({ error: 'Twilio status failed' });
  });

  it('404 with error 20404: not found; other 404s are errors', () => {
    expect(twilioFetchAnswer(SID, 404, { code: 20404, message: 'not found', status: 404 }, '')).toEqual({ ok: true, found: false });
    expect(twilioFetchAnswer(SID, 404, undefined, '<html>')).toMatchObject({ ok: false, retryable: false });
  });

  it('5xx and 429 are retryable, 401 is not, a 200 without a status is retryable', () => {
    expect(twilioFetchAnswer(SID, 503, { code: 20503, message: 'Service Unavailable' }, '')).toEqual({ ok: false, retryable: true, error: 'Twilio error 20503: Service Unavailable (HTTP 503)' });
    expect(twilioFetchAnswer(SID, 429, { code: 20429 }, '')).toMatchObject({ ok: false, retryable: true });
    expect(twilioFetchAnswer(SID, 401, { code: 20003, message: 'Authenticate' }, '')).toMatchObject({ ok: false, retryable: false });
    expect(twilioFetchAnswer(SID, 200, { sid: SID }, '')).toMatchObject({ ok: false, retryable: true });
  });
});

describe('simulatedStatus', () => {
  const sid = 'SIM' + 'b'.repeat(32);
  it('unknown ids are not found; email is unsupported', () => {
    expect(simulatedStatus(sid, Channel.SMS, undefined, 0)).toEqual({ ok: true, found: false });
    expect(simulatedStatus(sid, Channel.EMAIL, { delivered: true, dueAt: 0 }, 1)).toMatchObject({ ok: false, unsupported: true });
  });
  it('SMS: queued until due, then what was drawn, under Twilio keys', () => {
    expect(simulatedStatus(sid, Channel.SMS, { delivered: true, dueAt: 100 }, 99)).toMatchObject({ status: 'PENDING', providerStatus: 'queued' });
    expect(simulatedStatus(sid, Channel.SMS, { delivered: true, dueAt: 100 }, 100)).toMatchObject({ status: 'DELIVERED', eventKey: `twilio:${sid}:delivered` });
    expect(simulatedStatus(sid, Channel.SMS, { delivered: false, dueAt: 100 }, 200)).toMatchObject({ status: 'FAILED', eventKey: `twilio:${sid}:failed`, error: 'simulated failure' });
  });
  it('WhatsApp: sent until due, then the Cloud API webhook keys', () => {
    expect(simulatedStatus(sid, Channel.WHATSAPP, { delivered: true, dueAt: 100 }, 0)).toMatchObject({ status: 'SENT' });
    expect(simulatedStatus(sid, Channel.WHATSAPP, { delivered: true, dueAt: 100 }, 100)).toMatchObject({ status: 'DELIVERED', eventKey: `whatsapp:${sid}:delivered` });
  });
});

describe('reconcileSince', () => {
  const now = new Date('2026-12-07T10:00:00Z');
  const reason = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as DomainError).reason;
    }
    return undefined;
  };
  it('defaults to 7 days ago', () => {
    expect(reconcileSince(undefined, now).getTime()).toBe(now.getTime() - RECONCILE_DEFAULT_SINCE_DAYS * 86_400_000);
    expect(reconcileSince(null, now).getTime()).toBe(now.getTime() - 7 * 86_400_000);
  });
  it('accepts up to 90 days back, refuses the future and older', () => {
    const ninety = new Date(now.getTime() - 90 * 86_400_000);
    expect(reconcileSince(ninety, now)).toBe(ninety);
    expect(reconcileSince(now, now)).toBe(now);
    expect(reason(() => reconcileSince(new Date(now.getTime() + 1000), now))).toBe('RECONCILE_SINCE_IN_FUTURE');
    expect(reason(() => reconcileSince(new Date(ninety.getTime() - 1000), now))).toBe('RECONCILE_SINCE_TOO_OLD');
  });
});

describe('verdict', () => {
  it('counts what cannot or need not be applied', () => {
    expect(verdict(undefined)).toEqual({ count: 'unsupported' });
    expect(verdict({ ok: false, retryable: false, unsupported: true, error: 'x' })).toEqual({ count: 'unsupported', error: 'x' });
    expect(verdict({ ok: false, retryable: true, error: 'down' })).toEqual({ count: 'failedLookups', error: 'down' });
    expect(verdict({ ok: true, found: false })).toEqual({ count: 'notFound' });
    expect(verdict({ ok: true, found: true, status: 'PENDING', providerStatus: 'queued', eventKey: 'k' })).toEqual({ count: 'stillPending' });
    expect(verdict({ ok: true, found: true, status: 'SENT', providerStatus: 'sent', eventKey: 'k' })).toEqual({ count: 'stillPending' });
  });
  it('applies final statuses under the provider key', () => {
    expect(verdict({ ok: true, found: true, status: 'DELIVERED', providerStatus: 'delivered', eventKey: 'k1' })).toEqual({ apply: { type: EventType.DELIVERED, eventKey: 'k1' } });
    expect(verdict({ ok: true, found: true, status: 'FAILED', providerStatus: 'failed', eventKey: 'k2', error: 'e' })).toEqual({ apply: { type: EventType.FAILED, eventKey: 'k2', error: 'e' } });
  });
});
