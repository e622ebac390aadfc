/**
 * The conversion model's I/O: reading messages, training in a worker thread, storing versions in
 * `models`, loading the latest for scoring. Every statement filters on the workspace.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { forEachItem } from '../jobs/each';
import type { Sql, SqlPool } from '../db/pool';
import { badInput, DomainError, type ErrorCode } from '../errors';
import { newId } from '../shared/ids';
import { DEFAULT_TRAINING_OPTIONS, MODEL_KIND, loadModel, type LoadedModel, type SerializedModel, type TrainingOptions, type TrainingResult } from './conversion-model';
import { DAY_MS, type MessageRow } from './features';
import type { ModelInfo } from './model.types';
import { LOCAL_ZONE_SQL } from '../shared/time-zone';

interface RowRecord {
  contact_id: string;
  sent_at: number;
  local_hour: number;
  local_weekday: number;
  channel: string;
  campaign_type: string;
  offer_amount: number | null;
  template: string | null;
  segment: string | null;
  tags: string[];
  engaged_at: number | null;
  converted_at: number | null;
}

/**
 * The workspace's messages (assignments with `sent_at`) sent in [from, to], with what the features
 * need. Local hour and weekday are computed by PostgreSQL in the contact's zone, else the
 * workspace's. Engagement is the first click, reply or conversion (or open, on channels that
 * report reads: WHATSAPP, EMAIL).
 */
export async function loadMessageRows(sql: Sql, workspaceId: string, from: Date, to: Date, contactIds?: readonly string[]): Promise<MessageRow[]> {
  const rows = await sql.query<RowRecord>(
    `select a.contact_id,
            (extract(epoch from a.sent_at) * 1000)::float8 as sent_at,
            extract(hour from a.sent_at at time zone ${LOCAL_ZONE_SQL('c', 'w')})::int as local_hour,
            extract(isodow from a.sent_at at time zone ${LOCAL_ZONE_SQL('c', 'w')})::int - 1 as local_weekday,
            k.channel, k.type as campaign_type, k.offer_amount::float8 as offer_amount, v.template, c.segment, c.tags,
            (extract(epoch from least(a.clicked_at, a.replied_at, a.converted_at,
               case when k.channel in ('WHATSAPP', 'EMAIL') then a.opened_at end)) * 1000)::float8 as engaged_at,
            (extract(epoch from a.converted_at) * 1000)::float8 as converted_at
       from assignments a
       join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id
       join campaigns k on k.id = a.campaign_id and k.workspace_id = a.workspace_id
       join workspaces w on w.id = a.workspace_id
       left join variants v on v.id = a.variant_id and v.workspace_id = a.workspace_id
      where a.workspace_id = $1 and a.sent_at is not null and a.sent_at >= $2 and a.sent_at <= $3
        and ($4::uuid[] is null or a.contact_id = any($4::uuid[]))`,
    [workspaceId, from, to, contactIds ?? null],
  );
  return rows.map((r) => ({
    contactId: r.contact_id,
    sentAt: r.sent_at,
    localHour: r.local_hour,
    localWeekday: r.local_weekday,
    channel: r.channel,
    campaignType: r.campaign_type,
    offerAmount: r.offer_amount,
    template: r.template,
    segment: r.segment,
    tags: r.tags ?? [],
    engagedAt: r.engaged_at,
    convertedAt: r.converted_at,
  }));
}

/** Runs `trainConversionModel` in a worker thread (the compiled model.worker.js beside this file). */
export function trainInWorker(rows: MessageRow[], asOf: number, options: Partial<TrainingOptions> = {}): Promise<TrainingResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'model.worker.js'), { workerData: { rows, asOf, options } });
    let settled = false;
    worker.once('message', (message: { ok: true; result: TrainingResult } | { ok: false; error: { code?: ErrorCode; reason?: string; message: string } }) => {
      settled = true;
      if (message.ok) resolve(message.result);
      else if (message.error.code) reject(new DomainError(message.error.code, message.error.message, message.error.reason));
      else reject(new Error(`conversion model training failed: ${message.error.message}`));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`conversion model worker exited with code ${code}`));
    });
  });
}

// Workspaces with a training queued or running in this process: a second request waits for
// nothing useful (the same data, the next version) and would hold the queue for everyone else.
const training = new Set<string>();

/** Claims the workspace's training slot; the returned function releases it. TRAINING_IN_PROGRESS when taken. */
export function claimTraining(workspaceId: string): () => void {
  if (training.has(workspaceId)) throw badInput('TRAINING_IN_PROGRESS', 'A model of this workspace is being trained; see `models` once it is done');
  training.add(workspaceId);
  return () => void training.delete(workspaceId);
}

// One training at a time per process: each one uses a core for up to a minute.
let queue: Promise<unknown> = Promise.resolve();
function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

interface ModelRecord {
  id: string;
  kind: string;
  version: number;
  trained_at: Date;
  samples: number;
  metrics: Record<string, unknown>;
  feature_importance: unknown;
}

const toInfo = (r: ModelRecord): ModelInfo => ({
  id: r.id,
  kind: r.kind,
  version: r.version,
  trainedAt: r.trained_at,
  samples: r.samples,
  metrics: r.metrics,
  featureImportance: r.feature_importance,
});

/** Versions of a workspace's model kept (older ones are deleted when a new one is stored). */
export const KEPT_MODEL_VERSIONS = 10;

