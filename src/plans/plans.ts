/**
 * Workspace plans, the pure part: which plan a workspace is on, what a campaign may use under it,
 * and the usage thresholds. No I/O; the service and the sender's stage use these. (The monthly grant
 * itself is computed in SQL under the usage row's lock: ./send-limit.ts.)
 */
import type { Logger } from 'pino';
import type { Config, PlanConfig, PlanFeature } from '../config';
import { badInput } from '../errors';

export type Plan = PlanConfig;

/** The configured plans, and the default a workspace without (or with a no longer configured) plan is on. */
export class PlanCatalog {
  private readonly byName: Map<string, Plan>;
  readonly defaultPlan: Plan;
  /** Every configured plan allows every message (no monthly limit): the sender skips its plan stage. */
  readonly allUnlimited: boolean;
  /** PLANS was set: plans are sold, so only the operator creates workspaces (a new one would bring a new allowance). */
  readonly configured: boolean;
  private readonly warned = new Set<string>();

  constructor(
    plans: { list: readonly Plan[]; defaultName: string; configured?: boolean },
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    this.byName = new Map(plans.list.map((p) => [p.name, p]));
    this.defaultPlan = this.byName.get(plans.defaultName) ?? plans.list[0]!;
    this.allUnlimited = plans.list.every((p) => p.monthlyMessages === null);
    this.configured = plans.configured ?? false;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** A workspace's stored plan name (null: the default). A name no longer configured falls back to the default, with a warning once per name. */
  resolve(name: string | null | undefined): Plan {
    if (name === null || name === undefined) return this.defaultPlan;
    const plan = this.byName.get(name);
    if (plan) return plan;
    if (!this.warned.has(name)) {
      this.warned.add(name);
      this.logger?.warn({ plan: name, fallback: this.defaultPlan.name }, 'a workspace is on a plan no longer configured (PLANS): it gets the default plan');
    }
    return this.defaultPlan;
  }
}

const catalogs = new WeakMap<Config, PlanCatalog>();

/** One catalog per configuration (so a missing plan is warned about once per app). */
export function catalogFor(config: Config, logger?: Pick<Logger, 'warn'>): PlanCatalog {
  let c = catalogs.get(config);
  if (!c) catalogs.set(config, (c = new PlanCatalog(config.plans, logger)));
  return c;
}

/** What a campaign asks of its plan. */
export interface CampaignNeeds {
  type: 'STANDARD' | 'AB_TEST' | 'BANDIT';
  channel: 'SMS' | 'WHATSAPP' | 'EMAIL';
  variants: number;
}

/**
 * Throws BAD_USER_INPUT when the plan does not allow the campaign: PLAN_VARIANT_LIMIT (at
 * `variantsPath`), PLAN_CHANNEL_NOT_ALLOWED, PLAN_FEATURE_NOT_ALLOWED (BANDIT). Pure.
 */
export function checkCampaignAllowed(plan: Plan, needs: CampaignNeeds, variantsPath = 'input.variants'): void {
  if (!plan.channels.includes(needs.channel)) {
    throw badInput('PLAN_CHANNEL_NOT_ALLOWED', `The plan "${plan.name}" does not include the ${needs.channel} channel (it allows ${plan.channels.join(', ') || 'none'})`, 'input.channel');
  }
  if (needs.type === 'BANDIT') requireFeature(plan, 'BANDIT', 'BANDIT campaigns', 'input.type');
  if (needs.variants > plan.maxVariants) {
    throw badInput('PLAN_VARIANT_LIMIT', `The plan "${plan.name}" allows at most ${plan.maxVariants} variants per campaign; got ${needs.variants}`, variantsPath);
  }
}

/** Whether the plan includes `feature` (the scheduled learning jobs skip workspaces without LEARNING). Pure. */
export function hasFeature(plan: Plan, feature: PlanFeature): boolean {
  return plan.features.includes(feature);
}

/** Throws BAD_USER_INPUT PLAN_FEATURE_NOT_ALLOWED unless the plan has `feature`. Pure. */
export function requireFeature(plan: Plan, feature: PlanFeature, what: string, field?: string): void {
  if (!hasFeature(plan, feature)) {
    throw badInput('PLAN_FEATURE_NOT_ALLOWED', `${what} need the ${feature} feature, which the plan "${plan.name}" does not include`, field);
  }
}

/** The first day of `at`'s calendar month in UTC, as YYYY-MM-DD (plan_usage.month). Pure. */
export function monthOf(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

/** The alert thresholds (per cent of monthlyMessages) that `used` has reached. Pure. */
export const USAGE_THRESHOLDS = [80, 100] as const;
export function thresholdsReached(used: number, limit: number): number[] {
  // A limit of 0: nothing may be sent, which is 100 % from the start.
  return USAGE_THRESHOLDS.filter((t) => (limit === 0 ? true : used * 100 >= limit * t));
}
