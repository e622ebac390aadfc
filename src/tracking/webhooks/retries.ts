/**
 * The webhook retry queue: payloads whose processing failed after the request was accepted.
 * Exponential backoff (5 s, 10 s, 20 s, … capped at 1 h; a callback that overtook the sender's
 * commit is usually processed on the first retry); after MAX_ATTEMPTS (about 2.4 hours) the row is
 * DEAD — logged as an error and counted in splitcast_webhook_retries_total{result="DEAD"} — and
 * stays in the table for inspection.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Orm } from '../../db/orm';
import { newId } from '../../shared/ids';
import type { IngestionPipeline } from '../ingestion';
import { processWebhook, type WebhookPayload } from './process';

export const MAX_ATTEMPTS = 12; // about 2.4 h of retries in all
const BASE_DELAY_MS = 5_000;
const MAX_DELAY_MS = 3_600_000;

/** Delay before attempt `attempts + 1`. Pure. */
export function backoffMs(attempts: number): number {
  return Math.min(BASE_DELAY_MS * 2 ** Math.max(attempts - 1, 0), MAX_DELAY_MS);
}

const STATEMENT = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * An error as the queue stores it and operators see it (webhookRetries.lastError). A database error
 * through the ORM starts with the failed statement, its values inlined, and ends with the row's
 * values (`detail: Failing row contains (…)`): the payload's phone numbers, addresses and texts.
 * Such an error keeps only its SQLSTATE and constraint; any other its message. Takes an error or a
 * stored text (rows written before this rule). Pure.
 */
export function retryErrorText(e: unknown): string {
  const err = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
  const message = typeof e === 'string' ? e : typeof err.message === 'string' ? err.message : String(e);
  if (!STATEMENT.test(message)) return message;
  const code = typeof err.code === 'string' ? ` ${err.code}` : '';
  const constraint = typeof err.constraint === 'string' ? ` (constraint ${err.constraint})` : '';
  return `database error${code}${constraint}`;
}

export async function enqueueRetry(em: EntityManager, workspaceId: string, payload: WebhookPayload, error: string): Promise<void> {
  await em.execute(
    `insert into webhook_retries (id, workspace_id, provider, payload, attempts, next_attempt_at, last_error)
     values (?, ?, ?, ?::jsonb, 1, now() + make_interval(secs => ?), ?)`,
    [newId(), workspaceId, payload.provider, JSON.stringify(payload), backoffMs(1) / 1000, error],
  );
}

export class WebhookRetries {
  private running?: Promise<number>;

  constructor(
    private readonly orm: Orm,
    private readonly pipeline: IngestionPipeline,
    private readonly logger: Logger,
    private readonly counter: Counter<'result'>,
  ) {}

  /** Waits for a run in progress (the scheduler's 'webhooks: retry queue' job calls runDue). */
  async stop(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Processes every due retry once; returns how many were attempted. */
  runDue(limit = 100): Promise<number> {
    this.running ??= this.claimAndProcess(limit).finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Processes one row now, whatever its status or due time (an operator's replay of a dead letter),
   * through the same attempt as the queue: DONE, rescheduled, or DEAD again. Replays are idempotent:
   * the payload's event key makes a second processing a duplicate. False when the workspace has no such row.
   */
  async processNow(workspaceId: string, id: string): Promise<boolean> {
    return this.orm.em.fork().transactional(async (tx) => {
      // Waits for a queue run holding the row, then sees what it left.
      const [row] = await tx.execute<RetryRow[]>(`select id, workspace_id, payload, attempts from webhook_retries where id = ? and workspace_id = ? for update`, [id, workspaceId]);
      if (!row) return false;
      await this.attempt(tx, row);
      return true;
    });
  }

  /**
   * Dead rows of a workspace (of one provider, or all) back to PENDING with fresh attempts, due now;
   * starts a queue run without waiting for it. Returns how many were requeued.
   */
  async requeueDead(workspaceId: string, provider: string | null): Promise<number> {
    const rows = await this.orm.em.fork().execute<{ id: string }[]>(
      `update webhook_retries set status = 'PENDING', attempts = 0, next_attempt_at = now(), updated_at = now()
       where workspace_id = ? and status = 'DEAD' and (?::text is null or provider = ?) returning id`,
      [workspaceId, provider, provider],
    );
    if (rows.length > 0) void this.runDue().catch((err) => this.logger.error({ err }, 'webhook retry run failed'));
    return rows.length;
  }

  private async claimAndProcess(limit: number): Promise<number> {
    const em = this.orm.em.fork();
    return em.transactional(async (tx) => {
      // SKIP LOCKED: several instances can drain the queue without taking the same row.
      const due = await tx.execute<RetryRow[]>(
        `select id, workspace_id, payload, attempts from webhook_retries
         where status = 'PENDING' and next_attempt_at <= now()
         order by next_attempt_at limit ? for update skip locked`,
        [limit],
      );
      for (const row of due) await this.attempt(tx, row);
      return due.length;
    });
  }

  /** One processing attempt of a row locked by `tx`: DONE, or rescheduled with backoff, or DEAD after the last attempt. */
  private async attempt(tx: EntityManager, row: RetryRow): Promise<void> {
    let error: string;
    try {
      const r = await processWebhook(this.orm.em.fork(), this.pipeline, row.workspace_id, row.payload);
      if (r.done) {
        await tx.execute(`update webhook_retries set status = 'DONE', updated_at = now(), last_error = null where id = ? and workspace_id = ?`, [row.id, row.workspace_id]);
        this.counter.inc({ result: 'DONE' });
        return;
      }
      error = r.retry;
    } catch (e) {
      error = retryErrorText(e);
      this.logger.warn({ err: e, retryId: row.id, workspaceId: row.workspace_id }, 'webhook retry attempt failed');
    }
    const attempts = row.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) {
      await tx.execute(`update webhook_retries set status = 'DEAD', attempts = ?, last_error = ?, updated_at = now() where id = ? and workspace_id = ?`, [attempts, error, row.id, row.workspace_id]);
      this.counter.inc({ result: 'DEAD' });
      this.logger.error({ retryId: row.id, workspaceId: row.workspace_id, payload: row.payload, attempts, error }, 'webhook dead-lettered');
    } else {
      await tx.execute(
        `update webhook_retries set status = 'PENDING', attempts = ?, last_error = ?, next_attempt_at = now() + make_interval(secs => ?), updated_at = now() where id = ? and workspace_id = ?`,
        [attempts, error, backoffMs(attempts) / 1000, row.id, row.workspace_id],
      );
      this.counter.inc({ result: 'RETRIED' });
    }
  }
}

interface RetryRow {
  id: string;
  workspace_id: string;
  payload: WebhookPayload;
  attempts: number;
}
