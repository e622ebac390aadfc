import 'reflect-metadata';
import { DomainError } from '../../src/errors';
import { decideContact, MAX_ORDER_VALUE, normalizeOrder, type ContactRef, type NormalizedOrder } from '../../src/orders/orders.input';
import { parseOrdersCsv } from '../../src/orders/orders.csv';
import { conversionEvents } from '../../src/orders/orders.pipeline';

const NOW = new Date('2024-06-01T12:00:00.000Z');
const CONTACT = '0190A000-0000-7000-8000-0000000000AB';

const ok = (input: unknown, country?: string): NormalizedOrder => {
  const r = normalizeOrder(input, NOW, country);
  if ('code' in r) throw new Error(`rejected: ${r.code} ${r.message}`);
  return r;
};
const code = (input: unknown, country?: string) => {
  const r = normalizeOrder(input, NOW, country);
  return 'code' in r ? r.code : 'OK';
};

describe('normalizeOrder', () => {
  it('normalises identifiers as contacts store them and defaults occurredAt to now', () => {
    expect(ok({ contactId: CONTACT, externalId: ' shop-1 ', phone: '(415) 555-2671', email: ' Ann@Example.COM ', orderId: '  A-1  ', value: 12.5 }, 'US')).toEqual({
      contact: { contactId: CONTACT.toLowerCase(), externalId: 'shop-1', phone: '+14155552671', email: 'ann@example.com' },
      orderId: 'A-1',
      value: 12.5,
      occurredAt: NOW,
      merchantId: null,
    });
    expect(ok({ email: 'a@b.co', orderId: 'x', value: 0, occurredAt: '2024-05-01T00:00:00Z', merchantId: 'm1' })).toMatchObject({
      contact: { contactId: null, externalId: null, phone: null, email: 'a@b.co' },
      value: 0,
      occurredAt: new Date('2024-05-01T00:00:00Z'),
      merchantId: 'm1',
    });
  });

  it('needs at least one identifier; blank ones count as absent', () => {
    expect(code({ orderId: 'x', value: 1 })).toBe('MISSING_IDENTIFIER');
    expect(code({ externalId: '  ', email: '', orderId: 'x', value: 1 })).toBe('MISSING_IDENTIFIER');
    expect(code({ contactId: 'not-a-uuid', orderId: 'x', value: 1 })).toBe('CONTACT_NOT_FOUND');
    expect(code({ phone: '12', orderId: 'x', value: 1 })).toBe('INVALID_PHONE');
    expect(code({ externalId: 7, orderId: 'x', value: 1 })).toBe('INVALID_ORDER');
    expect(code({ externalId: 'a\u0000b', orderId: 'x', value: 1 })).toBe('INVALID_TEXT');
  });

  it('checks orderId: non-empty after trimming, at most 200 characters, storable text', () => {
    expect(code({ externalId: 'e', value: 1 })).toBe('INVALID_ORDER_ID');
    expect(code({ externalId: 'e', orderId: '   ', value: 1 })).toBe('INVALID_ORDER_ID');
    expect(code({ externalId: 'e', orderId: 5, value: 1 })).toBe('INVALID_ORDER_ID');
    expect(code({ externalId: 'e', orderId: 'x'.repeat(200), value: 1 })).toBe('OK');
    expect(code({ externalId: 'e', orderId: 'x'.repeat(201), value: 1 })).toBe('INVALID_ORDER_ID');
    expect(code({ externalId: 'e', orderId: '\ud800', value: 1 })).toBe('INVALID_TEXT');
  });

  it('takes values from 0 to 1e12: a refund (negative) is not an order', () => {
    for (const value of [0, 0.01, MAX_ORDER_VALUE]) expect(code({ externalId: 'e', orderId: 'x', value })).toBe('OK');
    for (const value of [-0.01, MAX_ORDER_VALUE * 1.000001, Infinity, NaN, '10', null, undefined]) expect(code({ externalId: 'e', orderId: 'x', value })).toBe('INVALID_VALUE');
  });

  it('applies the event rules to occurredAt: 5 minutes of clock drift, not before 2000, a date', () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    expect(code({ externalId: 'e', orderId: 'x', value: 1, occurredAt: at(5 * 60_000) })).toBe('OK');
    expect(code({ externalId: 'e', orderId: 'x', value: 1, occurredAt: at(5 * 60_000 + 1) })).toBe('INVALID_OCCURRED_AT');
    expect(code({ externalId: 'e', orderId: 'x', value: 1, occurredAt: '1999-12-31T23:59:59Z' })).toBe('INVALID_OCCURRED_AT');
    expect(code({ externalId: 'e', orderId: 'x', value: 1, occurredAt: 'yesterday' })).toBe('INVALID_OCCURRED_AT');
  });

  it('refuses what is not an object', () => {
    for (const v of [null, 1, 'x', [], true]) expect(code(v)).toBe('INVALID_ORDER');
  });
});

