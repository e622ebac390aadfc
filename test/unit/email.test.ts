/** Email's pure parts: Mailgun signatures and events, SMTP answers and Message-IDs, the pixel and unsubscribe pages. */
import { EventType } from '../../src/domain/event-type';
import { Channel } from '../../src/domain/channel';
import { classifySmtpError, fromDomain, smtpMessageId, smtpRequiresTls, smtpTransportOptions } from '../../src/sending/providers/smtp';
import { composeMessage } from '../../src/sending/compose';
import { isOneClick, maskEmail, plausibleToken, TRANSPARENT_GIF, unsubscribePage } from '../../src/tracking/email-pages';
import { parseMailgunEvent } from '../../src/tracking/webhooks/mailgun';
import { RecentTokens } from '../../src/tracking/webhooks/routes';
import { mailgunSignature, verifyMailgunSignature } from '../../src/tracking/webhooks/signatures';

describe('Mailgun webhook signature', () => {
  // Computed independently with Python's hmac module:
  // hmac.new(key, b'1529006854' + token, hashlib.sha256).hexdigest()
  const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
  const VECTOR = { timestamp: '1529006854', token: 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0', signature: 'b63c0701c4f4b614f272106a1b367c5c3369bcdca664ae73ebd52787e45eef07' };
  const NOW = 1529006854 + 10;

  it('is hex HMAC-SHA256 of timestamp + token', () => {
    expect(mailgunSignature(KEY, VECTOR.timestamp, VECTOR.token)).toBe(VECTOR.signature);
  });

  it('accepts the vector with any one of the keys, a numeric timestamp too', () => {
    expect(verifyMailgunSignature([KEY], VECTOR, NOW)).toEqual({ ok: true });
    expect(verifyMailgunSignature(['other', KEY], VECTOR, NOW)).toEqual({ ok: true });
    expect(verifyMailgunSignature([KEY], { ...VECTOR, timestamp: 1529006854 }, NOW)).toEqual({ ok: true });
    expect(verifyMailgunSignature([KEY], { ...VECTOR, signature: VECTOR.signature.toUpperCase() }, NOW)).toEqual({ ok: true });
  });

  it('refuses missing, malformed, stale and wrong signatures, in that order', () => {
    expect(verifyMailgunSignature([KEY], undefined, NOW)).toEqual({ ok: false, reason: 'MISSING_SIGNATURE' });
    expect(verifyMailgunSignature([KEY], 'sig', NOW)).toEqual({ ok: false, reason: 'MALFORMED_SIGNATURE' });
    expect(verifyMailgunSignature([KEY], { ...VECTOR, signature: 'abc' }, NOW)).toEqual({ ok: false, reason: 'MALFORMED_SIGNATURE' });
    expect(verifyMailgunSignature([KEY], { ...VECTOR, timestamp: '-1' }, NOW)).toEqual({ ok: false, reason: 'MALFORMED_SIGNATURE' });
    expect(verifyMailgunSignature([KEY], { ...VECTOR, token: 7 }, NOW)).toEqual({ ok: false, reason: 'MALFORMED_SIGNATURE' });
    expect(verifyMailgunSignature([KEY], VECTOR, 1529006854 + 301)).toEqual({ ok: false, reason: 'EXPIRED_SIGNATURE' });
    expect(verifyMailgunSignature([KEY], VECTOR, 1529006854 - 301)).toEqual({ ok: false, reason: 'EXPIRED_SIGNATURE' });
    expect(verifyMailgunSignature(['wrong'], VECTOR, NOW)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(verifyMailgunSignature([], VECTOR, NOW)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(verifyMailgunSignature([KEY], { ...VECTOR, token: VECTOR.token + 'x' }, NOW)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });
});

describe('Mailgun events', () => {
  const at = 1770920772.25;
  const event = (data: Record<string, unknown>) => ({ signature: {}, 'event-data': { id: 'ev1', timestamp: at, recipient: 'ada@example.com', message: { headers: { 'message-id': 'abc@shop.example' } }, ...data } });

  it('maps delivered, opened, clicked, permanent failures, complaints and unsubscribes', () => {
    const base = { kind: 'status', provider: 'email', providerMessageId: 'abc@shop.example', eventKey: 'email:ev1', at: new Date(1770920772250).toISOString() };
    expect(parseMailgunEvent(event({ event: 'delivered' }))).toEqual({ kind: 'record', payload: { ...base, type: EventType.DELIVERED } });
    expect(parseMailgunEvent(event({ event: 'opened' }))).toEqual({ kind: 'record', payload: { ...base, type: EventType.OPENED } });
    expect(parseMailgunEvent(event({ event: 'clicked', url: 'https://shop.example/a' }))).toEqual({ kind: 'record', payload: { ...base, type: EventType.CLICKED, url: 'https://shop.example/a' } });
    expect(parseMailgunEvent(event({ event: 'failed', severity: 'permanent' }))).toEqual({ kind: 'record', payload: { ...base, type: EventType.FAILED, bouncedAddress: 'ada@example.com' } });
    expect(parseMailgunEvent(event({ event: 'complained' }))).toEqual({ kind: 'record', payload: { ...base, type: EventType.OPTED_OUT, keyword: 'complained' } });
    expect(parseMailgunEvent(event({ event: 'unsubscribed' }))).toEqual({ kind: 'record', payload: { ...base, type: EventType.OPTED_OUT, keyword: 'unsubscribed' } });
  });

  it('ignores temporary failures and other events', () => {
    expect(parseMailgunEvent(event({ event: 'failed', severity: 'temporary' }))).toMatchObject({ kind: 'ignored' });
    expect(parseMailgunEvent(event({ event: 'accepted' }))).toEqual({ kind: 'ignored', event: 'accepted' });
  });

  it('strips angle brackets from the Message-ID and stamps events without a timestamp', () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const r = parseMailgunEvent({ 'event-data': { event: 'delivered', message: { headers: { 'message-id': '<x@y.example>' } } } }, now);
    expect(r).toMatchObject({ kind: 'record', payload: { providerMessageId: 'x@y.example', at: now.toISOString(), eventKey: expect.stringMatching(/^email:x@y\.example:delivered:/) } });
  });

  it('calls a body malformed when the event data does not fit', () => {
    expect(parseMailgunEvent(null)).toMatchObject({ kind: 'malformed' });
    expect(parseMailgunEvent([])).toMatchObject({ kind: 'malformed' });
    expect(parseMailgunEvent({ 'event-data': { event: 'delivered' } })).toMatchObject({ kind: 'malformed', message: expect.stringContaining('message') });
    expect(parseMailgunEvent(event({ event: 'delivered', timestamp: 'soon' }))).toMatchObject({ kind: 'malformed' });
    expect(parseMailgunEvent(event({ event: 'clicked' }))).toMatchObject({ kind: 'malformed' });
    expect(parseMailgunEvent(event({ event: 'failed', severity: 'permanent', recipient: undefined }))).toMatchObject({ kind: 'malformed' });
  });
});

describe('SMTP', () => {
  it('derives a stable Message-ID from the idempotency key at the From domain', () => {
    const id = smtpMessageId('c:r:k', 'Shop <news@Shop.Example>');
    expect(id).toMatch(/^[0-9a-f]{32}@shop\.example$/);
    expect(smtpMessageId('c:r:k', 'news@shop.example')).toBe(id);
    expect(smtpMessageId('c:r:other', 'news@shop.example')).not.toBe(id);
    expect(fromDomain('no address')).toBe('splitcast.invalid');
  });

  it('retries 4xx and lost connections; fails 5xx; a refused mailbox is a bounce, a policy refusal is not', () => {
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 try later', command: 'RCPT TO' })).toEqual({ ok: false, retryable: true, error: 'SMTP 451 4.3.0 try later' });
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'Connection closed' })).toMatchObject({ ok: false, retryable: true });
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'Greeting never received' })).toMatchObject({ ok: false, retryable: true });
    expect(classifySmtpError({ code: 'ESOCKET', message: 'connect ECONNREFUSED' })).toMatchObject({ ok: false, retryable: true });
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <x@y>: no such user', command: 'RCPT TO' })).toEqual({
      ok: false,
      retryable: false,
      error: 'SMTP 550 5.1.1 <x@y>: no such user',
      bounced: true,
    });
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 no such user', command: 'RCPT TO' })).toMatchObject({ bounced: true });
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.7.1 relaying denied', command: 'RCPT TO' })).toEqual({ ok: false, retryable: false, error: 'SMTP 550 5.7.1 relaying denied' });
    expect(classifySmtpError({ code: 'EMESSAGE', responseCode: 554, response: '554 message refused', command: 'DATA' })).toEqual({ ok: false, retryable: false, error: 'SMTP 554 message refused' });
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535, response: '535 bad credentials', command: 'AUTH PLAIN' })).toMatchObject({ retryable: false });
    expect(classifySmtpError(new Error('odd'))).toMatchObject({ ok: false, retryable: false });
  });

  it('requires TLS by default when there are credentials, and passes it to nodemailer as requireTLS', () => {
    expect(smtpRequiresTls({ username: 'mailer' })).toBe(true);
    expect(smtpRequiresTls({ username: null })).toBe(false);
    expect(smtpRequiresTls({})).toBe(false);
    // Explicit either way wins (settings saved before requireTls existed have none).
    expect(smtpRequiresTls({ username: 'mailer', requireTls: false })).toBe(false);
    expect(smtpRequiresTls({ username: null, requireTls: true })).toBe(true);
    const base = { host: 'smtp.shop.example', port: 587, secure: false, from: 'news@shop.example' };
    expect(smtpTransportOptions({ ...base, username: 'mailer', password: 'pw' })).toMatchObject({ requireTLS: true, secure: false, auth: { user: 'mailer', pass: 'pw' } });
    expect(smtpTransportOptions({ ...base, username: 'mailer', password: 'pw', requireTls: false })).toMatchObject({ requireTLS: false });
    const anonymous = smtpTransportOptions(base);
    expect(anonymous.requireTLS).toBe(false);
    expect('auth' in anonymous).toBe(false);
  });

  it('explains a refused STARTTLS (the server offers none and TLS is required): final, nothing was sent', () => {
    const r = classifySmtpError({ code: 'ETLS', responseCode: 502, response: '502 5.5.2 Error: command not recognized', command: 'STARTTLS' });
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(r.error).toMatch(/^SMTP server refused STARTTLS \(502 5\.5\.2 Error: command not recognized\): nothing was sent, credentials included\./);
    expect(r.error).toContain('smtp.requireTls: false');
    // A failed TLS handshake after the server said yes may pass later (a certificate being renewed).
    expect(classifySmtpError({ code: 'ETLS', message: 'Error initiating TLS - socket hang up', command: 'STARTTLS' })).toMatchObject({ retryable: true });
    // A 4xx to STARTTLS: the server's temporary trouble.
    expect(classifySmtpError({ code: 'ETLS', responseCode: 454, response: '454 4.7.0 TLS not available due to temporary reason', command: 'STARTTLS' })).toMatchObject({ retryable: true });
  });
});

