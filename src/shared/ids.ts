import { randomBytes } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL = '00000000-0000-0000-0000-000000000000';

/**
 * Ids are UUIDs. Anything else cannot name a row, so it maps to the nil UUID and is simply
 * not found, instead of making PostgreSQL reject the query (which would surface as a 500).
 */
export function asUuid(id: string): string {
  return UUID.test(id) ? id.toLowerCase() : NIL;
}

export function isUuid(id: string): boolean {
  return UUID.test(id);
}

let lastMs = 0;
let sequence = 0;

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit sequence that keeps ids
 * made in the same millisecond by this process in creation order (RFC 9562 §6.2, method 1), then
 * random bits. Ids sort by creation time, which keeps "newest first" listings stable and the
 * primary-key index append-mostly.
 */
export function newId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = randomBytes(2).readUInt16BE() & 0x3ff; // start low so the counter has room
  } else {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1; // counter exhausted: borrow the next millisecond
      sequence = 0;
    }
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