describe('decideContact', () => {
  const ref = (patch: Partial<ContactRef>): ContactRef => ({ contactId: null, externalId: null, phone: null, email: null, ...patch });
  it('takes the one contact all given identifiers name', () => {
    expect(decideContact(ref({ externalId: 'e' }), { externalId: ['c1'] })).toBe('c1');
    expect(decideContact(ref({ contactId: 'c1', phone: '+1', email: 'a@b.c' }), { contactId: ['c1'], phone: ['c1'], email: ['c1', 'c2'] })).toBe('c1');
    expect(decideContact(ref({ email: 'a@b.c' }), { email: ['c2'] })).toBe('c2');
  });
  it('rejects an identifier that names nobody, identifiers naming different contacts, and a shared email alone', () => {
    expect(decideContact(ref({ externalId: 'e' }), {})).toMatchObject({ code: 'CONTACT_NOT_FOUND' });
    expect(decideContact(ref({ externalId: 'e', phone: '+1' }), { externalId: ['c1'] })).toMatchObject({ code: 'CONTACT_NOT_FOUND' });
    expect(decideContact(ref({ externalId: 'e', phone: '+1' }), { externalId: ['c1'], phone: ['c2'] })).toMatchObject({ code: 'CONTACT_MISMATCH' });
    expect(decideContact(ref({ externalId: 'e', email: 'a@b.c' }), { externalId: ['c1'], email: ['c2'] })).toMatchObject({ code: 'CONTACT_MISMATCH' });
    expect(decideContact(ref({ email: 'a@b.c' }), { email: ['c1', 'c2'] })).toMatchObject({ code: 'CONTACT_AMBIGUOUS' });
  });
});

describe('parseOrdersCsv', () => {
  it('reads OrderInput columns in any spelling; empty cells are absent; values are numbers', () => {
    const rows = parseOrdersCsv('Order ID,external_id,EMAIL,value,occurred-at\nA-1,e1,,12.50,2024-05-01T00:00:00Z\n"A-2",,x@y.z,1e3,\n');
    expect(rows).toEqual([
      { line: 2, input: { orderId: 'A-1', externalId: 'e1', value: 12.5, occurredAt: '2024-05-01T00:00:00Z' } },
      { line: 3, input: { orderId: 'A-2', email: 'x@y.z', value: 1000 } },
    ]);
  });
  it('rejects a row whose value is not a number, keeping the others', () => {
    expect(parseOrdersCsv('orderId,phone,value\n1,+14155552671,12 EUR\n2,+14155552671,-3\n')).toEqual([
      { line: 2, rejection: { code: 'INVALID_VALUE', message: 'value "12 EUR" is not a number' } },
      { line: 3, input: { orderId: '2', phone: '+14155552671', value: -3 } },
    ]);
  });
  it('refuses a header without orderId, value or an identifier, or with an unknown or repeated column', () => {
    const reason = (csv: string) => {
      try {
        parseOrdersCsv(csv);
        return 'OK';
      } catch (e) {
        return (e as DomainError).reason;
      }
    };
    expect(reason('orderId,externalId,value\n')).toBe('OK');
    expect(reason('orderId,externalId\n')).toBe('INVALID_CSV');
    expect(reason('value,externalId\n')).toBe('INVALID_CSV');
    expect(reason('orderId,value,merchantId\n')).toBe('INVALID_CSV');
    expect(reason('orderId,value,externalId,amount\n')).toBe('INVALID_CSV');
    expect(reason('orderId,value,externalId,external_id\n')).toBe('INVALID_CSV');
    expect(reason('')).toBe('INVALID_CSV');
    expect(reason('orderId,externalId,value\n"unterminated,1,2\n')).toBe('INVALID_CSV');
  });
});

describe('conversionEvents', () => {
  const order = (n: number, at: string, value: number) => ({ n, order: { contact: { contactId: null, externalId: 'e', phone: null, email: null }, orderId: `o${n}`, value, occurredAt: new Date(at), merchantId: n === 2 ? 'm' : null } });
  it('makes one CONVERTED per campaign and recipient: the earliest order (then the first given), with its value and an order-conversion key', () => {
    const events = conversionEvents([
      { campaignId: 'k1', contactId: 'c1', order: order(0, '2024-05-02T00:00:00Z', 10) },
      { campaignId: 'k1', contactId: 'c1', order: order(1, '2024-05-01T00:00:00Z', 20) },
      { campaignId: 'k2', contactId: 'c1', order: order(2, '2024-05-01T00:00:00Z', 30) },
      { campaignId: 'k2', contactId: 'c1', order: order(3, '2024-05-01T00:00:00Z', 40) },
    ]);
    expect(events.map((e) => [e.event.campaignId, e.event.type, e.event.value, e.event.occurredAt.toISOString(), e.event.merchantId, e.event.idempotencyKey, e.order.n])).toEqual([
      ['k1', 'CONVERTED', 20, '2024-05-01T00:00:00.000Z', null, 'order-conversion:k1:c1', 1],
      ['k2', 'CONVERTED', 30, '2024-05-01T00:00:00.000Z', 'm', 'order-conversion:k2:c1', 2],
    ]);
  });
});
