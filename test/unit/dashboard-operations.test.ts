/** The Operations section's pure view logic (web/src/operations/model.ts), with values worked out by hand. */
import {
  FIRST_PAGE,
  PERIODS,
  breakdownKey,
  circuitText,
  contactLabel,
  currentCursor,
  duration,
  healthReading,
  historySeries,
  isForbidden,
  levelOf,
  nextPage,
  optOutCsvFileName,
  optOutCsvPath,
  overallReading,
  pageNumber,
  payloadText,
  periodLabel,
  previousPage,
  rejectedLastHour,
  requeueAllOutcome,
  requeueOutcome,
  restErrorText,
  share,
  sortCircuits,
  when,
} from '../../web/src/operations/model';

describe('webhook health reading', () => {
  it('names each status, with the API reasons when not healthy', () => {
    expect(levelOf('HEALTHY')).toBe('healthy');
    expect(levelOf('DEGRADED')).toBe('degraded');
    expect(levelOf('SILENT')).toBe('silent');
    expect(healthReading({ provider: 'twilio', status: 'HEALTHY', reasons: [] })).toEqual({ level: 'healthy', text: 'twilio: healthy' });
    expect(healthReading({ provider: 'twilio', status: 'DEGRADED', reasons: ['1 callback dead-lettered', '6 rejected'] })).toEqual({
      level: 'degraded',
      text: 'twilio: degraded: 1 callback dead-lettered; 6 rejected',
    });
    expect(healthReading({ provider: 'email', status: 'SILENT', reasons: [] })).toEqual({ level: 'silent', text: 'email: silent' });
  });

  it('reads the worst status over all providers and names the unhealthy ones', () => {
    expect(overallReading([])).toEqual({ level: 'healthy', text: 'No webhook activity in the last 24 hours.' });
    expect(overallReading([{ provider: 'twilio', status: 'HEALTHY' }])).toEqual({ level: 'healthy', text: 'All 1 provider healthy.' });
    expect(overallReading([{ provider: 'a', status: 'HEALTHY' }, { provider: 'b', status: 'HEALTHY' }]).text).toBe('All 2 providers healthy.');
    expect(overallReading([{ provider: 'a', status: 'DEGRADED' }, { provider: 'b', status: 'HEALTHY' }])).toEqual({ level: 'degraded', text: 'Needs attention: a is not healthy.' });
    // SILENT outranks DEGRADED whatever the order.
    expect(overallReading([{ provider: 'a', status: 'SILENT' }, { provider: 'b', status: 'DEGRADED' }])).toEqual({ level: 'silent', text: 'Needs attention: a, b are not healthy.' });
    expect(overallReading([{ provider: 'a', status: 'DEGRADED' }, { provider: 'b', status: 'SILENT' }]).level).toBe('silent');
  });

  it('formats lags and counts rejections', () => {
    expect(duration(null)).toBe('—');
    expect(duration(undefined)).toBe('—');
    expect(duration(2.345)).toBe('2.3 s');
    expect(duration(42.6)).toBe('43 s');
    expect(duration(150)).toBe('3 min'); // 2.5 min rounds up
    expect(duration(5400)).toBe('1.5 h');
    expect(rejectedLastHour({ badSignatureLastHour: 4, malformedLastHour: 3 })).toBe(7);
  });

  it('puts the hourly snapshots on a fixed window ending with the current hour, gaps as null', () => {
    const s = historySeries(
      [
        { hour: '2026-11-30T10:00:00.000Z', received: 10, accepted: 8, badSignature: 1, malformed: 1, dead: 0 },
        { hour: '2026-11-30T12:00:00.000Z', received: 3, accepted: 1, badSignature: 0, malformed: 2, dead: 1 },
        { hour: '2026-11-29T09:00:00.000Z', received: 99, accepted: 99, badSignature: 0, malformed: 0, dead: 0 }, // outside a 4-hour window
      ],
      new Date('2026-11-30T12:34:56Z'),
      4,
    );
    // 2026-11-30T12:00Z: 2026-01-01 is day 20,454 after the epoch, Nov 30 is 333 days later; × 86,400 + 12 h × 3,600.
    const noon = 20787 * 86400 + 12 * 3600;
    expect(s.x).toEqual([noon - 3 * 3600, noon - 2 * 3600, noon - 3600, noon]);
    expect(s.received).toEqual([null, 10, null, 3]);
    expect(s.rejected).toEqual([null, 2, null, 2]);
    expect(s.dead).toEqual([null, 0, null, 1]);
    expect(historySeries([], new Date('2026-11-30T12:00:00Z')).x).toHaveLength(24);
  });
});

