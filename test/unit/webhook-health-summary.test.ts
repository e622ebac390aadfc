import { maskAddress, maskEmail, maskPhone, summarizePayload, urlWithoutQuery } from '../../src/operations/dead-letter-summary';
import { decodeRetryCursor, encodeRetryCursor } from '../../src/operations/dead-letters';
import { retryErrorText } from '../../src/tracking/webhooks/retries';

describe('masking', () => {
  it('keeps the first two and last two digits of a phone number', () => {
    expect(maskPhone('+14155550123')).toBe('+14•••••••23');
    expect(maskPhone('447700900123')).toBe('44••••••••23');
    expect(maskPhone('+123')).toBe('+•••');
  });

  it('keeps the first character and the domain of an email address', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j•••@example.com');
    expect(maskEmail('@nope')).toBe('•••');
  });

  it('masks either kind, keeps Twilio’s whatsapp: prefix, and hides anything else', () => {
    expect(maskAddress('whatsapp:+14155550123')).toBe('whatsapp:+14•••••••23');
    expect(maskAddress('+1 (415) 555-0123')).toBe('+14•••••••23');
    expect(maskAddress('Jane@Example.com')).toBe('J•••@Example.com');
    expect(maskAddress('some free text')).toBe('•••');
  });

  it('drops query strings and fragments from URLs', () => {
    expect(urlWithoutQuery('https://shop.example/offer?email=jane@example.com&t=secret#x')).toBe('https://shop.example/offer');
    expect(urlWithoutQuery('not a url')).toBeNull();
  });
});

describe('summarizePayload', () => {
  it('summarizes a status callback without anything personal', () => {
    const s = summarizePayload({
      kind: 'status',
      provider: 'email',
      providerMessageId: '<abc@mg.example>',
      type: 'FAILED',
      eventKey: 'mailgun:1',
      at: '2026-12-01T10:00:00Z',
      bouncedAddress: 'jane.doe@example.com',
      url: 'https://x.example/a?token=t',
    });
    expect(s).toEqual({
      kind: 'status',
      eventType: 'FAILED',
      providerMessageId: '<abc@mg.example>',
      from: null,
      address: 'j•••@example.com',
      url: 'https://x.example/a',
      at: '2026-12-01T10:00:00Z',
      bodyLength: null,
      channel: null,
    });
    expect(JSON.stringify(s)).not.toContain('jane.doe');
  });

  it('summarizes an inbound message by its length, never its text', () => {
    const s = summarizePayload({ kind: 'inbound', provider: 'twilio', providerMessageId: 'SM1', from: '+14155550123', body: 'my PIN is 1234 😀', at: '2026-12-01T10:00:00Z', channel: 'SMS' });
    expect(s).toMatchObject({ kind: 'inbound', eventType: 'INBOUND', from: '+14•••••••23', bodyLength: 16, channel: 'SMS' });
    expect(JSON.stringify(s)).not.toContain('1234');
  });

  it('survives whatever JSON the queue holds', () => {
    for (const junk of [null, 42, 'text', [1, 2], { kind: 'other', type: 7, from: {} }]) {
      expect(summarizePayload(junk)).toMatchObject({ kind: 'unknown', eventType: null, from: null });
    }
  });
});

describe('a retry error', () => {
  it('keeps a database error\'s SQLSTATE and constraint, never the failed statement or the row it names', () => {
    const driver = Object.assign(
      new Error(`update contacts set email_bounced_at = now() where email = 'jane@example.com' - new row for relation "contacts" violates check constraint "c1"\n - detail: Failing row contains (+14155550123, jane@example.com)`),
      { code: '23514', constraint: 'c1' },
    );
    expect(retryErrorText(driver)).toBe('database error 23514 (constraint c1)');
    expect(retryErrorText(`select id from contacts where phone = '+14155550123' - canceling statement due to statement timeout`)).toBe('database error'); // stored before
    expect(retryErrorText(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toBe('canceling statement due to statement timeout');
    expect(retryErrorText('unknown twilio message SM1')).toBe('unknown twilio message SM1');
    expect(retryErrorText(42)).toBe('42');
  });
});

describe('retry cursors', () => {
  it('round-trip to the microsecond and refuse anything else with INVALID_CURSOR', () => {
    const id = '0190c1d2-0000-7000-8000-000000000001';
    expect(decodeRetryCursor(encodeRetryCursor('2026-12-01T10:00:00.123456Z', id))).toEqual({ t: '2026-12-01T10:00:00.123456Z', id });
    for (const bad of ['', 'garbage', Buffer.from('{"t":"2026-12-01","id":"x"}').toString('base64url'), encodeRetryCursor('2026-12-01T10:00:00.123Z', id)]) {
      expect(() => decodeRetryCursor(bad)).toThrow(expect.objectContaining({ reason: 'INVALID_CURSOR' }));
    }
  });
});
