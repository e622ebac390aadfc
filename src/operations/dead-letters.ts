/**
 * The webhook retry queue as operators see it: a page of a workspace's rows (newest first, keyset
 * on created_at and id), one row by id, and the replays, which go through WebhookRetries (the
 * queue's own processing), never a copy of it.
 */
import type { Sql } from '../db/pool';
import { checkPageSize } from '../db/keyset';
import { badInput, notFound } from '../errors';
import { isUuid } from '../shared/ids';
import { retryErrorText, type WebhookRetries } from '../tracking/webhooks/retries';
import { summarizePayload, type PayloadSummary } from './dead-letter-summary';

export type RetryStatusValue = 'PENDING' | 'DEAD' | 'DONE';

export interface RetryRow {
  id: string;
  provider: string;
  status: RetryStatusValue;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  receivedAt: Date;
  updatedAt: Date;
  summary: PayloadSummary;
}

export interface RetryPage {
  nodes: RetryRow[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Errors are shown as stored (a failed statement's text never: see retryErrorText), cut to this length. */
const MAX_ERROR_CHARS = 500;

interface Raw {
  id: string;
  provider: string;
  status: RetryStatusValue;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  created_at: Date;
  updated_at: Date;
  /** created_at to the microsecond (a Date keeps milliseconds: a cursor from it would skip rows). */
  created_key: string;
  payload: unknown;
}

const COLUMNS = `id, provider, status, attempts, last_error, next_attempt_at, created_at, updated_at,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_key, payload`;

/** Opaque cursor: the row's creation time to the microsecond and its id. */
export function encodeRetryCursor(createdKey: string, id: string): string {
  return Buffer.from(JSON.stringify({ t: createdKey, id })).toString('base64url');
}

export function decodeRetryCursor(cursor: string): { t: string; id: string } {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown; id?: unknown };
    if (typeof c.t === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(c.t) && !Number.isNaN(Date.parse(c.t)) && typeof c.id === 'string' && isUuid(c.id)) {
      return { t: c.t, id: c.id };
    }
  } catch {
    // fall through
  }
  throw badInput('INVALID_CURSOR', 'The cursor is not one this server issued', 'after');
}

function toRow(r: Raw): RetryRow {
  return {
    id: r.id,
    provider: r.provider,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error === null ? null : retryErrorText(r.last_error).slice(0, MAX_ERROR_CHARS),
    // Only a waiting row has a next attempt.
    nextAttemptAt: r.status === 'PENDING' ? r.next_attempt_at : null,
    receivedAt: r.created_at,
    updatedAt: r.updated_at,
    summary: summarizePayload(r.payload),
  };
}

export class DeadLetters {
  constructor(
    private readonly sql: Sql,
    private readonly retries: WebhookRetries,
    private readonly workspaceId: string,
  ) {}

  async list(status: RetryStatusValue | null, provider: string | null, first: number, after: string | null): Promise<RetryPage> {
    checkPageSize(first);
    const cursor = after ? decodeRetryCursor(after) : null;
    const rows = await this.sql.query<Raw & Record<string, unknown>>(
      `select ${COLUMNS} from webhook_retries
       where workspace_id = $1 and ($2::text is null or status = $2) and ($3::text is null or provider = $3)
         and ($4::timestamptz is null or (created_at, id) < ($4::timestamptz, $5::uuid))
       order by created_at desc, id desc limit $6`,
      [this.workspaceId, status, provider, cursor?.t ?? null, cursor?.id ?? null, first + 1],
    );
    const nodes = rows.slice(0, first);
    const cursors = nodes.map((r) => encodeRetryCursor(r.created_key, r.id));
    return { nodes: nodes.map(toRow), cursors, hasNextPage: rows.length > first, endCursor: cursors[cursors.length - 1] ?? null };
  }

  async get(id: string): Promise<RetryRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.sql.query<Raw & Record<string, unknown>>(`select ${COLUMNS} from webhook_retries where id = $1 and workspace_id = $2`, [id, this.workspaceId]);
    return row ? toRow(row) : undefined;
  }

  /** Processes the row now through the retry queue's own attempt; answers it as it is after. NOT_FOUND for an unknown or foreign id. */
  async requeue(id: string): Promise<RetryRow> {
    if (!isUuid(id) || !(await this.retries.processNow(this.workspaceId, id))) throw notFound('Webhook retry', id);
    const row = await this.get(id);
    if (!row) throw notFound('Webhook retry', id);
    return row;
  }

  /** Dead rows (of one provider, or all) back in the queue with fresh attempts, due now; how many. */
  requeueDead(provider: string | null): Promise<number> {
    return this.retries.requeueDead(this.workspaceId, provider);
  }
}
