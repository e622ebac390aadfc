/**
 * Pure view logic of the Operations section: how webhook health, circuits, dead letters, alerts
 * and the opt-out report read, page cursors, and the opt-out CSV's request and file name. No I/O,
 * no DOM.
 */
import type { DashOperationsHealthQuery, DashWebhookRetryFragment } from '../generated/graphql';
import { channelName } from '../ui/format';

export type WebhookHealthEntry = DashOperationsHealthQuery['webhookHealth'][number];
export type ProviderHealthEntry = DashOperationsHealthQuery['providerHealth'][number];
export type Level = 'healthy' | 'degraded' | 'silent';

const LEVEL_ORDER: Level[] = ['healthy', 'degraded', 'silent'];

export function levelOf(status: string): Level {
  return status === 'SILENT' ? 'silent' : status === 'DEGRADED' ? 'degraded' : 'healthy';
}

/** One sentence for a provider: its status in words, with the API's reasons when not healthy. */
export function healthReading(h: Pick<WebhookHealthEntry, 'provider' | 'status' | 'reasons'>): { level: Level; text: string } {
  const level = levelOf(h.status);
  if (level === 'healthy') return { level, text: `${h.provider}: healthy` };
  const why = h.reasons.length > 0 ? `: ${h.reasons.join('; ')}` : '';
  return { level, text: `${h.provider}: ${level}${why}` };
}

/** The worst status over every provider; none with activity reads as healthy, said as such. */
export function overallReading(list: readonly Pick<WebhookHealthEntry, 'provider' | 'status'>[]): { level: Level; text: string } {
  if (list.length === 0) return { level: 'healthy', text: 'No webhook activity in the last 24 hours.' };
  const worst = list.reduce<Level>((w, h) => (LEVEL_ORDER.indexOf(levelOf(h.status)) > LEVEL_ORDER.indexOf(w) ? levelOf(h.status) : w), 'healthy');
  const bad = list.filter((h) => levelOf(h.status) !== 'healthy').map((h) => h.provider);
  if (worst === 'healthy') return { level: worst, text: `All ${list.length} provider${list.length === 1 ? '' : 's'} healthy.` };
  return { level: worst, text: `Needs attention: ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} not healthy.` };
}

/** Seconds as a short duration: "—" when the API has none (no callback in the window). */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null) return '—';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A timestamp in the reader's locale, "—" for none. */
export function when(iso: unknown, locale?: string): string {
  if (iso == null || iso === '') return '—';
  const d = new Date(String(iso));
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(locale);
}

/** Rejected requests of the last hour: bad signatures plus malformed bodies. */
export function rejectedLastHour(h: Pick<WebhookHealthEntry, 'badSignatureLastHour' | 'malformedLastHour'>): number {
  return h.badSignatureLastHour + h.malformedLastHour;
}

/**
 * The hourly snapshots as chart series over a fixed window of `hours` hours ending with `now`'s
 * hour (x in unix seconds): an hour without a snapshot is null (drawn as a gap, "—" in the table),
 * so one or two snapshots still sit on a readable 24-hour axis.
 */
export function historySeries(
  history: WebhookHealthEntry['history'],
  now: Date,
  hours = 24,
): { x: number[]; received: (number | null)[]; rejected: (number | null)[]; dead: (number | null)[] } {
  const HOUR = 3600;
  const end = Math.floor(now.getTime() / 1000 / HOUR) * HOUR;
  const byHour = new Map(history.map((s) => [Math.floor(Date.parse(s.hour) / 1000 / HOUR) * HOUR, s]));
  const x = Array.from({ length: hours }, (_, i) => end - (hours - 1 - i) * HOUR);
  const pick = (f: (s: WebhookHealthEntry['history'][number]) => number) => x.map((h) => (byHour.has(h) ? f(byHour.get(h)!) : null));
  return { x, received: pick((s) => s.received), rejected: pick((s) => s.badSignature + s.malformed), dead: pick((s) => s.dead) };
}

export function circuitText(p: Pick<ProviderHealthEntry, 'circuit'>): string {
  switch (p.circuit) {
    case 'OPEN':
      return 'Open: sends deferred';
    case 'HALF_OPEN':
      return 'Half open: one probe out';
    default:
      return 'Closed';
  }
}

/** Circuits not closed first (what needs a look), then by channel. */
export function sortCircuits<T extends Pick<ProviderHealthEntry, 'circuit' | 'channel' | 'provider'>>(list: readonly T[]): T[] {
  const rank = (c: string) => (c === 'OPEN' ? 0 : c === 'HALF_OPEN' ? 1 : 2);
  return [...list].sort((a, b) => rank(a.circuit) - rank(b.circuit) || a.channel.localeCompare(b.channel) || a.provider.localeCompare(b.provider));
}

