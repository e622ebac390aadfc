/** The canonical IANA name of a zone (e.g. `europe/lisbon` → `Europe/Lisbon`), or undefined if unknown. */
export function canonicalTimeZone(zone: string): string | undefined {
  if (!zone) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** True for zone names the runtime's IANA database knows. */
export function isValidTimeZone(zone: string): boolean {
  return canonicalTimeZone(zone) !== undefined;
}
