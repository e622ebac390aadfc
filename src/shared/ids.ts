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
