/**
 * Builds a report for one workspace from the features' own services: the analytics portfolio and
 * top campaigns, the winners declared in the window (still current), and the opt-out report. Used
 * by `reportPreview` and by the delivery job (which builds it once per run).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AnalyticsService } from '../analytics/analytics.service';
import { RankMetric } from '../analytics/analytics.types';
import { Campaign } from '../campaigns/campaign.entity';
import { Variant } from '../campaigns/variant.entity';
import type { SqlPool } from '../db/pool';
import { Winner } from '../experiments/winner.entity';
import { OptOutReportService } from './opt-out-report.service';
import { TOP_CAMPAIGNS_LIMIT, TOP_CAMPAIGNS_METRIC, type ReportJson } from './report';
import type { Report } from './report.types';

export class ReportService {
  constructor(
    private readonly em: EntityManager,
    private readonly sql: SqlPool,
    private readonly workspaceId: string,
  ) {}

  /** The report of the last `days` days (validated by the callers: 1..366). */
  async build(days: number, now = new Date()): Promise<Report> {
    const optOuts = new OptOutReportService(this.sql, this.workspaceId);
    const analytics = new AnalyticsService(this.em, this.workspaceId);
    const since = optOuts.since(days, now);
    // One after the other: the services share this unit of work (its identity map).
    const portfolio = await analytics.portfolio(days);
    const topCampaigns = await analytics.topCampaigns(RankMetric[TOP_CAMPAIGNS_METRIC], TOP_CAMPAIGNS_LIMIT, days);
    const counts = await optOuts.counts(since);
    const winners = await this.em.find(Winner, { workspaceId: this.workspaceId, supersededAt: null, decidedAt: { $gte: since } }, { orderBy: { decidedAt: 'desc', id: 'asc' } });
    return { generatedAt: now, days, since, portfolio, topCampaigns, winners, optOuts: { ...counts, since } };
  }

  /** The report as the webhook's JSON (campaigns and variants by id and name). */
  async toJson(report: Report, scheduleId: string | null): Promise<ReportJson> {
    // The top campaigns came loaded with the report; only the winners' campaigns and variants are read.
    const ranked = report.topCampaigns.map((c) => c.campaign);
    const missing = [...new Set(report.winners.map((w) => w.campaignId))].filter((id) => !ranked.some((c) => c.id === id));
    const campaigns = [...ranked, ...(missing.length ? await this.em.find(Campaign, { id: { $in: missing }, workspaceId: this.workspaceId }) : [])];
    const variants = report.winners.length ? await this.em.find(Variant, { id: { $in: report.winners.map((w) => w.variantId) }, workspaceId: this.workspaceId }) : [];
    const name = (list: { id: string; name: string }[], id: string) => ({ id, name: list.find((x) => x.id === id)?.name ?? '' });
    const { total, byChannel, bySource, byKeyword } = report.optOuts;
    return {
      scheduleId,
      generatedAt: report.generatedAt.toISOString(),
      days: report.days,
      since: report.since.toISOString(),
      portfolio: { ...report.portfolio },
      topCampaignsMetric: TOP_CAMPAIGNS_METRIC,
      topCampaigns: report.topCampaigns.map((c) => ({ campaign: name(campaigns, c.campaign.id), value: c.value })),
      winners: report.winners.map((w) => ({
        campaign: name(campaigns, w.campaignId),
        variant: name(variants, w.variantId),
        source: w.source,
        confidenceLevel: w.confidenceLevel ?? null,
        reason: w.reason ?? null,
        decidedAt: w.decidedAt.toISOString(),
      })),
      optOuts: { total, byChannel, bySource, byKeyword },
    };
  }
}
