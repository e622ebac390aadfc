/**
 * Signature checks for the webhook routes: Twilio, OpenPhone (Quo) legacy webhooks, Mailgun, Meta's
 * WhatsApp Cloud API (X-Hub-Signature-256), and
 * Splitcast's own generic scheme. Pure (node:crypto only, no I/O). Every comparison is
 * constant-time over equal-length buffers; verifiers return false / a reason and never throw.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two byte strings; false (not a throw) when the lengths differ. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---------------------------------------------------------------------------------------------
// Twilio
// ---------------------------------------------------------------------------------------------

/**
 * X-Twilio-Signature, as Twilio's "Webhooks security" page documents it
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-security): Base64(HMAC-SHA1(authToken,
 * url + key1 + value1 + key2 + value2 …)) with the POST parameters sorted by key (case-sensitive,
 * code-unit order) and no separators. For a repeated key, Twilio's helper libraries append
 * key + value once per distinct value, values sorted (twilio-node `toFormUrlEncodedParam`,
 * twilio-python `RequestValidator.compute_signature`: `sorted(set(values))`); their published test
 * vectors depend on it. The url must be exactly the one Twilio requested, query string included.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string | string[]>): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key]!;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) data += key + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** True when `header` (the X-Twilio-Signature value) signs this url and these parameters. */
export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
  header: string | undefined,
): boolean {
  if (typeof header !== 'string' || header === '' || authToken === '') return false;
  try {
    return sameBytes(Buffer.from(header, 'utf8'), Buffer.from(twilioSignature(authToken, url, params), 'utf8'));
  } catch {
    return false; // e.g. a non-string parameter value from a loosely typed body parser
  }
}

// ---------------------------------------------------------------------------------------------
// OpenPhone (Quo) legacy webhooks
// ---------------------------------------------------------------------------------------------

/**
 * OpenPhone / Quo legacy webhook signature, per "Validate legacy webhook signatures"
 * (https://www.quo.com/docs/webhooks/legacy-signature-validation; formerly
 * https://support.openphone.com/hc/en-us/articles/4690754298903-How-to-use-webhooks):
 * header `openphone-signature: hmac;1;<timestamp>;<signature>`, signature = Base64(HMAC-SHA256(
 * base64-decoded signing key, `<timestamp>.<raw body>`)). The documented example timestamp,
 * 1639710054089, has 13 digits: Unix MILLISECONDS (inferred; the copy of the page we read does
 * not name the unit). The page says to reject stale timestamps, but its limit was cut off in that
 * copy, so the 5-minute default is ours. Several signatures may come comma-separated (quoted
 * from Quo's docs by a secondary source, not seen first-hand); any one valid entry is enough.
 */
export const OPENPHONE_SIGNATURE_HEADER = 'openphone-signature';
export const OPENPHONE_DEFAULT_TOLERANCE_MS = 5 * 60 * 1000;

function openPhoneDigest(key: Buffer, rawBody: string, timestamp: string): Buffer {
  return createHmac('sha256', key).update(`${timestamp}.${rawBody}`, 'utf8').digest();
}

/** The `openphone-signature` value OpenPhone would send (for tests and the simulator). */
export function openPhoneSignatureHeader(secret: string, rawBody: string, timestamp: number | string): string {
  const ts = String(timestamp);
  return `hmac;1;${ts};${openPhoneDigest(Buffer.from(secret, 'base64'), rawBody, ts).toString('base64')}`;
}

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * True when one entry of `header` is `hmac;1;<ms timestamp>;<base64 HMAC-SHA256>` that signs
 * `rawBody` under `secret` (the base64 signing key), with the timestamp within `toleranceMs` of
 * `nowMs` either way (replay protection, 5 minutes by default).
 */
