/**
 * Workspace plans for one request: the caller's plan (campaigns and learning check against it),
 * any workspace's usage (Workspace.plan), and the operator's setWorkspacePlan.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlPool } from '../db/pool';
import { Channel } from '../domain/channel';
import { badInput, notFound } from '../errors';
import { asUuid } from '../shared/ids';
import { Workspace } from '../workspaces/workspace.entity';
import { PlanFeatureValue, PlanUsage } from './plan.types';
import { checkCampaignAllowed, monthOf, requireFeature, type CampaignNeeds, type Plan, type PlanCatalog } from './plans';
import { usageOf } from './send-limit';
import type { PlanFeature } from '../config';

export class PlanService {
  private own?: Promise<Plan>;

  constructor(
    private readonly em: EntityManager,
    private readonly sql: SqlPool,
    private readonly workspaceId: string,
    private readonly catalog: PlanCatalog,
  ) {}

  /** The plan of a workspace (its stored name resolved against the configuration). */
  async planOf(workspaceId: string): Promise<Plan> {
    const [row] = await this.sql.query<{ plan: string | null }>('select plan from workspaces where id = $1', [workspaceId]);
    return this.catalog.resolve(row?.plan ?? null);
  }

  /** The caller's plan, read once per request. */
  current(): Promise<Plan> {
    return (this.own ??= this.planOf(this.workspaceId));
  }

  /** BAD_USER_INPUT (PLAN_*) unless the caller's plan allows the campaign. */
  async checkCampaign(needs: CampaignNeeds, variantsPath?: string): Promise<void> {
    checkCampaignAllowed(await this.current(), needs, variantsPath);
  }

  /** BAD_USER_INPUT PLAN_FEATURE_NOT_ALLOWED unless the caller's plan has `feature`. */
  async requireFeature(feature: PlanFeature, what: string): Promise<void> {
    requireFeature(await this.current(), feature, what);
  }

  async usage(workspaceId: string, now = new Date()): Promise<PlanUsage> {
    const month = monthOf(now);
    // The caller's own workspace (the usual case) reuses the plan this request already read.
    const plan$ = workspaceId === this.workspaceId ? this.current() : this.planOf(workspaceId);
    const [plan, used] = await Promise.all([plan$, usageOf(this.sql, workspaceId, month)]);
    return {
      name: plan.name,
      maxVariants: plan.maxVariants,
      monthlyMessages: plan.monthlyMessages,
      messagesThisMonth: used.sent,
      skippedThisMonth: used.skipped,
      month: month.slice(0, 7),
      channels: plan.channels.map((c) => Channel[c]),
      features: plan.features.map((f) => PlanFeatureValue[f]),
    };
  }

  /** The operator's: puts a workspace on a configured plan (the resolver checks the caller is the operator). */
  async setPlan(workspaceId: string, name: string): Promise<Workspace> {
    if (!this.catalog.has(name)) throw badInput('UNKNOWN_PLAN', `No plan "${name}" is configured (PLANS)`, 'plan');
    const rows = await this.sql.query<{ id: string }>('update workspaces set plan = $2 where id = $1 returning id', [asUuid(workspaceId), name]);
    if (rows.length === 0) throw notFound('Workspace', workspaceId);
    const ws = await this.em.fork().findOne(Workspace, { id: rows[0]!.id });
    if (!ws) throw notFound('Workspace', workspaceId);
    return ws;
  }
}
