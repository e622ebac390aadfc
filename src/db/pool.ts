/**
 * A plain pg pool for hot, set-based paths (event ingestion): bound parameters ($1…), no ORM in
 * between. MikroORM's `execute` inlines parameters into the SQL text, which for the large JSON
 * parameters of a batch costs more CPU than the database work itself (measured with --cpu-prof).
 */
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import Cursor from 'pg-cursor';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';

export interface Sql {
  query<T extends QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export class SqlPool {
  private readonly pool: Pool;

  constructor(
    url: string,
    logger: Logger,
    private readonly counter?: Counter,
    max = 10,
    private readonly duration?: Histogram<'pool'>,
    /** Bounds for background pools that must never hang a shutdown (e.g. the rate limiter's sync). */
    timeouts: { connectMs?: number; statementMs?: number } = {},
  ) {
    this.pool = new Pool({ connectionString: url, max, connectionTimeoutMillis: timeouts.connectMs, statement_timeout: timeouts.statementMs });
    // An idle client's connection dropping (e.g. PostgreSQL stopping first) must not crash the process.
    this.pool.on('error', (err) => logger.warn({ err }, 'idle database connection lost'));
  }

  /** Runs `fn` in a transaction on one connection; commits when it resolves, rolls back when it throws. */
  async transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const { client, done } = await this.checkOut();
    const sql = this.wrap(client);
    let broken: Error | undefined;
    try {
      await sql.query('begin');
      const result = await fn(sql);
      await sql.query('commit');
      return result;
    } catch (e) {
      await client.query('rollback').catch((err: Error) => (broken = err));
      throw e;
    } finally {
      done(broken);
    }
  }

  /**
   * A pool client for the caller's exclusive use. pg-pool listens for a client's connection errors
   * only while it is idle: one lost while checked out (the server terminating the backend, a reset)
   * would be an unhandled 'error' event and kill the process, so it is listened for here too, and
   * a client whose connection failed is destroyed on release instead of going back to the pool.
   */
  private async checkOut(): Promise<{ client: PoolClient; done(err?: Error): void }> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (err: Error) => (lost = err);
    client.on('error', onError);
    return {
      client,
      done: (err) => {
        client.off('error', onError);
        client.release(lost ?? err);
      },
    };
  }

  /** One statement outside a transaction (reads). */
  async query<T extends QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]> {
    this.counter?.inc();
    const t0 = performance.now();
    try {
      return (await this.pool.query<T>(text, params)).rows;
    } finally {
      this.duration?.observe({ pool: 'sql' }, (performance.now() - t0) / 1000);
    }
  }

  /**
   * One read statement whose rows arrive `batchSize` at a time (a portal: pg-cursor), for answers
   * too large to hold at once; `onRows` runs on each batch before the next is fetched, so memory
   * stays bounded by one batch whatever the result size.
   */
  async each<T extends QueryResultRow = Record<string, unknown>>(text: string, params: unknown[], batchSize: number, onRows: (rows: T[]) => void): Promise<void> {
    this.counter?.inc();
    const t0 = performance.now();
    const { client, done } = await this.checkOut();
    const cursor = client.query(new Cursor<T>(text, params));
    // A read that fails leaves the connection in no known state (closing the cursor on a terminated
    // connection would wait forever): the client is destroyed, not closed and returned.
    let broken: Error | undefined;
    try {
      for (;;) {
        const rows = await cursor.read(batchSize).catch((err: Error) => {
          throw (broken = err);
        });
        if (rows.length === 0) break;
        onRows(rows);
      }
    } finally {
      if (!broken) await cursor.close().catch((err: Error) => (broken = err));
      done(broken);
      this.duration?.observe({ pool: 'sql' }, (performance.now() - t0) / 1000);
    }
  }

  private wrap(client: PoolClient): Sql {
    return {
      query: async <T extends QueryResultRow>(text: string, params?: unknown[]) => {
        this.counter?.inc();
        const t0 = performance.now();
        try {
          return (await client.query<T>(text, params)).rows;
        } finally {
          this.duration?.observe({ pool: 'sql' }, (performance.now() - t0) / 1000);
        }
      },
    };
  }

  /** Connections in use and idle, and callers waiting for one (for the pool gauges). */
  stats(): { inUse: number; idle: number; waiting: number } {
    return { inUse: this.pool.totalCount - this.pool.idleCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
