import {
  genericSignatureHeader,
  openPhoneSignatureHeader,
  parseGenericSignature,
  twilioSignature,
  verifyGenericSignature,
  verifyOpenPhoneSignature,
  verifyTwilioSignature,
  sameSecret,
  verifyWhatsAppSignature,
  whatsappSignatureHeader,
} from '../../src/tracking/webhooks/signatures';

describe('Twilio X-Twilio-Signature', () => {
  /**
   * The worked example of Twilio's request-validation docs
   * (https://www.twilio.com/docs/usage/security, now /docs/usage/webhooks/webhooks-security):
   * auth token 12345, this URL and these POST parameters sign to GvWf1cFY/Q7PnoempGyD5oXAezc=.
   */
  const DOCS = {
    token: '12345',
    url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
    params: {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675310',
      Digits: '1234',
      From: '+14158675310',
      To: '+18005551212',
    } as Record<string, string>,
    signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=',
  };

  /**
   * Reference vectors from the twilio-node test suite, repo twilio/twilio-node,
   * spec/validation.spec.js (token 12345, requestUrl https://mycompany.com/myapp.php?foo=1&bar=2).
   */
  const NODE_PARAMS: Record<string, string> = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  };

  it('computes the signature of the Twilio docs example', () => {
    expect(twilioSignature(DOCS.token, DOCS.url, DOCS.params)).toBe(DOCS.signature);
    expect(verifyTwilioSignature(DOCS.token, DOCS.url, DOCS.params, DOCS.signature)).toBe(true);
  });

  it('does not depend on the order the parameters arrive in', () => {
    const reversed = Object.fromEntries(Object.entries(DOCS.params).reverse());
    expect(twilioSignature(DOCS.token, DOCS.url, reversed)).toBe(DOCS.signature);
  });

  it.each([
    // "should succeed with the correct signature"
    [DOCS.url, NODE_PARAMS, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
    // "should validate urls with special characters"
    [`${DOCS.url}&Body=It's+amazing`, NODE_PARAMS, 'dsq4Ehbj6cs+KdTkpF5sSSplOWw='],
    // "should validate urls with credentials"
    ['https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', NODE_PARAMS, 'CukzLTc1tT5dXEDIHm/tKBanW10='],
    // "should validate request body with an array parameter" (either value order)
    [DOCS.url, { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] }, '83O6e2vORAoJHUNzJjDWN1jz+BA='],
    [DOCS.url, { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] }, '83O6e2vORAoJHUNzJjDWN1jz+BA='],
    // "should validate request body with multiple params and values" (repeated value counted once)
    [DOCS.url, { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] }, 'IK+Dwps556ElfBT0I3Rgjkr1wJU='],
  ] as [string, Record<string, string | string[]>, string][])('twilio-node vector %s → %s', (url, params, sig) => {
    expect(twilioSignature('12345', url, params)).toBe(sig);
    expect(verifyTwilioSignature('12345', url, params, sig)).toBe(true);
  });

  it('sorts keys case-sensitively (upper case before lower case)', () => {
    // "Zeta" < "alpha" in code-unit order, so the data is url + "Zeta1alpha2".
    expect(twilioSignature('t', 'https://x.test/', { alpha: '2', Zeta: '1' })).toBe(
      twilioSignature('t', 'https://x.test/', { Zeta: '1', alpha: '2' }),
    );
    expect(twilioSignature('t', 'https://x.test/', { alpha: '2', Zeta: '1' })).not.toBe(
      twilioSignature('t', 'https://x.test/', { alpha: '1', Zeta: '2' }),
    );
  });

  it('rejects tampering', () => {
    const { token, url, params, signature } = DOCS;
    expect(verifyTwilioSignature(token, url, { ...params, Digits: '9999' }, signature)).toBe(false); // changed param
    expect(verifyTwilioSignature(token, url, { ...params, Body: 'hi' }, signature)).toBe(false); // added param
    const { Digits: _dropped, ...fewer } = params;
    expect(verifyTwilioSignature(token, url, fewer, signature)).toBe(false); // removed param
    expect(verifyTwilioSignature(token, url.replace('foo=1', 'foo=2'), params, signature)).toBe(false); // changed URL
    expect(verifyTwilioSignature(token, url.replace('https:', 'http:'), params, signature)).toBe(false);
    expect(verifyTwilioSignature('54321', url, params, signature)).toBe(false); // wrong token
  });

  const truncated = DOCS.signature.slice(0, -1);
  it.each([undefined, '', truncated, `${DOCS.signature}=`, DOCS.signature.toLowerCase(), 'x', '🙂'])(
    'rejects a missing or malformed header %j without throwing',
    (header) => {
      expect(verifyTwilioSignature(DOCS.token, DOCS.url, DOCS.params, header)).toBe(false);
    },
  );
});