describe('circuits', () => {
  it('reads each state and lists the open ones first', () => {
    expect(circuitText({ circuit: 'CLOSED' })).toBe('Closed');
    expect(circuitText({ circuit: 'OPEN' })).toBe('Open: sends deferred');
    expect(circuitText({ circuit: 'HALF_OPEN' })).toBe('Half open: one probe out');
    const sorted = sortCircuits([
      { circuit: 'CLOSED', channel: 'EMAIL', provider: 'smtp' },
      { circuit: 'HALF_OPEN', channel: 'SMS', provider: 'twilio' },
      { circuit: 'CLOSED', channel: 'SMS', provider: 'simulator' },
      { circuit: 'OPEN', channel: 'WHATSAPP', provider: 'whatsapp' },
    ] as const);
    expect(sorted.map((c) => `${c.circuit}/${c.channel}`)).toEqual(['OPEN/WHATSAPP', 'HALF_OPEN/SMS', 'CLOSED/EMAIL', 'CLOSED/SMS']);
  });
});

describe('dead letters', () => {
  const summary = { kind: 'status', eventType: 'FAILED', providerMessageId: 'SM1', from: null, address: null, url: null, at: null, bodyLength: null, channel: null };
  it('describes a payload from its masked summary', () => {
    expect(payloadText(summary)).toBe('Status FAILED, message SM1');
    expect(payloadText({ ...summary, kind: 'inbound', eventType: 'INBOUND', channel: 'sms', bodyLength: 4, providerMessageId: null, from: '+14•••••••23' })).toBe('Inbound sms (4 characters), from +14•••••••23');
    expect(payloadText({ ...summary, kind: 'unknown', eventType: null, providerMessageId: null })).toBe('Unknown payload');
    expect(payloadText({ ...summary, eventType: 'CLICKED', url: 'https://shop.test/a' })).toBe('Status CLICKED, message SM1, link https://shop.test/a');
  });

  it('says what a requeue did', () => {
    expect(requeueOutcome({ status: 'DONE', attempts: 13, lastError: null, nextAttemptAt: null })).toBe('Requeued and processed (DONE).');
    expect(requeueOutcome({ status: 'DEAD', attempts: 12, lastError: 'unknown twilio message SM1', nextAttemptAt: null })).toBe('Requeued but dead again after attempt 12: unknown twilio message SM1.');
    const pending = requeueOutcome({ status: 'PENDING', attempts: 1, lastError: 'boom', nextAttemptAt: '2026-11-30T10:00:00.000Z' }, 'en-GB');
    expect(pending).toBe(`Requeued: not processed yet (attempt 1: boom); next attempt ${new Date('2026-11-30T10:00:00.000Z').toLocaleString('en-GB')}.`);
    expect(requeueAllOutcome(0)).toBe('No dead letters to requeue.');
    expect(requeueAllOutcome(1)).toBe('1 dead letter put back in the queue with fresh attempts; a queue run has started.');
    expect(requeueAllOutcome(3)).toMatch(/^3 dead letters put back/);
  });

  it('recognises the API refusal for a missing scope', () => {
    expect(isForbidden({ graphQLErrors: [{ extensions: { code: 'FORBIDDEN' } }] })).toBe(true);
    expect(isForbidden({ graphQLErrors: [{ extensions: { code: 'NOT_FOUND' } }] })).toBe(false);
    expect(isForbidden(undefined)).toBe(false);
  });
});

