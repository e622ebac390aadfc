import { ForeignKeyConstraintViolationException, LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, notFound } from '../errors';
import { checkPageSize, containsPattern, decodeCursor, encodeCursor, type Page } from '../db/keyset';
import { selectPlain } from '../graphql/plain-rows';
import { Assignment } from './assignment.entity';
import { announce, statusMessage } from '../domain/announcements';
import { normalizeExperimentConfig } from './experiment-config';
import { asUuid } from '../shared/ids';
import { normalizeAudience } from './audience';
import { Campaign } from './campaign.entity';
import type { CampaignFilter, CreateCampaignInput, UpdateCampaignInput } from './campaign.types';
import { CampaignStatus, CampaignType } from './enums';
import { Channel } from '../domain/channel';
import { Variant } from './variant.entity';
import { normalizeVariants, type NormalizedVariant } from './variants';
import { TemplateService } from './template.service';
import type { PlanService } from '../plans/plan.service';

/** Settings may change only before a campaign goes out. */
const EDITABLE = new Set([CampaignStatus.DRAFT, CampaignStatus.SCHEDULED]);
/** Archiving hides a campaign that is not (or no longer) sending. */
const ARCHIVABLE = new Set([CampaignStatus.DRAFT, CampaignStatus.COMPLETED, CampaignStatus.CANCELED, CampaignStatus.ARCHIVED]);

