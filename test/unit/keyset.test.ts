import { MAX_PAGE_SIZE, checkPageSize, decodeCursor, encodeCursor } from '../../src/db/keyset';
import { domainErrorOf } from './support';

const ID = '0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6a';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('encodeCursor / decodeCursor', () => {
  it('round-trips a time and an id', () => {
    const at = new Date('2024-05-01T10:00:00.123Z');
    expect(decodeCursor(encodeCursor(at, ID))).toEqual({ at, id: ID });
  });

  it('keeps millisecond precision', () => {
    const at = new Date(Date.UTC(2023, 0, 31, 23, 59, 59, 999));
    expect(decodeCursor(encodeCursor(at, ID)).at.getTime()).toBe(at.getTime());
  });

  it('produces an opaque base64url string (safe in URLs, no padding)', () => {
    expect(encodeCursor(new Date('2024-05-01T10:00:00Z'), ID)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('gives different cursors for different rows', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    expect(encodeCursor(at, ID)).not.toBe(encodeCursor(at, '1b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6a'));
  });

  it.each([
    ['garbage', 'garbage'],
    ['an empty string', ''],
    ['punctuation', '!!!not a cursor!!!'],
    ['JSON null', b64(null)],
    ['a JSON array', b64([])],
    ['a JSON number', b64(42)],
    ['a missing id', b64({ t: '2024-05-01T10:00:00.000Z' })],
    ['a non-UUID id', b64({ t: '2024-05-01T10:00:00.000Z', id: 'abc' })],
    ['a numeric id', b64({ t: '2024-05-01T10:00:00.000Z', id: 7 })],
    ['a missing time', b64({ id: ID })],
    ['an unparseable time', b64({ t: 'yesterday', id: ID })],
    ['a time before PostgreSQL’s first (a valid JavaScript date the query failed on)', b64({ t: '-271821-04-20T00:00:00.000Z', id: ID })],
    ['a time just before 4713 BC', b64({ t: '-004713-12-31T23:59:59.999Z', id: ID })],
    ['a truncated cursor', encodeCursor(new Date('2024-05-01T10:00:00Z'), ID).slice(0, -6)],
  ])('rejects %s with INVALID_CURSOR', (_label, cursor) => {
    const error = domainErrorOf(() => decodeCursor(cursor));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'INVALID_CURSOR', 'after']);
  });
});

describe('checkPageSize', () => {
  it('allows up to 200 per page', () => {
    expect(MAX_PAGE_SIZE).toBe(200);
  });

  it.each([[0], [1], [50], [200]])('accepts %p', (first) => {
    expect(() => checkPageSize(first)).not.toThrow();
  });

  it.each([[-1], [201], [1000], [1.5], [NaN], [Infinity]])('rejects %p with INVALID_PAGE_SIZE', (first) => {
    const error = domainErrorOf(() => checkPageSize(first));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'INVALID_PAGE_SIZE', 'first']);
  });
});
