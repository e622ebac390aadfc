import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Campaign } from '../campaigns/campaign.entity';
import { CampaignStatus, CampaignType } from '../campaigns/enums';
import { Variant } from '../campaigns/variant.entity';
import { badInput, conflict, DomainError, notFound } from '../errors';
import { announce, statusMessage } from '../domain/announcements';
import { asUuid } from '../shared/ids';
import { loadCounters } from '../tracking/variant-stats';
import type { ExperimentAnalysis } from './analysis.types';
import { campaignAnalysis, type AnalysisWithDecision } from './analysis';
import { WinnerSource } from './enums';
import { TestMethod } from '../campaigns/experiment-enums';
import { Winner } from './winner.entity';

/** A test can be decided (automatically or by hand) while it runs, or after it completed. */
const DECIDABLE = new Set([CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.COMPLETED]);

export class ExperimentService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
  ) {}

  /** Current analysis from the counters (null for campaigns without an experiment). */
  async analysis(campaignId: string): Promise<ExperimentAnalysis | null> {
    const campaign = await this.campaign(this.em, campaignId);
    return (await this.evaluateIn(this.em, campaign))?.analysis ?? null;
  }

  /**
   * Evaluates the test and, when autoSelectWinner is on, the campaign is running and the method
   * allows it, declares the winner (once: serialised per campaign, so concurrent evaluations on
   * several instances cannot both declare).
   */
  async evaluate(campaignId: string): Promise<ExperimentAnalysis> {
    const campaign = await this.campaign(this.em, campaignId);
    if (campaign.type === CampaignType.STANDARD) throw badInput('NO_EXPERIMENT', 'A STANDARD campaign has no experiment to evaluate', 'campaignId');
    const declared = await this.em.transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`winner:${campaign.id}`]);
      const current = await this.evaluateIn(tx, campaign);
      const proposal = current?.engine.proposedWinnerId;
      if (!current || !proposal || current.engine.winnerId !== proposal || !campaign.experiment.autoSelectWinner) return null;
      if (campaign.status !== CampaignStatus.RUNNING || campaign.testEndedAt) return null;
      if (await tx.count(Winner, { campaignId: campaign.id, supersededAt: null })) return null;
      const comparison = current.engine.comparisons.find((c) => c.variantId === proposal);
      const confidence = automaticConfidence(campaign.experiment.method, current, proposal);
      const lift = comparison?.relativeLift == null ? '' : `, ${comparison.relativeLift >= 0 ? '+' : ''}${comparison.relativeLift.toFixed(1)} % vs control`;
      return tx.create(Winner, {
        workspaceId: this.workspaceId,
        campaignId: campaign.id,
        variantId: proposal,
        source: WinnerSource.AUTOMATIC,
        confidenceLevel: confidence,
        reason: `${campaign.experiment.method} test on ${campaign.experiment.primaryMetric} at ${Math.round(campaign.experiment.confidenceLevel * 100)} % confidence${lift}`,
      });
    });
    if (declared) await this.announce(declared);
    return (await this.evaluateIn(this.em, campaign))!.analysis;
  }

  /** Manual override: recorded even without significance; it replaces the current winner, which stays in history. */
  async declareWinner(campaignId: string, variantId: string, reason: string): Promise<Winner> {
    if (!reason.trim()) throw badInput('INVALID_REASON', 'Say why this variant wins (the reason is kept in the history)', 'reason');
    const winner = await this.em.transactional(async (tx) => {
      const campaign = await this.campaign(tx, campaignId, true);
      if (campaign.type === CampaignType.STANDARD) throw badInput('NO_EXPERIMENT', 'A STANDARD campaign has no variants to choose from', 'campaignId');
      if (!DECIDABLE.has(campaign.status)) {
        throw conflict('CAMPAIGN_NOT_STARTED', `A winner can be declared while a campaign runs or after it completed; this one is ${campaign.status}`);
      }
      const variant = await tx.findOne(Variant, { id: asUuid(variantId), campaignId: campaign.id });
      if (!variant) throw notFound('Variant', variantId);
      await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`winner:${campaign.id}`]);
      const now = new Date();
      await tx.nativeUpdate(Winner, { campaignId: campaign.id, supersededAt: null }, { supersededAt: now });
      const current = await this.evaluateIn(tx, campaign);
      const comparison = current?.engine.comparisons.find((c) => c.variantId === variant.id);
      return tx.create(Winner, {
        workspaceId: this.workspaceId,
        campaignId: campaign.id,
        variantId: variant.id,
        source: WinnerSource.MANUAL,
        confidenceLevel: comparison ? 1 - comparison.adjustedPValue : null,
        reason: reason.trim(),
        decidedAt: now,
      });
    });
    await this.announce(winner);
    return winner;
  }

  /**
   * Ends the test. The winner is the declared one, else the one the method allows now, else the
   * control (recorded as such). With a remainder (testAudiencePercent < 100) and
   * sendWinnerToRemainder, the campaign keeps running and the remainder is handed to sending;
   * otherwise it completes.
   */
  async endTest(campaignId: string, sendWinnerToRemainder: boolean, cause = 'The test ended'): Promise<Campaign> {
    let declared: Winner | null = null;
    const campaign = await this.em.transactional(async (tx) => {
      const c = await this.campaign(tx, campaignId, true);
      if (c.type === CampaignType.STANDARD) throw badInput('NO_EXPERIMENT', 'A STANDARD campaign has no test to end', 'campaignId');
      if (c.testEndedAt) throw conflict('TEST_ALREADY_ENDED', `The test ended at ${c.testEndedAt.toISOString()}`);
      if (c.status !== CampaignStatus.RUNNING && c.status !== CampaignStatus.PAUSED) {
        throw conflict('TEST_NOT_RUNNING', `Only a RUNNING or PAUSED test can end; this campaign is ${c.status}`);
      }
      await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`winner:${c.id}`]);
      let winner = await tx.findOne(Winner, { campaignId: c.id, supersededAt: null });
      if (!winner) {
        const current = await this.evaluateIn(tx, c);
        const proposal = current?.engine.proposedWinnerId ?? null;
        const variants = await tx.find(Variant, { campaignId: c.id });
        const chosen = proposal ?? variants.find((v) => v.isControl)!.id;
        winner = tx.create(Winner, {
          workspaceId: this.workspaceId,
          campaignId: c.id,
          variantId: chosen,
          source: WinnerSource.AUTOMATIC,
          confidenceLevel: proposal && current ? automaticConfidence(c.experiment.method, current, proposal) : null,
          reason: proposal ? `Significant when the test ended (${cause})` : `${cause} without a significant winner: the control is kept`,
        });
        declared = winner;
      }
      const now = new Date();
      c.testEndedAt = now;
      if (c.experiment.testAudiencePercent < 100 && sendWinnerToRemainder) {
        c.remainderVariantId = winner.variantId; // sending picks this up for the held-out recipients
        c.remainderRequestedAt = now;
      } else {
        c.status = CampaignStatus.COMPLETED;
        c.completedAt = now;
        // Published only when the status changes (a remainder hand-over keeps it RUNNING).
        await announce(tx, statusMessage(c));
      }
      return c;
    });
    if (declared) await this.announce(declared);
    return campaign;
  }

  private async campaign(em: EntityManager, id: string, lock = false): Promise<Campaign> {
    const campaign = await em.findOne(Campaign, { id: asUuid(id), workspaceId: this.workspaceId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!campaign) throw notFound('Campaign', id);
    return campaign;
  }

  /** O(variants): the campaign's variants, their counters and the current winner. */
  private async evaluateIn(em: EntityManager, campaign: Campaign): Promise<AnalysisWithDecision | null> {
    const variants = await em.find(Variant, { campaignId: campaign.id }, { orderBy: { position: 'asc' } });
    const [counters, winner] = await Promise.all([loadCounters(em, variants.map((v) => v.id)), em.findOne(Winner, { campaignId: campaign.id, supersededAt: null })]);
    return campaignAnalysis(campaign, variants, counters, winner);
  }

  private async announce(winner: Winner): Promise<void> {
    await announce(this.em, { kind: 'winner', workspaceId: this.workspaceId, campaignId: winner.campaignId });
  }
}