/** Stores a trained model as the next version of its kind (versions are serialised per workspace and kind by an advisory lock). */
export async function storeModel(sql: SqlPool, workspaceId: string, result: TrainingResult): Promise<ModelInfo> {
  return sql.transaction(async (tx) => {
    // The lock first, then the insert in its own statement: under READ COMMITTED that statement's
    // snapshot sees a version committed by whoever held the lock before.
    await tx.query(`select pg_advisory_xact_lock(hashtext('models:' || $1::text || ':' || $2::text))`, [workspaceId, MODEL_KIND]);
    const rows = await tx.query<ModelRecord>(
      `insert into models (id, workspace_id, kind, version, samples, metrics, feature_importance, model)
       select $1, $2, $3, coalesce((select max(version) from models where workspace_id = $2 and kind = $3), 0) + 1, $4, $5, $6, $7
       returning id, kind, version, trained_at, samples, metrics, feature_importance`,
      [newId(), workspaceId, MODEL_KIND, result.samples, JSON.stringify(result.metrics), JSON.stringify(result.featureImportance), JSON.stringify(result.model)],
    );
    // Each version is megabytes of JSON: only the latest few are kept.
    await tx.query(
      'delete from models where workspace_id = $1 and kind = $2 and version <= (select max(version) from models where workspace_id = $1 and kind = $2) - $3',
      [workspaceId, MODEL_KIND, KEPT_MODEL_VERSIONS],
    );
    return toInfo(rows[0]!);
  });
}

/** The workspace's models, newest first (without the model JSON). */
export async function listModels(sql: Sql, workspaceId: string): Promise<ModelInfo[]> {
  const rows = await sql.query<ModelRecord>(
    `select id, kind, version, trained_at, samples, metrics, feature_importance
       from models where workspace_id = $1 order by trained_at desc, version desc`,
    [workspaceId],
  );
  return rows.map(toInfo);
}

/** The latest conversion model of the workspace, ready for `scoreMessages`; null when none was trained. */
export async function loadLatestModel(sql: Sql, workspaceId: string): Promise<(LoadedModel & { info: ModelInfo }) | null> {
  const rows = await sql.query<ModelRecord & { model: SerializedModel }>(
    `select id, kind, version, trained_at, samples, metrics, feature_importance, model
       from models where workspace_id = $1 and kind = $2 order by version desc limit 1`,
    [workspaceId, MODEL_KIND],
  );
  if (rows.length === 0) return null;
  return { ...loadModel(rows[0]!.model), info: toInfo(rows[0]!) };
}

/** Reads the workspace's last (windowDays + history) days of messages, trains in a worker, stores the next version. */
export function trainWorkspaceModel(sql: SqlPool, workspaceId: string, options: Partial<TrainingOptions> = {}, now = new Date()): Promise<ModelInfo> {
  return serialised(async () => {
    const windowDays = options.windowDays ?? DEFAULT_TRAINING_OPTIONS.windowDays;
    // A further window of history before the training window, so early examples have a past.
    const from = new Date(now.getTime() - 2 * windowDays * DAY_MS);
    const rows = await loadMessageRows(sql, workspaceId, from, now);
    const result = await trainInWorker(rows, now.getTime(), options);
    return storeModel(sql, workspaceId, result);
  });
}

/** The weekly job: every workspace with enough labelled messages (and, by `mayLearn`, a plan with LEARNING) gets a new version. */
export async function retrainAll(sql: SqlPool, logger: Logger, now = new Date(), mayLearn: (plan: string | null) => boolean = () => true): Promise<{ trained: number; skipped: number }> {
  const { windowDays, labelDays, minMessages } = DEFAULT_TRAINING_OPTIONS;
  const rows = await sql.query<{ workspace_id: string; plan: string | null }>(
    `select a.workspace_id, w.plan from assignments a join workspaces w on w.id = a.workspace_id
      where a.sent_at >= $1 and a.sent_at <= $2
      group by a.workspace_id, w.plan having count(*) >= $3`,
    [new Date(now.getTime() - windowDays * DAY_MS), new Date(now.getTime() - labelDays * DAY_MS), minMessages],
  );
  // Only workspaces whose plan includes LEARNING (trainModel refuses the others too).
  const candidates = rows.filter((r) => mayLearn(r.plan));
  let trained = 0;
  let skipped = 0;
  await forEachItem(candidates, 'conversion model', logger, (c) => ({ workspaceId: c.workspace_id }), async ({ workspace_id: workspaceId }) => {
    try {
      const info = await trainWorkspaceModel(sql, workspaceId, {}, now);
      logger.info({ workspaceId, version: info.version, auc: info.metrics.auc, samples: info.samples }, 'conversion model trained');
      trained++;
    } catch (err) {
      if (!(err instanceof DomainError && err.reason === 'NOT_ENOUGH_DATA')) throw err;
      logger.info({ workspaceId, reason: err.message }, 'conversion model skipped');
      skipped++;
    }
  });
  return { trained, skipped };
}

export class ModelService {
  constructor(
    private readonly sql: SqlPool,
    private readonly workspaceId: string,
  ) {}

  async train(): Promise<ModelInfo> {
    const release = claimTraining(this.workspaceId);
    try {
      return await trainWorkspaceModel(this.sql, this.workspaceId);
    } finally {
      release();
    }
  }

  list(): Promise<ModelInfo[]> {
    return listModels(this.sql, this.workspaceId);
  }
}
