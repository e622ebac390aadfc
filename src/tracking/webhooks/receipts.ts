/**
 * Webhook receipts per workspace, provider and outcome (what webhook health reads). Counting a
 * request must not cost the request a statement, so each instance adds up its receipts in memory
 * per minute and flushes them with one upsert (adding to what other instances wrote) every few
 * seconds and at shutdown. A crash loses at most one flush interval of this instance's counts.
 */
import type { Logger } from 'pino';
import type { Sql } from '../../db/pool';
import { isUuid } from '../../shared/ids';

export type ReceiptOutcome = 'accepted' | 'duplicate' | 'bad_signature' | 'malformed' | 'retried' | 'rate_limited';

/** Outcomes that prove the provider itself reached us (a valid signature): they set last_at. */
const AUTHENTIC: ReadonlySet<ReceiptOutcome> = new Set(['accepted', 'duplicate', 'retried']);

interface Tally {
  workspaceId: string;
  provider: string;
  outcome: ReceiptOutcome;
  minute: number;
  count: number;
  lastAt: number | null;
}

/** Distinct (workspace, provider, outcome, minute) kept between flushes; beyond it receipts are dropped (and logged). */
export const MAX_KEYS = 20_000;
/**
 * Of those, at most this many for the other outcomes. A malformed body or a rate limit is answered
 * before the workspace is looked up, so anyone can make such receipts for made-up workspace ids
 * (dropped only at the flush): capped apart, they cannot crowd out the receipts that prove a
 * provider reached a real workspace (which would make its webhooks look SILENT).
 */
export const MAX_UNVERIFIED_KEYS = 5_000;

export class WebhookReceipts {
  private pending = new Map<string, Tally>();
  /** Keys in `pending` of outcomes other than AUTHENTIC ones. */
  private unverified = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private dropped = 0;

  constructor(
    private readonly sql: Sql,
    private readonly logger: Logger,
    private readonly flushMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left (called after the HTTP server stopped taking requests). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Counts one request. `workspaceId` comes from the URL: a well-formed id of no workspace is dropped at the flush. */
  record(workspaceId: string | undefined, provider: string, outcome: ReceiptOutcome, at = Date.now()): void {
    if (!workspaceId || !isUuid(workspaceId)) return;
    const minute = at - (at % 60_000);
    const key = `${workspaceId}|${provider}|${outcome}|${minute}`;
    let t = this.pending.get(key);
    if (!t) {
      t = { workspaceId, provider, outcome, minute, count: 0, lastAt: null };
      if (!this.add(key, t)) {
        this.dropped++;
        return;
      }
    }
    t.count++;
    if (AUTHENTIC.has(outcome)) t.lastAt = Math.max(t.lastAt ?? 0, at);
  }

  /** Adds a new key within the bounds (MAX_KEYS, MAX_UNVERIFIED_KEYS); false when there is no room. */
  private add(key: string, t: Tally): boolean {
    const verified = AUTHENTIC.has(t.outcome);
    if (this.pending.size >= MAX_KEYS || (!verified && this.unverified >= MAX_UNVERIFIED_KEYS)) return false;
    this.pending.set(key, t);
    if (!verified) this.unverified++;
    return true;
  }

  /** Writes the counts gathered since the last flush (one statement); on failure they are kept for the next one. */
  flush(): Promise<void> {
    // One flush at a time: a second caller waits for the running one, then flushes what came since.
    const run = (this.flushing ?? Promise.resolve()).then(() => this.write());
    this.flushing = run;
    return run;
  }

  private async write(): Promise<void> {
    if (this.dropped > 0) {
      this.logger.warn({ dropped: this.dropped }, 'webhook receipts dropped: too many distinct workspaces between two flushes');
      this.dropped = 0;
    }
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.unverified = 0;
    try {
      // Joined with workspaces: an id taken from a URL that names no workspace (a 429 or a malformed body comes before the lookup) is dropped.
      await this.sql.query(
        `insert into webhook_receipts (workspace_id, provider, outcome, minute, count, last_at)
         select x.ws, x.provider, x.outcome, x.minute, x.n, x.last_at
         from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::timestamptz[]) as x(ws, provider, outcome, minute, n, last_at)
         join workspaces w on w.id = x.ws
         on conflict (workspace_id, provider, outcome, minute)
         do update set count = webhook_receipts.count + excluded.count, last_at = greatest(webhook_receipts.last_at, excluded.last_at)`,
        [
          batch.map((t) => t.workspaceId),
          batch.map((t) => t.provider),
          batch.map((t) => t.outcome),
          batch.map((t) => new Date(t.minute)),
          batch.map((t) => t.count),
          batch.map((t) => (t.lastAt === null ? null : new Date(t.lastAt))),
        ],
      );
    } catch (err) {
      this.logger.warn({ err, tallies: batch.length }, 'webhook receipts not flushed; kept for the next flush');
      for (const t of batch) {
        const key = `${t.workspaceId}|${t.provider}|${t.outcome}|${t.minute}`;
        const now = this.pending.get(key);
        if (now) {
          now.count += t.count;
          now.lastAt = t.lastAt === null ? now.lastAt : Math.max(now.lastAt ?? 0, t.lastAt);
        } else if (!this.add(key, t)) this.dropped += t.count;
      }
    }
  }
}