export class CampaignService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
    /** The workspace's plan (variants, channels, BANDIT); without it, no plan limits (internal callers). */
    private readonly plans?: PlanService,
  ) {}

  async get(id: string): Promise<Campaign> {
    const campaign = await this.em.findOne(Campaign, { id: asUuid(id), workspaceId: this.workspaceId });
    if (!campaign) throw notFound('Campaign', id);
    return campaign;
  }

  /**
   * A page of campaigns, newest first, as plain read-only rows (see graphql/plain-rows.ts), and
   * `totalCount` as a promise started only when a client selects it (one statement fewer for the
   * pages that do not). Plain SQL: the query builder cost more CPU than the query.
   */
  async list(filter: CampaignFilter | null | undefined, first: number, after?: string | null): Promise<Page<Campaign> & { readonly totalCount: Promise<number> }> {
    checkPageSize(first);
    const { sql, params } = listFilter(this.workspaceId, filter);
    let page = sql;
    const pageParams = [...params];
    if (after) {
      const { at, id } = decodeCursor(after);
      page += ' and (created_at < ? or (created_at = ? and id < ?))';
      pageParams.push(at.toISOString(), at.toISOString(), id);
    }
    const rows = await selectPlain(this.em, Campaign, `where ${page} order by created_at desc, id desc limit ?`, [...pageParams, first + 1]);
    const nodes = rows.slice(0, first);
    const cursors = nodes.map((n) => encodeCursor(n.createdAt, n.id));
    const em = this.em;
    let count: Promise<number> | undefined;
    return {
      nodes,
      cursors,
      hasNextPage: rows.length > first,
      endCursor: cursors[cursors.length - 1] ?? null,
      get totalCount() {
        return (count ??= em.execute<{ n: string }[]>(`select count(*) as n from campaigns where ${sql}`, params).then(([r]) => Number(r!.n)));
      },
    };
  }

  async create(input: CreateCampaignInput): Promise<Campaign> {
    const type = input.type ?? CampaignType.STANDARD;
    const channel = input.channel ?? Channel.SMS;
    const variants = normalizeVariants(type, await new TemplateService(this.em, this.workspaceId).fillFromLibrary(input.variants, channel), 'input.variants', channel);
    await this.plans?.checkCampaign({ type, channel, variants: variants.length });
    const campaign = this.em.create(Campaign, {
      workspaceId: this.workspaceId,
      name: checkName(input.name),
      description: input.description ?? null,
      channel,
      type,
      status: CampaignStatus.DRAFT,
      experiment: normalizeExperimentConfig(input.experiment),
      audience: input.audience ? normalizeAudience(input.audience) : null,
      offerAmount: checkMoney(input.offerAmount, 'offerAmount', 'INVALID_OFFER_AMOUNT'),
      costPerMessage: checkMoney(input.costPerMessage, 'costPerMessage', 'INVALID_COST') ?? 0,
    });
    for (const v of variants) this.em.create(Variant, { ...v, workspaceId: this.workspaceId, campaignId: campaign.id });
    try {
      await this.em.flush();
    } catch (e) {
      throw templateDeletedMeanwhile(e);
    }
    return campaign;
  }

  async update(id: string, input: UpdateCampaignInput): Promise<Campaign> {
    // The variants are written when the transaction commits, so its error is the one to translate.
    return this.em.transactional(async (tx) => {
      const campaign = await tx.findOne(Campaign, { id: asUuid(id), workspaceId: this.workspaceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!campaign) throw notFound('Campaign', id);
      if (!EDITABLE.has(campaign.status)) {
        throw conflict('CAMPAIGN_NOT_EDITABLE', `A ${campaign.status} campaign cannot be edited; only DRAFT and SCHEDULED campaigns can`);
      }
      if (input.name !== undefined && input.name !== null) campaign.name = checkName(input.name);
      if (input.description !== undefined) campaign.description = input.description;
      if (input.experiment) campaign.experiment = normalizeExperimentConfig(input.experiment);
      if (input.audience !== undefined) campaign.audience = input.audience ? normalizeAudience(input.audience) : null;
      if (input.offerAmount !== undefined) campaign.offerAmount = checkMoney(input.offerAmount, 'offerAmount', 'INVALID_OFFER_AMOUNT');
      if (input.costPerMessage !== undefined && input.costPerMessage !== null) {
        campaign.costPerMessage = checkMoney(input.costPerMessage, 'costPerMessage', 'INVALID_COST')!;
      }
      if (input.variants) {
        const drafts = await new TemplateService(tx, this.workspaceId).fillFromLibrary(input.variants, campaign.channel);
        const next = normalizeVariants(campaign.type, drafts, 'input.variants', campaign.channel);
        await this.plans?.checkCampaign({ type: campaign.type, channel: campaign.channel, variants: next.length });
        await this.replaceVariants(tx, campaign, next);
      }
      campaign.updatedAt = new Date();
      return campaign;
    }).catch((e: unknown) => {
      throw templateDeletedMeanwhile(e);
    });
  }

  /**
   * Variants are matched by key: a kept key keeps its id (and its recipients), a new key is added,
   * and a dropped key is removed only if nobody was assigned to it.
   */
  private async replaceVariants(tx: EntityManager, campaign: Campaign, next: NormalizedVariant[]): Promise<void> {
    const current = await tx.find(Variant, { campaignId: campaign.id });
    const byKey = new Map(current.map((v) => [v.key, v]));
    const kept = new Set<Variant>();
    for (const n of next) {
      const existing = byKey.get(n.key);
      if (existing) {
        Object.assign(existing, n);
        kept.add(existing);
      } else {
        tx.create(Variant, { ...n, workspaceId: this.workspaceId, campaignId: campaign.id });
      }
    }
    const dropped = current.filter((v) => !kept.has(v));
    if (dropped.length > 0) {
      const assigned = await tx.count(Assignment, { campaignId: campaign.id, variantId: { $in: dropped.map((v) => v.id) } });
      if (assigned > 0) {
        throw conflict('VARIANT_HAS_RECIPIENTS', `Variant(s) ${dropped.map((v) => v.key).join(', ')} already have recipients and cannot be removed`);
      }
      dropped.forEach((v) => tx.remove(v));
    }
  }

  /** A new DRAFT with the same settings and variants; recipients and results are not copied. */
  async duplicate(id: string, name?: string | null): Promise<Campaign> {
    const source = await this.get(id);
    const variants = await this.em.find(Variant, { campaignId: source.id }, { orderBy: { position: 'asc' } });
    // The copy is a new campaign: the plan as it is now applies (it may have changed since the source).
    await this.plans?.checkCampaign({ type: source.type, channel: source.channel, variants: variants.length }, 'variants');
    const copy = this.em.create(Campaign, {
      workspaceId: this.workspaceId,
      name: name === undefined || name === null ? `${source.name} (copy)` : checkName(name),
      description: source.description,
      channel: source.channel,
      type: source.type,
      status: CampaignStatus.DRAFT,
      experiment: { ...source.experiment },
      audience: source.audience ? { ...source.audience } : null,
      offerAmount: source.offerAmount,
      costPerMessage: source.costPerMessage,
    });
    for (const v of variants) {
      this.em.create(Variant, {
        workspaceId: this.workspaceId,
        campaignId: copy.id,
        key: v.key,
        name: v.name,
        template: v.template,
        subject: v.subject,
        html: v.html,
        whatsappTemplate: v.whatsappTemplate,
        templateId: v.templateId,
        templateVersion: v.templateVersion,
        weight: v.weight,
        isControl: v.isControl,
        position: v.position,
      });
    }
    await this.em.flush();
    return copy;
  }

  async archive(id: string): Promise<Campaign> {
    // Under the row lock, like every other transition: the status message goes out in order.
    return this.em.transactional(async (tx) => {
      const campaign = await tx.findOne(Campaign, { id: asUuid(id), workspaceId: this.workspaceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!campaign) throw notFound('Campaign', id);
      if (!ARCHIVABLE.has(campaign.status)) {
        throw conflict('CAMPAIGN_ACTIVE', `A ${campaign.status} campaign cannot be archived; cancel it or let it complete first`);
      }
      if (campaign.status !== CampaignStatus.ARCHIVED) {
        campaign.status = CampaignStatus.ARCHIVED;
        campaign.archivedAt = new Date();
        await announce(tx, statusMessage(campaign));
      }
      return campaign;
    });
  }
}

/**
 * The listing's filter as SQL (`?` parameters): the workspace's campaigns, all but ARCHIVED unless
 * statuses are given, of the given types, whose name or description contains the search text.
 * Statuses and types are GraphQL enum values. Pure.
 */
export function listFilter(workspaceId: string, filter: CampaignFilter | null | undefined): { sql: string; params: unknown[] } {
  const parts = ['workspace_id = ?'];
  const params: unknown[] = [workspaceId];
  if (filter?.status?.length) {
    parts.push('status = any(?::text[])');
    params.push(`{${filter.status.join(',')}}`);
  } else {
    parts.push('status <> ?');
    params.push(CampaignStatus.ARCHIVED);
  }
  if (filter?.type?.length) {
    parts.push('type = any(?::text[])');
    params.push(`{${filter.type.join(',')}}`);
  }
  const q = filter?.search?.trim();
  if (q) {
    const like = containsPattern(q);
    parts.push('(name ilike ? or description ilike ?)');
    params.push(like, like);
  }
  return { sql: parts.join(' and '), params };
}

/** The variants' foreign keys to the library (the template, and the version of it). */
const TEMPLATE_KEYS = new Set(['variants_template_id_fkey', 'variants_template_version_fkey']);

/**
 * A library template deleted between fillFromLibrary and the variants' write (deleteTemplate locks
 * its row first, so the write waits and then finds it gone) is the caller's race, not a fault:
 * UNKNOWN_TEMPLATE. Any other error is returned as it is, to be rethrown. Matched on the driver's
 * constraint name, not on the message text.
 */
function templateDeletedMeanwhile(e: unknown): unknown {
  if (e instanceof ForeignKeyConstraintViolationException && TEMPLATE_KEYS.has((e as { constraint?: string }).constraint ?? '')) {
    return badInput('UNKNOWN_TEMPLATE', 'A template of this campaign was deleted meanwhile', 'input.variants');
  }
  return e;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) throw badInput('INVALID_NAME', 'Campaign name must be 1–200 characters', 'input.name');
  return trimmed;
}

function checkMoney(v: number | null | undefined, field: string, reason: string): number | null {
  if (v === undefined || v === null) return null;
  if (!Number.isFinite(v) || v < 0) throw badInput(reason, `${field} must be zero or more`, `input.${field}`);
  return v;
}