/** What a retry row's payload was, in words (the API masks addresses and never gives a text). */
export function payloadText(s: DashWebhookRetryFragment['summary']): string {
  const parts: string[] = [];
  if (s.kind === 'status') parts.push(`Status ${s.eventType ?? 'unknown'}`);
  else if (s.kind === 'inbound') parts.push(`Inbound ${s.channel ?? 'message'}${s.bodyLength != null ? ` (${s.bodyLength} characters)` : ''}`);
  else parts.push(s.eventType ? `Event ${s.eventType}` : 'Unknown payload');
  if (s.providerMessageId) parts.push(`message ${s.providerMessageId}`);
  if (s.from) parts.push(`from ${s.from}`);
  if (s.address) parts.push(`address ${s.address}`);
  if (s.url) parts.push(`link ${s.url}`);
  return parts.join(', ');
}

/** What became of a row replayed with requeueWebhookRetry (the row as the API answers it after). */
export function requeueOutcome(row: Pick<DashWebhookRetryFragment, 'status' | 'attempts' | 'lastError' | 'nextAttemptAt'>, locale?: string): string {
  if (row.status === 'DONE') return 'Requeued and processed (DONE).';
  if (row.status === 'PENDING') return `Requeued: not processed yet (attempt ${row.attempts}${row.lastError ? `: ${row.lastError}` : ''}); next attempt ${when(row.nextAttemptAt, locale)}.`;
  return `Requeued but dead again after attempt ${row.attempts}${row.lastError ? `: ${row.lastError}` : ''}.`;
}

export function requeueAllOutcome(count: number): string {
  if (count === 0) return 'No dead letters to requeue.';
  return `${count} dead letter${count === 1 ? '' : 's'} put back in the queue with fresh attempts; a queue run has started.`;
}

/**
 * Keyset pages as a stack of cursors: the first page has none; "next" pushes the page's end
 * cursor, "previous" pops. Filters reset it.
 */
export type CursorStack = readonly (string | null)[];
export const FIRST_PAGE: CursorStack = [null];
export const currentCursor = (s: CursorStack): string | null => s[s.length - 1] ?? null;
export const nextPage = (s: CursorStack, endCursor: string | null | undefined): CursorStack => (endCursor ? [...s, endCursor] : s);
export const previousPage = (s: CursorStack): CursorStack => (s.length > 1 ? s.slice(0, -1) : s);
export const pageNumber = (s: CursorStack): number => s.length;

/** The report's periods offered by the switch (days; the API takes 1–3650). */
export const PERIODS = [7, 30, 90, 365] as const;

export function periodLabel(days: number): string {
  if (days === 365) return 'Last year';
  return `Last ${days} days`;
}

/** A breakdown key as people read it: the API's ALL and (none) in words, channels humanised. */
export function breakdownKey(dimension: 'channel' | 'source' | 'keyword', key: string): string {
  if (dimension === 'channel') return key === 'ALL' ? 'All channels' : channelName(key);
  if (dimension === 'keyword' && key === '(none)') return 'No keyword';
  return key;
}

/** A breakdown's share of the total, in whole percent (0 when the total is 0). */
export function share(count: number, total: number): string {
  return total === 0 ? '0 %' : `${Math.round((count / total) * 100)} %`;
}

/** Who opted out: external id, else phone or email, else the contact id. */
export function contactLabel(c: { id: string; externalId?: string | null; phone?: string | null; email?: string | null }): string {
  return c.externalId || c.phone || c.email || c.id;
}

/** GET /v1/opt-outs.csv for the period, as a path (the key goes in a header, never here). */
export function optOutCsvPath(days: number): string {
  return `/v1/opt-outs.csv?days=${encodeURIComponent(String(days))}`;
}

/**
 * The saved file's name: the period and the day, so two downloads do not overwrite each other. The day
 * is the reader's (local, or the zone given): in UTC a download at 00:30 in Lisbon summer time, or in
 * the evening in California, would carry the wrong date.
 */
export function optOutCsvFileName(days: number, now: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)!.value;
  return `opt-outs-${days}d-${part('year')}-${part('month')}-${part('day')}.csv`;
}

/** A REST error body ({ error: { code, reason, message } }) in the words describeError uses. */
export function restErrorText(status: number, body: unknown): string {
  const e = (body as { error?: { code?: unknown; reason?: unknown; message?: unknown } } | null)?.error;
  if (!e || typeof e.message !== 'string') return `The server answered HTTP ${status}`;
  const tag = [e.code, e.reason].filter((x): x is string => typeof x === 'string' && x !== '').join(', ');
  return tag ? `${e.message} (${tag})` : e.message;
}

/** Whether an API error is the missing-scope refusal (said in words next to the API's own). */
export function isForbidden(error: { graphQLErrors?: readonly { extensions?: Record<string, unknown> }[] } | undefined): boolean {
  return error?.graphQLErrors?.some((e) => e.extensions?.code === 'FORBIDDEN') ?? false;
}
