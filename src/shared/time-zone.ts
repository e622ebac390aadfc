/**
 * Zones are used in two places: by the runtime (Intl: schedules, quiet hours, send planning) and by
 * PostgreSQL (`at time zone`, in the learning's and analytics' SQL). Each has its own copy of the
 * IANA database, so a zone is valid only when both know it; the app registers PostgreSQL's list at
 * start. Without a registration (pure unit tests) the runtime's alone decides.
 */
let databaseZones: ReadonlySet<string> | undefined;

/** Registers the zone names PostgreSQL knows (`select name from pg_timezone_names`), once at start (undefined: none). */
export function useDatabaseTimeZones(names: Iterable<string> | undefined): void {
  databaseZones = names ? new Set(names) : undefined;
}

/**
 * SQL: the zone a contact's local times are read in — its own, else its workspace's, else UTC. Every
 * stored zone passed `isValidTimeZone`, so PostgreSQL knows it. One expression for every query.
 */
export const LOCAL_ZONE_SQL = (contact: string, workspace: string) => `coalesce(${contact}.timezone, ${workspace}.timezone, 'UTC')`;

/** The canonical IANA name of a zone (e.g. `europe/lisbon` → `Europe/Lisbon`), or undefined if unknown. */
export function canonicalTimeZone(zone: string): string | undefined {
  if (!zone) return undefined;
  let name: string;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  return !databaseZones || databaseZones.has(name) ? name : undefined;
}

/** True for zone names the runtime's IANA database knows (and PostgreSQL's, once registered). */
export function isValidTimeZone(zone: string): boolean {
  return canonicalTimeZone(zone) !== undefined;
}
