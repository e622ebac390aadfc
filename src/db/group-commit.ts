/**
 * Group commit: concurrent requests are queued and written together, a batch per transaction, so
 * throughput does not depend on one round trip per request. A request's promise resolves only
 * after its transaction committed. Deadlocks and serialization failures are retried; a batch that
 * still fails is split in halves until the failing request is alone, so that one bad request never
 * fails the others.
 * Used by event ingestion (src/tracking/ingestion.ts) and orders (src/orders/orders.pipeline.ts).
 */
import type { Logger } from 'pino';
import type { Sql, SqlPool } from './pool';

export interface GroupCommitOptions {
  /** Items per transaction, at most (whole requests are never split). */
  maxBatch?: number;
  /** Transactions in flight at once. */
  concurrency?: number;
}

export interface GroupCommitSteps<R, O> {
  /** What the logs call this queue ("ingestion", "orders"). */
  name: string;
  /** A request's weight against maxBatch (e.g. its number of events). */
  size(request: R): number;
  /** Writes a batch inside the given transaction; one result per request, in order. */
  write(tx: Sql, batch: R[]): Promise<O[]>;
  /** Called once per committed transaction with its results (metrics). */
  committed?(results: O[]): void;
}

interface Pending<R, O> {
  request: R;
  resolve(result: O): void;
  reject(e: unknown): void;
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure
const ATTEMPTS = 3;

export class GroupCommit<R, O> {
  private queue: Pending<R, O>[] = [];
  private active = 0;
  private readonly maxBatch: number;
  private readonly concurrency: number;

  constructor(
    private readonly db: SqlPool,
    private readonly logger: Logger,
    private readonly steps: GroupCommitSteps<R, O>,
    opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 2000;
    this.concurrency = opts.concurrency ?? 2;
  }

  /** Resolves with the request's result once its transaction committed. */
  submit(request: R): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const batch: Pending<R, O>[] = [];
      let size = 0;
      while (this.queue.length > 0 && (batch.length === 0 || size + this.steps.size(this.queue[0]!.request) <= this.maxBatch)) {
        const next = this.queue.shift()!;
        batch.push(next);
        size += this.steps.size(next.request);
      }
      this.active++;
      void this.run(batch).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async run(batch: Pending<R, O>[]): Promise<void> {
    try {
      const results = await this.withRetries(batch.map((p) => p.request));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (e) {
      if (batch.length > 1) {
        // One request must not fail the others: retry each half, one after the other, until the
        // failing request is alone. Within this slot, so at most `concurrency` transactions stay in
        // flight (the pool is shared), and a bad request among n costs about 2·log2(n) transactions.
        this.logger.warn({ err: e, requests: batch.length }, `${this.steps.name} batch failed; retrying its halves`);
        const half = Math.ceil(batch.length / 2);
        await this.run(batch.slice(0, half));
        await this.run(batch.slice(half));
        return;
      }
      this.logger.error({ err: e }, `${this.steps.name} failed`);
      batch[0]!.reject(e);
    }
  }

  private async withRetries(requests: R[]): Promise<O[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.db.transaction((tx) => this.steps.write(tx, requests));
        // Committed: from here nothing may fail the batch (it would be written again).
        try {
          this.steps.committed?.(results);
        } catch (e) {
          this.logger.error({ err: e }, `${this.steps.name}: committed hook failed`);
        }
        return results;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (attempt >= ATTEMPTS || !code || !RETRYABLE.has(code)) throw e;
      }
    }
  }
}
