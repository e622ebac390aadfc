/** Validation of one contact record (GraphQL input or CSV row). Pure. */
import { canonicalTimeZone } from '../shared/time-zone';
import { checkJsonValue, checkText, INVALID_TEXT } from '../shared/input-text';
import { toE164 } from './phone';
import { isChannel, type Channel } from '../domain/channel';

export interface ContactFields {
  externalId?: string | null;
  phone?: string | null;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  timezone?: string | null;
  tags?: string[] | null;
  segment?: string | null;
  attributes?: unknown;
  /** Every channel at once; applied before `channelConsent`. */
  consent?: boolean | null;
  /** Per channel, after `consent`. */
  channelConsent?: readonly { channel: Channel; granted: boolean }[] | null;
}

/** Only the fields the caller gave: an upsert leaves the others as they are. */
export type ContactPatch = {
  externalId?: string;
  phone?: string;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  timezone?: string | null;
  tags?: string[];
  segment?: string | null;
  attributes?: Record<string, unknown>;
  consent?: boolean;
  channelConsent?: { channel: Channel; granted: boolean }[];
};

export interface Rejection {
  code: string;
  message: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const blankToNull = (v: string | null | undefined): string | null | undefined =>
  v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim();

/** Text PostgreSQL cannot store, and attributes beyond the JSON bounds, reject the row. */
function textRejection(input: ContactFields): Rejection | undefined {
  for (const key of ['externalId', 'phone', 'email', 'firstName', 'lastName', 'timezone', 'segment'] as const) {
    const v = input[key];
    const bad = typeof v === 'string' ? checkText(v, key) : undefined;
    if (bad) return { code: INVALID_TEXT, message: bad };
  }
  const badTag = (input.tags ?? []).map((t, i) => (typeof t === 'string' ? checkText(t, `tags.${i}`) : undefined)).find(Boolean);
  if (badTag) return { code: INVALID_TEXT, message: badTag };
  const p = input.attributes === undefined || input.attributes === null ? undefined : checkJsonValue(input.attributes, undefined, 'attributes');
  if (p) return { code: p.reason === INVALID_TEXT ? INVALID_TEXT : 'INVALID_ATTRIBUTES', message: p.message };
  return undefined;
}

export function normalizeContact(input: ContactFields, defaultCountry?: string | null): ContactPatch | Rejection {
  const bad = textRejection(input);
  if (bad) return bad;
  const patch: ContactPatch = {};
  const externalId = blankToNull(input.externalId);
  if (externalId) patch.externalId = externalId;
  const rawPhone = blankToNull(input.phone);
  if (rawPhone) {
    const e164 = toE164(rawPhone, defaultCountry);
    if (!e164) {
      return { code: 'INVALID_PHONE', message: `"${rawPhone}" is not a valid phone number${defaultCountry ? ` (read in ${defaultCountry} when it has no +country code)` : ' (use +country code, or set the workspace defaultCountry)'}` };
    }
    patch.phone = e164;
  }
  if (!patch.externalId && !patch.phone) {
    return { code: 'MISSING_IDENTIFIER', message: 'A contact needs an externalId or a phone number' };
  }
  const email = blankToNull(input.email);
  if (email !== undefined) {
    if (email !== null && !EMAIL.test(email)) return { code: 'INVALID_EMAIL', message: `"${email}" is not a valid email address` };
    patch.email = email?.toLowerCase() ?? null;
  }
  const tz = blankToNull(input.timezone);
  if (tz !== undefined) {
    const zone = tz === null ? null : canonicalTimeZone(tz);
    if (zone === undefined) return { code: 'INVALID_TIMEZONE', message: `Unknown IANA time zone "${tz}"` };
    patch.timezone = zone;
  }
  for (const key of ['firstName', 'lastName', 'segment'] as const) {
    const v = blankToNull(input[key]);
    if (v !== undefined) patch[key] = v;
  }
  if (input.tags !== undefined && input.tags !== null) {
    patch.tags = [...new Set(input.tags.map((t) => t.trim()).filter(Boolean))];
  }
  if (input.attributes !== undefined && input.attributes !== null) {
    if (typeof input.attributes !== 'object' || Array.isArray(input.attributes)) {
      return { code: 'INVALID_ATTRIBUTES', message: 'attributes must be a JSON object' };
    }
    patch.attributes = input.attributes as Record<string, unknown>;
  }
  if (input.consent !== undefined && input.consent !== null) patch.consent = input.consent;
  if (input.channelConsent !== undefined && input.channelConsent !== null) {
    const seen = new Set<Channel>();
    for (const { channel, granted } of input.channelConsent) {
      if (!isChannel(channel) || typeof granted !== 'boolean') return { code: 'INVALID_CONSENT', message: 'channelConsent entries must be {channel: SMS | WHATSAPP | EMAIL, granted: true | false}' };
      if (seen.has(channel)) return { code: 'INVALID_CONSENT', message: `channelConsent names ${channel} twice` };
      seen.add(channel);
    }
    patch.channelConsent = input.channelConsent.map(({ channel, granted }) => ({ channel, granted }));
  }
  return patch;
}

export function isRejection(v: ContactPatch | Rejection): v is Rejection {
  return 'code' in v && 'message' in v;
}
