/** Local wall-clock hour of an instant in a zone, by Intl directly (independent of the code under test). */
const hourFormats = new Map<string, Intl.DateTimeFormat>();
export function localHour(t: number, zone: string): number {
  let f = hourFormats.get(zone);
  if (!f) hourFormats.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' })));
  return Number(f.format(t)) % 24;
}
