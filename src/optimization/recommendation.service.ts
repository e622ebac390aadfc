/**
 * Stored recommendations: a campaign's current generation, replacing the previous one's unapplied
 * rows, and applying one (which changes the campaign per its `action` and records when and with
 * which key). The generators (recommendation.generators.ts) decide what to recommend.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Campaign } from '../campaigns/campaign.entity';
import { CampaignService } from '../campaigns/campaign.service';
import { CampaignStatus } from '../campaigns/enums';
import type { ExperimentConfigInput } from '../campaigns/experiment-config';
import type { Orm } from '../db/orm';
import { badInput, DomainError, notFound } from '../errors';
import { ExperimentService } from '../experiments/experiment.service';
import { Winner } from '../experiments/winner.entity';
import { asUuid } from '../shared/ids';
import { EDITABLE, GENERATORS, type RecommendationDraft, type RecommendationGenerator } from './recommendation.generators';
import { Recommendation } from './recommendation.entity';

/** Campaigns the daily job refreshes. */
export const REFRESHED_STATUSES = [CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING];
const DECIDABLE = new Set([CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.COMPLETED]);

export class RecommendationService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
    /** The caller's API key (recorded on apply); null for the job. */
    private readonly apiKeyId: string | null,
    private readonly generators: readonly RecommendationGenerator[] = GENERATORS,
  ) {}

  /**
   * Computes a new generation for the campaign and stores it in one transaction: the campaign's
   * unapplied rows of earlier generations are marked superseded. Concurrent calls for the same
   * campaign are serialised, so exactly one generation is current.
   */
  async generate(campaignId: string): Promise<Recommendation[]> {
    const campaign = await this.em.findOne(Campaign, { id: asUuid(campaignId), workspaceId: this.workspaceId });
    if (!campaign) throw notFound('Campaign', campaignId);
    const drafts: RecommendationDraft[] = [];
    for (const generate of this.generators) drafts.push(...(await generate({ em: this.em, workspaceId: this.workspaceId, campaign })));
    return this.em.transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`recommendations:${campaign.id}`]);
      const now = new Date();
      await tx.nativeUpdate(Recommendation, { workspaceId: this.workspaceId, campaignId: campaign.id, appliedAt: null, supersededAt: null }, { supersededAt: now });
      // Distinct created_at per row keeps the generators' order when listed newest first.
      return drafts.map((d, i) => tx.create(Recommendation, { ...d, workspaceId: this.workspaceId, campaignId: campaign.id, createdAt: new Date(now.getTime() - i) }));
    });
  }

  /** The current (not superseded) recommendations of each campaign, newest first. */
  async currentFor(campaignIds: readonly string[]): Promise<Recommendation[][]> {
    const rows = await this.em.find(
      Recommendation,
      { workspaceId: this.workspaceId, campaignId: { $in: [...campaignIds] }, supersededAt: null },
      { orderBy: { createdAt: 'desc', id: 'asc' } },
    );
    return campaignIds.map((id) => rows.filter((r) => r.campaignId === id));
  }

  /**
   * Applies a recommendation: changes the campaign per its action (through the campaigns and
   * experiments services, inside this transaction) and records applied_at and the key.
   */
  async apply(id: string): Promise<Recommendation> {
    return this.em.transactional(async (tx) => {
      const rec = await tx.findOne(Recommendation, { id: asUuid(id), workspaceId: this.workspaceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!rec) throw notFound('Recommendation', id);
      if (rec.appliedAt) throw badInput('RECOMMENDATION_ALREADY_APPLIED', `This recommendation was applied at ${rec.appliedAt.toISOString()}`, 'id');
      if (rec.supersededAt) {
        throw badInput('RECOMMENDATION_SUPERSEDED', `A newer generation replaced this recommendation at ${rec.supersededAt.toISOString()}: see Campaign.recommendations`, 'id');
      }
      const campaign = rec.campaignId ? await tx.findOne(Campaign, { id: rec.campaignId, workspaceId: this.workspaceId }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
      const action = rec.action;
      if (action.kind !== 'NONE' && !campaign) throw notFound('Campaign', rec.campaignId ?? undefined);
      const notApplicable = (why: string) => badInput('RECOMMENDATION_NOT_APPLICABLE', why, 'id');
      const editable = () => {
        if (!EDITABLE.has(campaign!.status)) throw notApplicable(`The campaign is ${campaign!.status}: its settings can change only while DRAFT or SCHEDULED`);
      };
      const campaigns = new CampaignService(tx, this.workspaceId);
      const experiments = new ExperimentService(tx, this.workspaceId);
      switch (action.kind) {
        case 'SET_OFFER':
          editable();
          await campaigns.update(campaign!.id, { offerAmount: action.offerAmount });
          break;
        case 'SET_SEGMENTS':
          editable();
          await campaigns.update(campaign!.id, { audience: { ...(campaign!.audience ?? {}), segments: action.segments } });
          break;
        case 'SET_TEST_AUDIENCE_PERCENT':
          editable();
          await campaigns.update(campaign!.id, { experiment: { ...campaign!.experiment, testAudiencePercent: action.testAudiencePercent } as ExperimentConfigInput });
          break;
        case 'DECLARE_WINNER':
          if (!DECIDABLE.has(campaign!.status)) throw notApplicable(`The campaign is ${campaign!.status}: a winner can be declared while it runs or after it completed`);
          if (await tx.count(Winner, { campaignId: campaign!.id, workspaceId: this.workspaceId, supersededAt: null })) {
            throw notApplicable('A winner was declared since this recommendation was made');
          }
          await experiments.declareWinner(campaign!.id, action.variantId, `applied recommendation ${rec.id}`);
          break;
        case 'END_TEST':
          if (campaign!.testEndedAt || (campaign!.status !== CampaignStatus.RUNNING && campaign!.status !== CampaignStatus.PAUSED)) {
            throw notApplicable(`The test is no longer running (the campaign is ${campaign!.status}${campaign!.testEndedAt ? ', its test ended' : ''})`);
          }
          await experiments.endTest(campaign!.id, true, `applied recommendation ${rec.id}`);
          break;
        case 'OPTIMIZE_SEND_TIME':
          editable();
          if (!campaign!.schedule) throw notApplicable('The campaign has no schedule any more: schedule it with optimizeSendTime');
          // The schedule keeps its time, zone, recurrence and holdout; only the send times change.
          campaign!.schedule = { ...campaign!.schedule, optimizeSendTime: true };
          break;
        case 'NONE':
          break; // advice only: applying records that it was taken note of
      }
      rec.appliedAt = new Date();
      rec.appliedByKey = this.apiKeyId;
      return rec;
    });
  }
}

/** The daily job: a new generation for every DRAFT, SCHEDULED and RUNNING campaign of a workspace whose plan has LEARNING (and old superseded rows deleted). */
/** Superseded recommendations are kept this long (for reading what was advised when), then deleted by the daily job. */
export const SUPERSEDED_RETENTION_DAYS = 30;

export async function refreshRecommendations(orm: Orm, logger: Logger, mayLearn: (plan: string | null) => boolean = () => true): Promise<{ campaigns: number; failed: number }> {
  await orm.em.fork().execute(`delete from recommendations where superseded_at < now() - make_interval(days => ${SUPERSEDED_RETENTION_DAYS})`);
  const all = await orm.em.fork().execute<{ id: string; workspace_id: string; plan: string | null }[]>(
    `select c.id, c.workspace_id, w.plan from campaigns c join workspaces w on w.id = c.workspace_id
      where c.status in (select jsonb_array_elements_text(?::jsonb)) order by c.created_at`,
    [JSON.stringify(REFRESHED_STATUSES)],
  );
  // Only workspaces whose plan includes LEARNING (generateRecommendations refuses the others too).
  const rows = all.filter((r) => mayLearn(r.plan));
  let failed = 0;
  for (const r of rows) {
    try {
      await new RecommendationService(orm.em.fork(), r.workspace_id, null).generate(r.id);
    } catch (err) {
      failed++;
      if (!(err instanceof DomainError)) logger.error({ err, campaignId: r.id }, 'recommendations failed');
    }
  }
  return { campaigns: rows.length, failed };
}
