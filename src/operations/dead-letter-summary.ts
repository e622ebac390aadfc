/**
 * What an operator may see of a queued webhook payload: what kind it is, the event type, the
 * provider's message id and when — never a message body, a token or a full address. Phone numbers
 * and email addresses are partly masked; a clicked URL is shown without its query. Pure, and
 * defensive: the payload is whatever JSON the queue holds (older formats included).
 */
export interface PayloadSummary {
  /** `status` (what happened to a message we sent) or `inbound` (a message from a contact); `unknown` otherwise. */
  kind: string;
  /** The event a status payload records (DELIVERED, FAILED, CLICKED …). */
  eventType: string | null;
  providerMessageId: string | null;
  /** An inbound message's sender, masked. */
  from: string | null;
  /** A bounced email address, masked. */
  address: string | null;
  /** A clicked link: origin and path only. */
  url: string | null;
  /** The provider's (or our) time of the event, as received. */
  at: string | null;
  /** An inbound message's length in characters (its text is not shown). */
  bodyLength: number | null;
  /** The channel an inbound message came on. */
  channel: string | null;
}

const str = (v: unknown, max = 200): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);

/** `+14155550123` → `+14•••••••23`: the country code's first digits and the last two. */
export function maskPhone(phone: string): string {
  const prefix = phone.startsWith('+') ? '+' : '';
  const digits = phone.slice(prefix.length);
  if (digits.length <= 4) return prefix + '•'.repeat(digits.length);
  return prefix + digits.slice(0, 2) + '•'.repeat(digits.length - 4) + digits.slice(-2);
}

/** `jane.doe@example.com` → `j•••@example.com`: the first character of the local part and the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}

/** An address of either kind (Twilio's `whatsapp:` prefix kept), masked; anything else fully hidden. */
export function maskAddress(address: string): string {
  const m = /^(whatsapp:)?(\+?\d[\d\s().-]{4,})$/.exec(address.trim());
  if (m) return (m[1] ?? '') + maskPhone(m[2]!.replace(/[\s().-]/g, ''));
  if (address.includes('@')) return maskEmail(address.trim());
  return '•••';
}

/** A URL's origin and path (query strings and fragments carry tokens and personal data). */
export function urlWithoutQuery(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin + u.pathname;
  } catch {
    return null;
  }
}

export function summarizePayload(payload: unknown): PayloadSummary {
  const p = payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  const kind = p.kind === 'status' || p.kind === 'inbound' ? p.kind : 'unknown';
  const from = str(p.from);
  const address = str(p.bouncedAddress);
  const url = str(p.url, 2000);
  return {
    kind,
    eventType: kind === 'status' ? str(p.type, 40) : kind === 'inbound' ? 'INBOUND' : null,
    providerMessageId: str(p.providerMessageId),
    from: from ? maskAddress(from) : null,
    address: address ? maskAddress(address) : null,
    url: url ? urlWithoutQuery(url) : null,
    at: str(p.at, 40),
    bodyLength: typeof p.body === 'string' ? [...p.body].length : null,
    channel: str(p.channel, 20),
  };
}