describe('OpenPhone (Quo) openphone-signature', () => {
  // A base64 signing key whose bytes are all >= 0x80 (catches keys mangled through latin1 strings).
  const SECRET = 'yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5uc=';
  const BODY = '{"type":"message.received","data":{"object":{"body":"Sim, obrigado! 👍"}}}';
  const TS = 1639710054089; // the docs' example timestamp, Unix milliseconds
  /**
   * Computed independently with python3:
   *   python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(base64.b64decode(
   *   'yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5uc='), '1639710054089.{\"type\":\"message.received\",
   *   \"data\":{\"object\":{\"body\":\"Sim, obrigado! 👍\"}}}'.encode(), hashlib.sha256).digest()).decode())"
   */
  const EXPECTED = 'hmac;1;1639710054089;gIZ/i6ZXWcoO5nVZt8L46i/l8gKXJwvVV74p0GJ8I/Q=';

  it('builds the documented header format, matching an independent computation', () => {
    expect(openPhoneSignatureHeader(SECRET, BODY, TS)).toBe(EXPECTED);
    expect(openPhoneSignatureHeader(SECRET, BODY, String(TS))).toBe(EXPECTED);
  });

  it('accepts a valid header within the tolerance, either side', () => {
    expect(verifyOpenPhoneSignature(SECRET, BODY, EXPECTED, TS)).toBe(true);
    expect(verifyOpenPhoneSignature(SECRET, BODY, EXPECTED, TS + 5 * 60 * 1000)).toBe(true);
    expect(verifyOpenPhoneSignature(SECRET, BODY, EXPECTED, TS - 5 * 60 * 1000)).toBe(true);
  });

  it('rejects expired and future timestamps', () => {
    expect(verifyOpenPhoneSignature(SECRET, BODY, EXPECTED, TS + 5 * 60 * 1000 + 1)).toBe(false);
    expect(verifyOpenPhoneSignature(SECRET, BODY, EXPECTED, TS - 5 * 60 * 1000 - 1)).toBe(false);
    expect(verifyOpenPhoneSignature(SECRET, BODY, EXPECTED, TS + 60_000, 30_000)).toBe(false); // custom tolerance
    // A seconds timestamp read as milliseconds is decades old.
    const seconds = openPhoneSignatureHeader(SECRET, BODY, Math.floor(TS / 1000));
    expect(verifyOpenPhoneSignature(SECRET, BODY, seconds, TS)).toBe(false);
  });

  it('uses Date.now() by default', () => {
    const now = openPhoneSignatureHeader(SECRET, BODY, Date.now());
    expect(verifyOpenPhoneSignature(SECRET, BODY, now)).toBe(true);
    expect(verifyOpenPhoneSignature(SECRET, BODY, EXPECTED)).toBe(false); // 2021
  });

  it('rejects a tampered body, a changed timestamp and a wrong secret', () => {
    expect(verifyOpenPhoneSignature(SECRET, BODY.replace('Sim', 'Não'), EXPECTED, TS)).toBe(false);
    expect(verifyOpenPhoneSignature(SECRET, `${BODY} `, EXPECTED, TS)).toBe(false); // re-serialised body
    const moved = EXPECTED.replace(';1639710054089;', ';1639710054090;');
    expect(verifyOpenPhoneSignature(SECRET, BODY, moved, TS)).toBe(false);
    const other = Buffer.alloc(32, 7).toString('base64');
    expect(verifyOpenPhoneSignature(other, BODY, EXPECTED, TS)).toBe(false);
    // The key is the base64-DECODED secret: signing with the base64 text itself is wrong.
    const textKey = Buffer.from(SECRET, 'utf8').toString('base64');
    expect(verifyOpenPhoneSignature(textKey, BODY, EXPECTED, TS)).toBe(false);
  });

  it('accepts any valid entry of a comma-separated list', () => {
    const stale = openPhoneSignatureHeader(Buffer.alloc(32, 1).toString('base64'), BODY, TS);
    expect(verifyOpenPhoneSignature(SECRET, BODY, `${stale},${EXPECTED}`, TS)).toBe(true);
    expect(verifyOpenPhoneSignature(SECRET, BODY, `${EXPECTED}, ${stale}`, TS)).toBe(true);
    expect(verifyOpenPhoneSignature(SECRET, BODY, `${stale},${stale}`, TS)).toBe(false);
  });

  const digest = EXPECTED.split(';')[3]!;
  it.each([
    undefined,
    '',
    'hmac;1;1639710054089',
    `hmac;2;1639710054089;${digest}`,
    `HMAC;1;1639710054089;${digest}`,
    `sha256;1;1639710054089;${digest}`,
    `hmac;1;;${digest}`,
    `hmac;1;abc;${digest}`,
    `hmac;1;-1639710054089;${digest}`,
    `hmac;1;1639710054089.5;${digest}`,
    `hmac;1;1639710054089;${digest};extra`,
    'hmac;1;1639710054089;',
    'hmac;1;1639710054089;not base64!',
    `hmac;1;1639710054089;${digest.slice(0, -2)}`,
    `hmac;1;1639710054089;${digest}AAAA`,
    `hmac;1;1639710054089;${Buffer.from(digest, 'base64').toString('hex')}`, // hex instead of base64
    `t=1639710054089,v1=${digest}`,
    ';;;',
    ',,,',
  ])('rejects a missing or malformed header %j without throwing', (header) => {
    expect(verifyOpenPhoneSignature(SECRET, BODY, header, TS)).toBe(false);
  });

  it('rejects an empty or non-base64 secret', () => {
    expect(verifyOpenPhoneSignature('', BODY, EXPECTED, TS)).toBe(false);
    expect(verifyOpenPhoneSignature('!!!!', BODY, EXPECTED, TS)).toBe(false);
  });
});

