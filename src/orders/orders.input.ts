/**
 * Validation of one incoming order (GraphQL `recordOrders`, `POST /v1/orders`, CSV rows). Pure:
 * returns the normalised order or a rejection with a stable code. Whether the contact exists is
 * decided later, in the workspace (orders.pipeline.ts).
 */
import { toE164 } from '../contacts/phone';
import { isUuid } from '../shared/ids';
import { isRejection, optionalText, parseOccurredAt, type EventRejection } from '../tracking/event-input';

export { MAX_EVENTS_PER_CALL as MAX_ORDERS_PER_CALL } from '../tracking/event-input';

/** The shape clients send (OrderInput). */
export interface OrderInput {
  contactId?: string | null;
  externalId?: string | null;
  phone?: string | null;
  email?: string | null;
  orderId: string;
  value: number;
  occurredAt?: Date | string | null;
  merchantId?: string | null;
}

/** How the order names its contact: at least one field set; all the set ones must name the same contact. */
export interface ContactRef {
  contactId: string | null;
  externalId: string | null;
  /** E.164, as contacts store it. */
  phone: string | null;
  /** Lower case, as contacts store it. */
  email: string | null;
}

export interface NormalizedOrder {
  contact: ContactRef;
  orderId: string;
  value: number;
  occurredAt: Date;
  merchantId: string | null;
}

export type OrderRejection = EventRejection;

/** An order's value: money in the shop's currency. A refund is not an order, hence no negatives. */
export const MAX_ORDER_VALUE = 1e12;
const MAX_ID_LENGTH = 200;

export function normalizeOrder(input: unknown, now: Date = new Date(), defaultCountry?: string | null): NormalizedOrder | OrderRejection {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return reject('INVALID_ORDER', 'An order must be an object');
  const o = input as Record<string, unknown>;

  const rawOrderId = o.orderId;
  const orderId = typeof rawOrderId === 'string' ? rawOrderId.trim() : '';
  if (orderId.length === 0 || orderId.length > MAX_ID_LENGTH) {
    return reject('INVALID_ORDER_ID', `orderId must be a string of 1 to ${MAX_ID_LENGTH} characters (after trimming)`);
  }
  const badOrderId = optionalText(orderId, 'orderId', MAX_ID_LENGTH, 'INVALID_ORDER_ID');
  if (isRejection(badOrderId)) return badOrderId;

  if (typeof o.value !== 'number' || !Number.isFinite(o.value) || o.value < 0 || o.value > MAX_ORDER_VALUE) {
    return reject('INVALID_VALUE', `value must be a number from 0 to ${MAX_ORDER_VALUE} (a refund is not an order)`);
  }

  const occurredAt = parseOccurredAt(o.occurredAt, now);
  if (isRejection(occurredAt)) return occurredAt;
  const merchantId = optionalText(o.merchantId, 'merchantId', MAX_ID_LENGTH, 'INVALID_ORDER');
  if (isRejection(merchantId)) return merchantId;

  const contact = contactRef(o, defaultCountry);
  if (isRejection(contact)) return contact;
  return { contact, orderId, value: o.value, occurredAt, merchantId };
}

/** Blank identifiers count as absent (CSV cells, forms); the rest are normalised as contacts store them. */
function contactRef(o: Record<string, unknown>, defaultCountry?: string | null): ContactRef | OrderRejection {
  const field = (name: string): string | null | OrderRejection => {
    const v = o[name];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') return reject('INVALID_ORDER', `${name} must be a string`);
    const trimmed = v.trim();
    if (trimmed === '') return null;
    return optionalText(trimmed, name, MAX_ID_LENGTH * 2, 'INVALID_ORDER');
  };
  const contactId = field('contactId');
  if (isRejection(contactId)) return contactId;
  // Contact ids are UUIDs: anything else names no contact.
  if (contactId !== null && !isUuid(contactId)) return reject('CONTACT_NOT_FOUND', `Contact ${contactId} not found`);
  const externalId = field('externalId');
  if (isRejection(externalId)) return externalId;
  const rawPhone = field('phone');
  if (isRejection(rawPhone)) return rawPhone;
  let phone: string | null = null;
  if (rawPhone !== null) {
    phone = toE164(rawPhone, defaultCountry) ?? null;
    if (phone === null) return reject('INVALID_PHONE', `"${rawPhone}" is not a valid phone number`);
  }
  const email = field('email');
  if (isRejection(email)) return email;
  if (contactId === null && externalId === null && phone === null && email === null) {
    return reject('MISSING_IDENTIFIER', 'An order needs its contact: contactId, externalId, phone or email');
  }
  return { contactId: contactId?.toLowerCase() ?? null, externalId, phone, email: email?.toLowerCase() ?? null };
}

/** The contacts each identifier of an order matched in the workspace (by email: two at most, and the contact the other identifiers name if it has that email). */
export interface ContactMatches {
  contactId?: string[];
  externalId?: string[];
  phone?: string[];
  email?: string[];
}

/**
 * Decides an order's contact from what each of its identifiers matched. Pure. Every identifier
 * given must name a contact (else CONTACT_NOT_FOUND) and all must name the same one (else
 * CONTACT_MISMATCH). id, externalId and phone are unique per workspace; an email may be shared:
 * alone it must name exactly one contact (else CONTACT_AMBIGUOUS), with another identifier it must
 * include that one.
 */
export function decideContact(ref: ContactRef, matches: ContactMatches): string | OrderRejection {
  const given = (['contactId', 'externalId', 'phone', 'email'] as const).filter((k) => ref[k] !== null);
  for (const k of given) {
    if ((matches[k] ?? []).length === 0) return reject('CONTACT_NOT_FOUND', `No contact with ${k} ${ref[k]} in this workspace`);
  }
  const unique = new Set(given.filter((k) => k !== 'email').map((k) => matches[k]![0]!));
  if (unique.size > 1) return reject('CONTACT_MISMATCH', `${given.join(', ')} name different contacts`);
  const [one] = unique;
  const byEmail = ref.email !== null ? matches.email! : null;
  if (one !== undefined) {
    if (byEmail && !byEmail.includes(one)) return reject('CONTACT_MISMATCH', `${given.join(', ')} name different contacts`);
    return one;
  }
  if (byEmail!.length > 1) return reject('CONTACT_AMBIGUOUS', `Several contacts have the email ${ref.email}: name the contact by contactId, externalId or phone`);
  return byEmail![0]!;
}

function reject(code: string, message: string): OrderRejection {
  return { code, message };
}