/** What "confidence" means for an automatic decision: 1 − adjusted p, or the Bayesian probability. */
function automaticConfidence(method: TestMethod, current: AnalysisWithDecision, variantId: string): number | null {
  const c = current.engine.comparisons.find((x) => x.variantId === variantId);
  if (!c) {
    // The control won: the weakest evidence against the variants.
    const all = current.engine.comparisons;
    if (all.length === 0) return null;
    return method === TestMethod.BAYESIAN ? Math.min(...all.map((x) => 1 - x.probabilityToBeatControl)) : Math.min(...all.map((x) => 1 - x.adjustedPValue));
  }
  return method === TestMethod.BAYESIAN ? c.probabilityToBeatControl : 1 - c.adjustedPValue;
}

/**
 * Partial tests past their maximum duration end with whatever the method allows by then, else
 * the control (recorded as such); the remainder then gets it. Runs from the due-runs poller.
 */
export async function endExpiredTests(em: EntityManager, now = new Date()): Promise<number> {
  const due = await em.execute<{ id: string; workspace_id: string }[]>(
    `select id, workspace_id from campaigns
     where status = 'RUNNING' and type <> 'STANDARD' and test_ended_at is null and started_at is not null
       and (experiment->>'testAudiencePercent')::int < 100 and (experiment->>'maxTestHours') is not null
       and started_at + make_interval(hours => (experiment->>'maxTestHours')::int) <= ?`,
    [now.toISOString()],
  );
  for (const c of due) {
    await new ExperimentService(em.fork(), c.workspace_id).endTest(c.id, true, 'The maximum test duration was reached').catch((e: unknown) => {
      if (!(e instanceof DomainError)) throw e; // another instance ended it first
    });
  }
  return due.length;
}