export function verifyOpenPhoneSignature(
  secret: string,
  rawBody: string,
  header: string | undefined,
  nowMs: number = Date.now(),
  toleranceMs: number = OPENPHONE_DEFAULT_TOLERANCE_MS,
): boolean {
  if (typeof header !== 'string' || typeof secret !== 'string' || typeof rawBody !== 'string') return false;
  const key = Buffer.from(secret, 'base64');
  if (key.length === 0) return false;
  let ok = false;
  for (const entry of header.split(',')) {
    const fields = entry.trim().split(';');
    if (fields.length !== 4) continue;
    const [scheme, version, timestamp, signature] = fields as [string, string, string, string];
    if (scheme !== 'hmac' || version !== '1') continue;
    if (!/^\d{1,16}$/.test(timestamp) || !BASE64_SHA256.test(signature)) continue;
    if (!(Math.abs(nowMs - Number(timestamp)) <= toleranceMs)) continue; // NaN-safe
    // No early return: every entry costs the same whether or not an earlier one matched.
    if (sameBytes(Buffer.from(signature, 'base64'), openPhoneDigest(key, rawBody, timestamp))) ok = true;
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Splitcast generic webhooks (our spec)
// ---------------------------------------------------------------------------------------------

/**
 * `X-Splitcast-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>`.
 * Several v1 entries may be sent during key rotation; one match is enough. Rejected when
 * |now − t| > tolerance (300 s by default).
 */
export const GENERIC_SIGNATURE_HEADER = 'X-Splitcast-Signature';
export const GENERIC_DEFAULT_TOLERANCE_SECONDS = 300;

export type GenericSignatureFailure =
  | 'MISSING_SIGNATURE'
  | 'MALFORMED_SIGNATURE'
  | 'EXPIRED_SIGNATURE'
  | 'BAD_SIGNATURE';
export type GenericSignatureResult = { ok: true } | { ok: false; reason: GenericSignatureFailure };

function genericDigest(secret: string, rawBody: string, t: string): Buffer {
  return createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest();
}

/** The header value for `rawBody` signed at `unixSeconds` (a non-negative integer). */
export function genericSignatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) {
    throw new RangeError(`unixSeconds must be a non-negative integer, got ${unixSeconds}`);
  }
  const t = String(unixSeconds);
  return `t=${t},v1=${genericDigest(secret, rawBody, t).toString('hex')}`;
}

/**
 * The header's parts, or null when malformed: comma-separated `key=value` pairs with exactly one
 * `t` (decimal digits) and at least one `v1` (64 hex digits). Unknown keys are ignored so that a
 * future scheme (v2=…) can be sent alongside v1.
 */
export function parseGenericSignature(header: string): { t: string; v1: string[] } | null {
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined || !/^\d{1,12}$/.test(value)) return null;
      t = value;
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return null;
      v1.push(value);
    }
  }
  return t !== undefined && v1.length > 0 ? { t, v1 } : null;
}

/** Checks an X-Splitcast-Signature header: missing → malformed → expired → bad, in that order. */
export function verifyGenericSignature(
  secret: string,
  rawBody: string,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds = GENERIC_DEFAULT_TOLERANCE_SECONDS,
): GenericSignatureResult {
  if (typeof header !== 'string' || header.trim() === '') return { ok: false, reason: 'MISSING_SIGNATURE' };
  const parsed = parseGenericSignature(header);
  if (parsed === null) return { ok: false, reason: 'MALFORMED_SIGNATURE' };
  if (!(Math.abs(nowSeconds - Number(parsed.t)) <= toleranceSeconds)) return { ok: false, reason: 'EXPIRED_SIGNATURE' };
  if (typeof secret !== 'string' || secret === '' || typeof rawBody !== 'string') {
    return { ok: false, reason: 'BAD_SIGNATURE' };
  }
  const expected = genericDigest(secret, rawBody, parsed.t);
  let ok = false;
  for (const candidate of parsed.v1) if (sameBytes(Buffer.from(candidate, 'hex'), expected)) ok = true;
  return ok ? { ok: true } : { ok: false, reason: 'BAD_SIGNATURE' };
}

// ---------------------------------------------------------------------------------------------
// Mailgun (email event webhooks)
// ---------------------------------------------------------------------------------------------