describe('keyset pages', () => {
  it('pushes end cursors, pops back, and never leaves the first page', () => {
    expect(currentCursor(FIRST_PAGE)).toBeNull();
    expect(pageNumber(FIRST_PAGE)).toBe(1);
    const two = nextPage(FIRST_PAGE, 'c1');
    const three = nextPage(two, 'c2');
    expect(currentCursor(three)).toBe('c2');
    expect(pageNumber(three)).toBe(3);
    expect(currentCursor(previousPage(three))).toBe('c1');
    expect(previousPage(FIRST_PAGE)).toBe(FIRST_PAGE);
    expect(nextPage(two, null)).toBe(two); // no next page: stays
  });
});

describe('opt-out report', () => {
  it('offers periods within the API range and names them', () => {
    expect(PERIODS.every((d) => d >= 1 && d <= 3650)).toBe(true);
    expect(PERIODS).toContain(30);
    expect(periodLabel(7)).toBe('Last 7 days');
    expect(periodLabel(365)).toBe('Last year');
  });

  it('reads breakdown keys and shares', () => {
    expect(breakdownKey('channel', 'ALL')).toBe('All channels');
    expect(breakdownKey('channel', 'SMS')).toBe('SMS');
    expect(breakdownKey('channel', 'WHATSAPP')).toBe('WhatsApp');
    expect(breakdownKey('channel', 'EMAIL')).toBe('Email');
    expect(breakdownKey('keyword', '(none)')).toBe('No keyword');
    expect(breakdownKey('keyword', 'STOP')).toBe('STOP');
    expect(breakdownKey('source', 'sms:twilio')).toBe('sms:twilio');
    expect(share(1, 3)).toBe('33 %');
    expect(share(2, 3)).toBe('67 %');
    expect(share(0, 0)).toBe('0 %');
  });

  it('labels a contact by what identifies it best', () => {
    expect(contactLabel({ id: 'c1', externalId: 'shop-7', phone: '+1', email: 'a@b' })).toBe('shop-7');
    expect(contactLabel({ id: 'c1', externalId: null, phone: '+14155550100', email: 'a@b' })).toBe('+14155550100');
    expect(contactLabel({ id: 'c1', externalId: '', phone: null, email: 'a@b' })).toBe('a@b');
    expect(contactLabel({ id: 'c1' })).toBe('c1');
  });

  it('builds the CSV request without the key and a dated file name', () => {
    expect(optOutCsvPath(90)).toBe('/v1/opt-outs.csv?days=90');
    expect(optOutCsvPath(30)).not.toMatch(/key|bearer|sk_/i);
    expect(optOutCsvFileName(7, new Date('2026-11-30T23:59:00Z'), 'UTC')).toBe('opt-outs-7d-2026-11-30.csv');
    // The reader's day, not UTC's: already 1 December in Tokyo, still 29 November in California.
    expect(optOutCsvFileName(7, new Date('2026-11-30T23:59:00Z'), 'Asia/Tokyo')).toBe('opt-outs-7d-2026-12-01.csv');
    expect(optOutCsvFileName(30, new Date('2026-11-30T03:00:00Z'), 'America/Los_Angeles')).toBe('opt-outs-30d-2026-11-29.csv');
    // No zone: the machine's local day.
    const local = new Date(2026, 0, 5, 0, 30);
    expect(optOutCsvFileName(90, local)).toBe('opt-outs-90d-2026-01-05.csv');
  });

  it('reads a REST error body as the API words it', () => {
    expect(restErrorText(400, { error: { code: 'BAD_USER_INPUT', reason: 'INVALID_DAYS', message: 'days must be an integer between 1 and 3650' } })).toBe(
      'days must be an integer between 1 and 3650 (BAD_USER_INPUT, INVALID_DAYS)',
    );
    expect(restErrorText(401, { error: { code: 'UNAUTHENTICATED', message: 'Invalid API key' } })).toBe('Invalid API key (UNAUTHENTICATED)');
    expect(restErrorText(502, null)).toBe('The server answered HTTP 502');
    expect(restErrorText(500, '<html>')).toBe('The server answered HTTP 500');
  });

  it('shows times or a dash', () => {
    expect(when(null)).toBe('—');
    expect(when('')).toBe('—');
    expect(when('not a date')).toBe('not a date');
    expect(when('2026-01-02T03:04:05.000Z', 'en-GB')).toBe(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)).toLocaleString('en-GB'));
  });
});