describe('open pixel and unsubscribe pages', () => {
  it('serves a 1x1 GIF', () => {
    expect(TRANSPARENT_GIF.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(TRANSPARENT_GIF.readUInt16LE(6)).toBe(1);
    expect(TRANSPARENT_GIF.readUInt16LE(8)).toBe(1);
  });

  it('masks the address and escapes the workspace name', () => {
    expect(maskEmail('ada@example.com')).toBe('a**@example.com');
    expect(maskEmail('bartholomew.long@example.com')).toBe('b********@example.com');
    expect(maskEmail('nope')).toBe('***');
    const html = unsubscribePage('a**@example.com', '<Shop & "Co">');
    expect(html).toContain('Unsubscribe a**@example.com from &lt;Shop &amp; &quot;Co&quot;&gt;?');
    expect(html).toContain('<form method="post">');
  });

  it('recognises RFC 8058 one-click bodies, urlencoded and multipart', () => {
    expect(isOneClick('application/x-www-form-urlencoded', { 'List-Unsubscribe': 'One-Click' }, undefined)).toBe(true);
    expect(isOneClick('application/x-www-form-urlencoded; charset=utf-8', { confirm: 'yes' }, undefined)).toBe(false);
    const multipart = '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n';
    expect(isOneClick('multipart/form-data; boundary=b', undefined, multipart)).toBe(true);
    expect(isOneClick('multipart/form-data; boundary=b', undefined, multipart.replace('One-Click', 'Other'))).toBe(false);
    expect(isOneClick(undefined, undefined, undefined)).toBe(false);
  });

  it('knows a token can only be base62', () => {
    expect(plausibleToken('Ab3xYz0912')).toBe(true);
    expect(plausibleToken('../x')).toBe(false);
    expect(plausibleToken('a'.repeat(65))).toBe(false);
  });
});

describe('recent Mailgun tokens', () => {
  it('remembers a token for its time to live, and a bounded number of them', () => {
    let now = 0;
    const tokens = new RecentTokens(1000, 2, () => now);
    tokens.add('a');
    expect(tokens.has('a')).toBe(true);
    now = 999;
    expect(tokens.has('a')).toBe(true);
    now = 1000;
    expect(tokens.has('a')).toBe(false);
    tokens.add('b');
    tokens.add('c');
    tokens.add('d');
    expect([tokens.has('b'), tokens.has('c'), tokens.has('d')]).toEqual([false, true, true]);
  });
});

describe('compose: email', () => {
  let n = 0;
  const input = {
    channel: Channel.EMAIL,
    variant: { template: 'Hi {first_name}, see https://shop.example/a?x=1&y=2', subject: 'Sale for {first_name}', html: '<p>Hi {first_name}, <a href="https://shop.example/a?x=1&amp;y=2">shop</a></p>' },
    contact: { firstName: 'Ada <b>', email: 'ada@example.com' },
    campaign: {},
    publicUrl: 'https://splitcast.example',
    makeToken: () => `T${n++}`,
    trackingToken: 'TRK',
  };

  it('addresses the mail, tracks the same URL with one token in both parts, adds the pixel and the RFC 8058 headers', () => {
    n = 0;
    const r = composeMessage(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.message;
    expect(m.to).toBe('ada@example.com');
    expect(m.subject).toBe('Sale for Ada <b>');
    expect(m.body).toBe('Hi Ada <b>, see https://splitcast.example/l/T0\n\n--\nUnsubscribe: https://splitcast.example/u/TRK');
    expect(m.html).toContain('Hi Ada &lt;b&gt;, <a href="https://splitcast.example/l/T0">shop</a>');
    expect(m.html).toContain('<img src="https://splitcast.example/o/TRK" width="1" height="1"');
    expect(m.links).toEqual([{ token: 'T0', url: 'https://shop.example/a?x=1&y=2' }]);
    expect(m.headers).toEqual({ 'List-Unsubscribe': '<https://splitcast.example/u/TRK>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    expect(m.trackingToken).toBe('TRK');
  });

  it('fails a contact without an email', () => {
    expect(composeMessage({ ...input, contact: { firstName: 'Bo', phone: '+14155550123' } })).toEqual({ ok: false, error: 'the contact has no email address' });
  });
});