/**
 * Mailgun's webhook signature, as "Securing Webhooks" documents it
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks): the
 * JSON body carries `signature: { timestamp, token, signature }`, where timestamp is Unix seconds,
 * token a random 50-character string and signature = hex(HMAC-SHA256(webhook signing key,
 * timestamp + token)) — concatenated with no separator. The body itself is not signed (Mailgun's
 * scheme), so the event data is only as trustworthy as the token's freshness: stale timestamps are
 * refused (5 minutes either way by default) and the route remembers recent tokens.
 */
export const MAILGUN_DEFAULT_TOLERANCE_SECONDS = 300;

/** The hex signature Mailgun sends for this timestamp and token (for tests and the simulator). */
export function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey).update(timestamp + token, 'utf8').digest('hex');
}

/**
 * Checks a Mailgun `signature` object against any of `keys` (the workspace's signing key and, under
 * the simulator, its secret): missing → malformed → expired → bad, with the generic scheme's reasons.
 */
export function verifyMailgunSignature(
  keys: readonly string[],
  signature: unknown,
  nowSeconds: number,
  toleranceSeconds = MAILGUN_DEFAULT_TOLERANCE_SECONDS,
): GenericSignatureResult {
  if (signature === undefined || signature === null) return { ok: false, reason: 'MISSING_SIGNATURE' };
  if (typeof signature !== 'object' || Array.isArray(signature)) return { ok: false, reason: 'MALFORMED_SIGNATURE' };
  const { timestamp, token, signature: hex } = signature as Record<string, unknown>;
  // Mailgun documents the timestamp as an int; some payloads carry it as a string of digits.
  const ts = typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0 ? String(timestamp) : timestamp;
  if (typeof ts !== 'string' || !/^\d{1,12}$/.test(ts) || typeof token !== 'string' || token === '' || token.length > 200 || typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    return { ok: false, reason: 'MALFORMED_SIGNATURE' };
  }
  if (!(Math.abs(nowSeconds - Number(ts)) <= toleranceSeconds)) return { ok: false, reason: 'EXPIRED_SIGNATURE' };
  const given = Buffer.from(hex, 'hex');
  let ok = false;
  for (const key of keys) {
    if (typeof key === 'string' && key !== '' && sameBytes(given, Buffer.from(mailgunSignature(key, ts, token), 'hex'))) ok = true;
  }
  return ok ? { ok: true } : { ok: false, reason: 'BAD_SIGNATURE' };
}

// ---------------------------------------------------------------------------------------------
// Meta (WhatsApp Cloud API) webhooks
// ---------------------------------------------------------------------------------------------

/**
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, as Meta signs every
 * webhook POST ("Validating payloads" in the Graph API webhooks docs). The raw body must be the
 * exact bytes received: Meta escapes non-ASCII as \uXXXX, so re-serialised JSON would not match.
 */
export const WHATSAPP_SIGNATURE_HEADER = 'x-hub-signature-256';

/** The header value Meta would send for `rawBody` (for tests and the simulator). */
export function whatsappSignatureHeader(appSecret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex')}`;
}

/** True when `header` is `sha256=<64 hex>` signing `rawBody` under `appSecret` (hex case-insensitive). */
export function verifyWhatsAppSignature(appSecret: string, rawBody: string, header: string | undefined): boolean {
  if (typeof header !== 'string' || typeof appSecret !== 'string' || appSecret === '' || typeof rawBody !== 'string') return false;
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m) return false;
  return sameBytes(Buffer.from(m[1]!, 'hex'), createHmac('sha256', appSecret).update(rawBody, 'utf8').digest());
}

/**
 * Constant-time equality of two secrets of any length (e.g. the webhook handshake's
 * hub.verify_token): their SHA-256 digests are compared, so neither the content nor the length of
 * the expected value leaks through timing. False when either is empty or not a string.
 */
export function sameSecret(expected: string | null | undefined, given: unknown): boolean {
  if (typeof expected !== 'string' || typeof given !== 'string' || expected === '' || given === '') return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return sameBytes(digest(expected), digest(given));
}