describe('Splitcast X-Splitcast-Signature', () => {
  const SECRET = 'whsec_splitcast_test';
  const BODY = '{"event":"REPLIED","body":"Sim, obrigado! 👍"}';
  const T = 1767225600; // 2026-01-01T00:00:00Z
  /**
   * Computed independently with python3:
   *   python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_splitcast_test',
   *   '1767225600.{\"event\":\"REPLIED\",\"body\":\"Sim, obrigado! 👍\"}'.encode(), hashlib.sha256).hexdigest())"
   */
  const V1 = '2278f6ce41eb966c657fff7c375a93e6df0076d645c5673ddfab1dc4efb78883';
  const HEADER = `t=${T},v1=${V1}`;
  const OTHER_V1 = genericSignatureHeader('an-old-secret', BODY, T).split('v1=')[1]!;

  it('builds the header, matching the python reference value', () => {
    expect(genericSignatureHeader(SECRET, BODY, T)).toBe(HEADER);
  });

  it('accepts a valid signature', () => {
    expect(verifyGenericSignature(SECRET, BODY, HEADER, T)).toEqual({ ok: true });
    expect(verifyGenericSignature(SECRET, BODY, HEADER, T + 300)).toEqual({ ok: true });
    expect(verifyGenericSignature(SECRET, BODY, HEADER, T - 300)).toEqual({ ok: true });
    expect(verifyGenericSignature(SECRET, BODY, ` t=${T} , v1=${V1.toUpperCase()} `, T)).toEqual({ ok: true });
  });

  it('accepts several v1 entries when any one matches (key rotation)', () => {
    expect(verifyGenericSignature(SECRET, BODY, `t=${T},v1=${OTHER_V1},v1=${V1}`, T)).toEqual({ ok: true });
    expect(verifyGenericSignature(SECRET, BODY, `v1=${V1},t=${T},v1=${OTHER_V1}`, T)).toEqual({ ok: true });
    expect(verifyGenericSignature(SECRET, BODY, `t=${T},v1=${OTHER_V1},v1=${OTHER_V1}`, T)).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('ignores unknown schemes next to v1', () => {
    expect(verifyGenericSignature(SECRET, BODY, `t=${T},v0=abc,v1=${V1}`, T)).toEqual({ ok: true });
  });

  it('rejects a tampered body and a wrong secret', () => {
    const bad = { ok: false, reason: 'BAD_SIGNATURE' };
    expect(verifyGenericSignature(SECRET, BODY.replace('REPLIED', 'OPTED_OUT'), HEADER, T)).toEqual(bad);
    expect(verifyGenericSignature(SECRET, `${BODY}\n`, HEADER, T)).toEqual(bad);
    expect(verifyGenericSignature('whsec_other', BODY, HEADER, T)).toEqual(bad);
    expect(verifyGenericSignature('', BODY, HEADER, T)).toEqual(bad);
    // The timestamp is signed: moving it invalidates the signature.
    expect(verifyGenericSignature(SECRET, BODY, `t=${T + 1},v1=${V1}`, T)).toEqual(bad);
    expect(verifyGenericSignature(SECRET, BODY, `t=${T},v1=${'0'.repeat(64)}`, T)).toEqual(bad);
  });

  it('rejects expired and future timestamps', () => {
    const expired = { ok: false, reason: 'EXPIRED_SIGNATURE' };
    expect(verifyGenericSignature(SECRET, BODY, HEADER, T + 301)).toEqual(expired);
    expect(verifyGenericSignature(SECRET, BODY, HEADER, T - 301)).toEqual(expired);
    expect(verifyGenericSignature(SECRET, BODY, HEADER, T + 61, 60)).toEqual(expired);
    expect(verifyGenericSignature(SECRET, BODY, HEADER, Number.NaN)).toEqual(expired);
    // Expiry is reported before the signature is checked.
    expect(verifyGenericSignature('wrong', BODY, HEADER, T + 10_000)).toEqual(expired);
  });

  it.each([undefined, '', '   '])('reports a missing header %j', (header) => {
    expect(verifyGenericSignature(SECRET, BODY, header, T)).toEqual({ ok: false, reason: 'MISSING_SIGNATURE' });
  });

  it.each([
    V1,
    `t=${T}`,
    `v1=${V1}`,
    `t=,v1=${V1}`,
    `t=abc,v1=${V1}`,
    `t=-${T},v1=${V1}`,
    `t=${T}.5,v1=${V1}`,
    `t=${T},t=${T},v1=${V1}`,
    `t=${T},v1=`,
    `t=${T},v1=${V1.slice(1)}`,
    `t=${T},v1=${V1}00`,
    `t=${T},v1=${V1.replace(/^./, 'g')}`,
    `t=${T},v1=${Buffer.from(V1, 'hex').toString('base64')}`,
    `t=${T},v1=${V1},v1=nothex`,
    `t=${T};v1=${V1}`,
    `t=${T},,v1=${V1}`,
    `t=${T},=x,v1=${V1}`,
    `t=${T} v1=${V1}`,
    `T=${T},V1=${V1}`,
    'garbage',
    ',',
  ])('reports a malformed header %j', (header) => {
    expect(verifyGenericSignature(SECRET, BODY, header, T)).toEqual({ ok: false, reason: 'MALFORMED_SIGNATURE' });
  });

  it('parses the header parts', () => {
    expect(parseGenericSignature(`t=${T},v1=${V1},v1=${OTHER_V1}`)).toEqual({ t: String(T), v1: [V1, OTHER_V1] });
    expect(parseGenericSignature('t=1')).toBeNull();
  });

  it('refuses to build a header for a non-integer time', () => {
    expect(() => genericSignatureHeader(SECRET, BODY, 1.5)).toThrow(RangeError);
    expect(() => genericSignatureHeader(SECRET, BODY, -1)).toThrow(RangeError);
  });
});

describe('Meta X-Hub-Signature-256 (WhatsApp Cloud API)', () => {
  // An independent vector: HMAC-SHA256 with key "secret" over "test", as published with the
  // whatsapp_sdk Elixir package's WhatsApp.Webhook.compute_signature example.
  const VECTOR = 'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914';
  const body = '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}';

  it('signs sha256=<hex HMAC-SHA256(app secret, raw body)>', () => {
    expect(whatsappSignatureHeader('secret', 'test')).toBe(VECTOR);
    expect(verifyWhatsAppSignature('secret', 'test', VECTOR)).toBe(true);
  });

  it('accepts its own signature, upper-case hex and surrounding spaces', () => {
    const header = whatsappSignatureHeader('app-secret', body);
    expect(verifyWhatsAppSignature('app-secret', body, header)).toBe(true);
    expect(verifyWhatsAppSignature('app-secret', body, `sha256=${header.slice(7).toUpperCase()}`)).toBe(true);
    expect(verifyWhatsAppSignature('app-secret', body, ` ${header} `)).toBe(true);
  });

  it('refuses another secret, another body (one byte, or re-serialised JSON) and malformed headers', () => {
    const header = whatsappSignatureHeader('app-secret', body);
    expect(verifyWhatsAppSignature('other-secret', body, header)).toBe(false);
    expect(verifyWhatsAppSignature('app-secret', body.replace('"1"', '"2"'), header)).toBe(false);
    expect(verifyWhatsAppSignature('app-secret', JSON.stringify(JSON.parse(body), null, 1), header)).toBe(false);
    for (const bad of [undefined, '', 'sha256=', header.slice(7), `sha1=${header.slice(7)}`, `${header}00`, header.slice(0, -1), `sha256=${'z'.repeat(64)}`, `${header},${header}`]) {
      expect(verifyWhatsAppSignature('app-secret', body, bad)).toBe(false);
    }
    expect(verifyWhatsAppSignature('', body, whatsappSignatureHeader('', body))).toBe(false);
  });
});

describe('sameSecret (webhook verify tokens)', () => {
  it('is true only for the same non-empty string', () => {
    expect(sameSecret('verify-me', 'verify-me')).toBe(true);
    expect(sameSecret('verify-me', 'verify-me ')).toBe(false);
    expect(sameSecret('verify-me', 'verify-mE')).toBe(false);
    expect(sameSecret('verify-me', 'v')).toBe(false);
    expect(sameSecret('', '')).toBe(false);
    expect(sameSecret(null, 'x')).toBe(false);
    expect(sameSecret('x', ['x'])).toBe(false);
    expect(sameSecret('x', undefined)).toBe(false);
  });
});
