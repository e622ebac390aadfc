/**
 * Reconciliation: for one workspace, asks the provider that sent each message still without a
 * final status (DELIVERED / FAILED) where it stands, and records what changed through the webhook
 * pipeline (`processWebhook`, a status payload under the provider webhook's own event key), so a
 * lookup and the real callback are one event whichever comes first, and a second run changes
 * nothing. Each run's report is a row of reconciliation_runs.
 *
 * One run per workspace at a time: the run row itself is the lock (a partial unique index admits
 * one unfinished run per workspace). A second caller is refused at once with RECONCILIATION_RUNNING
 * (a run takes seconds to minutes, holding a request open that long helps nobody); the daily job
 * skips a workspace whose run is in progress. A run left unfinished by a dead instance is closed as
 * abandoned by the next caller after RECONCILE_STALE_MINUTES.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppDeps } from '../graphql/context';
import type { Orm } from '../db/orm';
import type { SqlPool } from '../db/pool';
import type { Channel } from '../domain/channel';
import { conflict, DomainError } from '../errors';
import { eachLimited } from '../shared/each-limited';
import type { ProviderRouter } from '../sending/providers';
import type { MessagingProvider, ProviderWorkspace, StatusLookup } from '../sending/providers/provider';
import { providerWorkspace, WORKSPACE_COLUMNS, type WorkspaceRow } from '../sending/sender';
import type { IngestionPipeline } from '../tracking/ingestion';
import { processWebhook } from '../tracking/webhooks/process';
import { emptyCounts, RECONCILE_BATCH, RECONCILE_CONCURRENCY, RECONCILE_STALE_MINUTES, verdict, type ReconcileCounts } from './reconciliation';

export type ReconcileTrigger = 'JOB' | 'MUTATION';

export interface ReconciliationRunRow extends ReconcileCounts {
  id: string;
  trigger: ReconcileTrigger;
  since: Date;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export interface ReconciliationDeps {
  sql: SqlPool;
  orm: Orm;
  ingestion: IngestionPipeline;
  providers: ProviderRouter;
  /** RECONCILE_AFTER_MINUTES: messages younger than this are left to their callbacks. */
  afterMinutes: number;
  logger: Pick<Logger, 'warn' | 'info' | 'debug'>;
}

interface Candidate {
  id: string;
  provider_message_id: string;
  channel: Channel;
  /** The webhook provider name the message is recorded under (what processWebhook looks up by). */
  webhook_provider: string;
  /** The provider that sent it (sends.provider: MessagingProvider.name), null if unknown. */
  sender: string | null;
}

const RUN_COLUMNS = `id, trigger, since, started_at as "startedAt", finished_at as "finishedAt", error, checked, updated,
  not_found as "notFound", still_pending as "stillPending", unsupported, failed_lookups as "failedLookups", already_settled as "alreadySettled"`;

export const RECONCILIATION_RUNNING = 'RECONCILIATION_RUNNING';

export class ReconciliationService {
  constructor(private readonly deps: ReconciliationDeps) {}

  /** Runs one reconciliation of `workspaceId` over messages sent since `since`; answers its report. */
  async run(workspaceId: string, since: Date, trigger: ReconcileTrigger, limit = RECONCILE_BATCH): Promise<ReconciliationRunRow> {
    const { sql } = this.deps;
    const runId = await this.start(workspaceId, since, trigger);
    const counts = emptyCounts();
    let error: string | null = null;
    try {
      await this.reconcile(workspaceId, since, limit, counts);
    } catch (e) {
      error = (e as Error)?.message ?? String(e);
      this.deps.logger.warn({ err: e, workspaceId, runId }, 'reconciliation run failed');
    } finally {
      await sql.query(
        `update reconciliation_runs set finished_at = now(), error = $3, checked = $4, updated = $5, not_found = $6, still_pending = $7,
           unsupported = $8, failed_lookups = $9, already_settled = $10
         where id = $1 and workspace_id = $2`,
        [runId, workspaceId, error, counts.checked, counts.updated, counts.notFound, counts.stillPending, counts.unsupported, counts.failedLookups, counts.alreadySettled],
      );
    }
    const [row] = await sql.query<ReconciliationRunRow>(`select ${RUN_COLUMNS} from reconciliation_runs where id = $1 and workspace_id = $2`, [runId, workspaceId]);
    return row!;
  }

  /** The workspace's runs, newest first. */
  async list(workspaceId: string, first: number): Promise<ReconciliationRunRow[]> {
    return this.deps.sql.query<ReconciliationRunRow>(
      `select ${RUN_COLUMNS} from reconciliation_runs where workspace_id = $1 order by started_at desc, id desc limit $2`,
      [workspaceId, first],
    );
  }

  /** Workspaces with messages a run would look at (the daily job's list). */
  async workspacesWithPending(since: Date): Promise<string[]> {
    const rows = await this.deps.sql.query<{ workspace_id: string }>(
      `select distinct workspace_id from messages
       where provider_message_id is not null and status not in ('DELIVERED', 'FAILED')
         and sent_at <= now() - make_interval(mins => $1) and sent_at >= $2`,
      [this.deps.afterMinutes, since],
    );
    return rows.map((r) => r.workspace_id);
  }

  /** Takes the workspace's run lock (its unfinished run row), closing an abandoned one first. */
  private async start(workspaceId: string, since: Date, trigger: ReconcileTrigger): Promise<string> {
    const { sql } = this.deps;
    await sql.query(
      `update reconciliation_runs set finished_at = now(), error = 'abandoned: its instance stopped before it finished'
       where workspace_id = $1 and finished_at is null and started_at < now() - make_interval(mins => $2)`,
      [workspaceId, RECONCILE_STALE_MINUTES],
    );
    const id = randomUUID();
    try {
      await sql.query(`insert into reconciliation_runs (id, workspace_id, trigger, since) values ($1, $2, $3, $4)`, [id, workspaceId, trigger, since]);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') {
        throw conflict('RECONCILIATION_RUNNING', 'A reconciliation of this workspace is running; wait for it to finish (see reconciliationRuns)');
      }
      throw e;
    }
    return id;
  }

  private async reconcile(workspaceId: string, since: Date, limit: number, counts: ReconcileCounts): Promise<void> {
    const { sql, providers, logger } = this.deps;
    const [ws] = await sql.query<WorkspaceRow>(`select w.id as workspace_id, ${WORKSPACE_COLUMNS} from workspaces w where w.id = $1`, [workspaceId]);
    if (!ws) return;
    const workspace = providerWorkspace(ws);
    // Least recently asked first, then oldest: a bounded run does not keep asking about the same
    // stuck messages while newer ones wait.
    const candidates = await sql.query<Candidate>(
      `select m.id, m.provider_message_id, m.channel, m.provider as webhook_provider, s.provider as sender
       from messages m left join sends s on s.id = m.id and s.workspace_id = m.workspace_id
       where m.workspace_id = $1 and m.provider_message_id is not null and m.status not in ('DELIVERED', 'FAILED')
         and m.sent_at <= now() - make_interval(mins => $2) and m.sent_at >= $3
       order by m.reconciled_at asc nulls first, m.sent_at asc
       limit $4`,
      [workspaceId, this.deps.afterMinutes, since, limit],
    );
    const byName = new Map(providers.providers.map((p) => [p.name, p]));
    await eachLimited(candidates, RECONCILE_CONCURRENCY, async (m) => {
      const provider = m.sender ? byName.get(m.sender) : undefined;
      const lookup = provider?.fetchStatus ? await lookupStatus(provider, m, workspace) : undefined;
      const v = verdict(lookup);
      counts.checked++;
      if ('count' in v) {
        counts[v.count]++;
        if (v.count === 'failedLookups') logger.warn({ workspaceId, messageId: m.id, provider: m.sender, error: v.error }, 'reconciliation: status lookup failed');
        return;
      }
      try {
        const r = await processWebhook(this.deps.orm.em.fork(), this.deps.ingestion, workspaceId, {
          kind: 'status',
          provider: m.webhook_provider,
          providerMessageId: m.provider_message_id,
          type: v.apply.type,
          eventKey: v.apply.eventKey,
          at: new Date().toISOString(),
        });
        if (!r.done || (r.detail !== 'ACCEPTED' && r.detail !== 'DUPLICATE')) {
          counts.failedLookups++;
          logger.warn({ workspaceId, messageId: m.id, result: r }, 'reconciliation: the status could not be recorded');
        } else if (r.detail === 'DUPLICATE') {
          counts.alreadySettled++;
        } else {
          counts.updated++;
          logger.info({ workspaceId, messageId: m.id, provider: m.sender, status: v.apply.type, error: v.apply.error }, 'reconciliation: status recorded');
        }
      } catch (e) {
        counts.failedLookups++;
        logger.warn({ err: e, workspaceId, messageId: m.id }, 'reconciliation: recording the status failed');
      }
    });
    if (candidates.length > 0) {
      await sql.query(`update messages set reconciled_at = now() where workspace_id = $1 and id = any($2::uuid[])`, [workspaceId, candidates.map((c) => c.id)]);
    }
  }
}

/** A provider lookup that cannot throw (a provider bug becomes a failed lookup). */
async function lookupStatus(provider: MessagingProvider, m: Candidate, workspace: ProviderWorkspace): Promise<StatusLookup> {
  try {
    return await provider.fetchStatus!(m.provider_message_id, m.channel, workspace);
  } catch (e) {
    return { ok: false, retryable: true, error: (e as Error)?.message ?? String(e) };
  }
}

/** Whether an error is the run lock refusing a second run. */
export function isRunning(e: unknown): boolean {
  return e instanceof DomainError && e.reason === RECONCILIATION_RUNNING;
}

/** The service for the app's providers and pipeline. */
export function reconciliationService(app: AppDeps): ReconciliationService {
  return new ReconciliationService({
    sql: app.sql,
    orm: app.orm,
    ingestion: app.ingestion,
    providers: app.providers,
    afterMinutes: app.config.reconcileAfterMinutes,
    logger: app.logger.child({ component: 'reconciliation' }),
  });
}
