/**
 * One function per recommendation type: reads what it needs (workspace-scoped SQL), calls the pure
 * logic (offers.ts, segments.ts, the experiment engine) and returns drafts. The service stores a
 * campaign's drafts as one generation. Adding a type is adding a generator to GENERATORS.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { reachableCondition } from '../campaigns/audience';
import type { Campaign } from '../campaigns/campaign.entity';
import { CampaignStatus, CampaignType } from '../campaigns/enums';
import { Metric, METRIC_SUCCESS_COLUMN, TestMethod } from '../campaigns/experiment-enums';
import { Variant } from '../campaigns/variant.entity';
import { DEFAULT_MDE, TARGET_POWER } from '../experiments/engine';
import { ExperimentService } from '../experiments/experiment.service';
import { minimumDetectableEffect } from '../experiments/stats';
import { Winner } from '../experiments/winner.entity';
import { analyzeOffers, DEFAULT_OFFER_OPTIONS, type OfferCell, type SegmentValueStats } from './offers';
import type { RecommendationAction, RecommendationType } from './recommendation.entity';
import { audienceSize, rankSegments, testPercentFor } from './segments';
import { LOCAL_ZONE_SQL } from '../shared/time-zone';

export interface RecommendationDraft {
  type: RecommendationType;
  title: string;
  currentValue: string | null;
  recommendedValue: string;
  expectedImpact: number | null;
  confidence: number;
  segment: string | null;
  basis: string;
  action: RecommendationAction;
}

export interface GeneratorContext {
  em: EntityManager;
  workspaceId: string;
  campaign: Campaign;
}

export type RecommendationGenerator = (ctx: GeneratorContext) => Promise<RecommendationDraft[]>;

/** History the learning reads: messages sent in the last 365 days. */
export const HISTORY_DAYS = 365;
/** Settings (offer, audience, tested share) can change only before a campaign goes out. */
export const EDITABLE = new Set([CampaignStatus.DRAFT, CampaignStatus.SCHEDULED]);

const money = (x: number) => (Math.round(x * 100) / 100).toFixed(2).replace(/\.00$/, '');
const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const signed = (x: number, f: (x: number) => string) => `${x >= 0 ? '+' : '−'}${f(Math.abs(x))}`;

/** The campaign's recipients so far (assigned contacts). */
async function recipientCount(em: EntityManager, workspaceId: string, campaignId: string): Promise<number> {
  const [row] = await em.execute<{ n: number }[]>(`select count(*)::int as n from assignments where campaign_id = ? and workspace_id = ?`, [campaignId, workspaceId]);
  return row!.n;
}


// ---------------------------------------------------------------------------------------------
// OFFER
// ---------------------------------------------------------------------------------------------

/**
 * Offer rows per campaign at most: segments are free text, and each costs Monte Carlo draws on the
 * event loop and a stored row. Without audience segments, those with the most messages come first.
 */
export const MAX_OFFER_SEGMENTS = 20;

function segmentsByVolume(cells: readonly OfferCell[]): string[] {
  const messages = new Map<string, number>();
  for (const c of cells) if (c.segment !== '') messages.set(c.segment, (messages.get(c.segment) ?? 0) + c.messages);
  return [...messages].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([segment]) => segment);
}

export const offerRecommendations: RecommendationGenerator = async ({ em, workspaceId, campaign }) => {
  if (campaign.offerAmount === null || campaign.offerAmount === undefined || !EDITABLE.has(campaign.status)) return [];
  const window = `a.workspace_id = ? and a.sent_at is not null and a.sent_at >= now() - make_interval(days => ${HISTORY_DAYS})`;
  const cells = (
    await em.execute<{ segment: string; offer: number; messages: number; conversions: number }[]>(
      `select coalesce(c.segment, '') as segment, coalesce(k.offer_amount, 0)::float8 as offer,
              count(*)::int as messages, count(a.converted_at)::int as conversions
       from assignments a join campaigns k on k.id = a.campaign_id and k.workspace_id = a.workspace_id join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id
       where ${window} and k.workspace_id = ?
       group by 1, 2`,
      [workspaceId, workspaceId],
    )
  ).map((r): OfferCell => ({ segment: r.segment, offer: Number(r.offer), messages: r.messages, conversions: r.conversions }));
  if (cells.length === 0) return [];
  const values = (
    await em.execute<{ segment: string; conversions: number; revenue: number; revenue_sq: number }[]>(
      `select coalesce(c.segment, '') as segment, count(*)::int as conversions,
              sum(a.revenue)::float8 as revenue, sum(a.revenue * a.revenue)::float8 as revenue_sq
       from assignments a join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id
       where ${window} and a.converted_at is not null
       group by 1`,
      [workspaceId],
    )
  ).map((r): SegmentValueStats => ({ segment: r.segment, conversions: r.conversions, revenue: Number(r.revenue), revenueSq: Number(r.revenue_sq) }));
  const segments = (campaign.audience?.segments?.length ? campaign.audience.segments : segmentsByVolume(cells)).slice(0, MAX_OFFER_SEGMENTS).sort();
  const current = Number(campaign.offerAmount);
  const analysis = analyzeOffers(cells, values, segments, current);
  const o = DEFAULT_OFFER_OPTIONS;

  return analysis.segments.map((s): RecommendationDraft => {
    const tried = s.estimates.filter((e) => e.messages > 0).map((e) => `${money(e.offer)} (${e.conversions}/${e.messages})`);
    const basis =
      `segment ${s.segment}: ${s.messages} messages in the last ${HISTORY_DAYS} days; conversions/messages by offer ${tried.length ? tried.join(', ') : 'none'}; ` +
      `value ${money(s.value)} per conversion; P(best) from ${o.draws} posterior draws; needs ${o.minOffers} offers with ≥ ${o.minMessagesPerOffer} messages each`;
    const base = { type: 'OFFER' as RecommendationType, currentValue: money(current), segment: s.segment, basis, confidence: s.best.probabilityBest };
    const interval = (lo: number, hi: number) => `90 % interval ${money(lo)} to ${money(hi)}`;
    if (s.notEnoughData) {
      const why =
        s.notEnoughData === 'TOO_FEW_MESSAGES'
          ? `${s.offersTried} offer(s) with ≥ ${o.minMessagesPerOffer} messages in this segment, ${o.minOffers} needed`
          : `the best offer (${money(s.best.offer)}) is the best with probability ${s.best.probabilityBest.toFixed(2)} only`;
      return { ...base, title: `Offer for segment ${s.segment}: not enough data to recommend a change (${why})`, recommendedValue: money(current), expectedImpact: null, action: { kind: 'NONE' } };
    }
    if (s.best.offer === s.current?.offer) {
      return {
        ...base,
        title: `Keep the offer of ${money(current)} for segment ${s.segment}: ${money(s.best.profit)} expected profit per message (${interval(s.best.profitInterval.lower, s.best.profitInterval.upper)})`,
        recommendedValue: money(current),
        expectedImpact: 0,
        action: { kind: 'NONE' },
      };
    }
    return {
      ...base,
      title:
        `Offer ${money(s.best.offer)} instead of ${money(current)} to segment ${s.segment}: ${signed(s.gain!.mean, money)} profit per message ` +
        `(${interval(s.gain!.lower, s.gain!.upper)}), conversion ${pct(s.best.rate)} vs ${pct(s.current!.rate)}`,
      recommendedValue: money(s.best.offer),
      expectedImpact: s.gain!.mean,
      action: { kind: 'SET_OFFER', offerAmount: s.best.offer },
    };
  });
};

// ---------------------------------------------------------------------------------------------
// SEGMENT
// ---------------------------------------------------------------------------------------------

export const segmentRecommendations: RecommendationGenerator = async ({ em, workspaceId, campaign }) => {
  if (!EDITABLE.has(campaign.status)) return [];
  const metric = campaign.experiment.primaryMetric;
  const rows = await em.execute<{ segment: string; messages: number; successes: number }[]>(
    `select coalesce(c.segment, '') as segment, count(*)::int as messages, count(a.${METRIC_SUCCESS_COLUMN[metric]})::int as successes
     from assignments a join campaigns k on k.id = a.campaign_id and k.workspace_id = a.workspace_id join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id
     where a.workspace_id = ? and k.workspace_id = ? and a.sent_at is not null and a.sent_at >= now() - make_interval(days => ${HISTORY_DAYS})
       and k.type = ? and k.channel = ? and k.id <> ?
     group by 1`,
    [workspaceId, workspaceId, campaign.type, campaign.channel, campaign.id],
  );
  const workspace = rows.reduce((a, r) => ({ messages: a.messages + r.messages, successes: a.successes + r.successes }), { messages: 0, successes: 0 });
  const ranking = rankSegments(rows.filter((r) => r.segment !== ''), workspace, { lowerIsBetter: metric === Metric.OPT_OUT });
  if (ranking.recommended.length === 0) return [];
  const chosen = ranking.recommended.map((s) => s.segment);
  const currentSegments = campaign.audience?.segments ?? [];
  if (currentSegments.length === chosen.length && chosen.every((s) => currentSegments.includes(s))) return [];
  const rateName = metric === Metric.REVENUE ? 'conversion' : metric.toLowerCase().replace('_', ' ');
  const described = ranking.recommended.map((s) => `${s.segment} ${pct(s.rate)} (95 % CI ${pct(s.lower)}–${pct(s.upper)})`).join(', ');
  return [
    {
      type: 'SEGMENT' as RecommendationType,
      title: `Target segment${chosen.length > 1 ? 's' : ''} ${described}: ${rateName} rate above the workspace's ${pct(ranking.workspace.rate)} on past ${campaign.type} ${campaign.channel} campaigns`,
      currentValue: currentSegments.length ? currentSegments.join(', ') : 'all segments',
      recommendedValue: chosen.join(', '),
      expectedImpact: ranking.recommendedRate! - ranking.workspace.rate,
      confidence: 0.95,
      segment: chosen.join(', '),
      basis:
        `${rateName} on ${campaign.type} ${campaign.channel} campaigns in the last ${HISTORY_DAYS} days: ` +
        ranking.segments.map((s) => `${s.segment} ${s.successes}/${s.messages}`).join(', ') +
        `; workspace ${workspace.successes}/${workspace.messages}`,
      action: { kind: 'SET_SEGMENTS', segments: chosen },
    },
  ];
};

// ---------------------------------------------------------------------------------------------
// AUDIENCE_SIZE
// ---------------------------------------------------------------------------------------------

export const audienceSizeRecommendations: RecommendationGenerator = async ({ em, workspaceId, campaign }) => {
  const cfg = campaign.experiment;
  const active = EDITABLE.has(campaign.status) || campaign.status === CampaignStatus.RUNNING;
  if (campaign.type === CampaignType.STANDARD || !active || cfg.primaryMetric === Metric.REVENUE || campaign.testEndedAt) return [];
  const variants = await em.find(Variant, { campaignId: campaign.id, workspaceId }, { orderBy: { position: 'asc' } });
  if (variants.length < 2) return [];
  const fact = METRIC_SUCCESS_COLUMN[cfg.primaryMetric];
  const control = variants.find((v) => v.isControl) ?? variants[0]!;
  const [controlRow] = await em.execute<{ sent: number; successes: number }[]>(
    `select count(*)::int as sent, count(${fact})::int as successes from assignments where campaign_id = ? and workspace_id = ? and variant_id = ? and sent_at is not null`,
    [campaign.id, workspaceId, control.id],
  );
  const [history] = await em.execute<{ sent: number; successes: number }[]>(
    `select count(*)::int as sent, count(a.${fact})::int as successes from assignments a
     where a.workspace_id = ? and a.campaign_id <> ? and a.sent_at is not null and a.sent_at >= now() - make_interval(days => ${HISTORY_DAYS})`,
    [workspaceId, campaign.id],
  );
  // The control's own rate once it has the minimum sample, else the workspace's history.
  const fromControl = controlRow!.sent >= cfg.minSampleSize && controlRow!.successes > 0;
  const source = fromControl ? controlRow! : history!;
  if (source.sent === 0 || source.successes === 0) return [];
  const baseline = source.successes / source.sent;
  const mde = cfg.minimumDetectableEffect ?? DEFAULT_MDE;
  const size = audienceSize({ baseline, relativeEffect: mde, confidenceLevel: cfg.confidenceLevel, weights: variants.map((v) => v.weight), testAudiencePercent: cfg.testAudiencePercent });
  if (size.audience === null || size.testRecipients === null) return [];

  const recipients = await recipientCount(em, workspaceId, campaign.id);
  let reach = recipients;
  let reachName = 'recipients';
  if (recipients === 0) {
    const cond = reachableCondition(campaign.audience ?? {}, campaign.channel);
    const [row] = await em.execute<{ n: number }[]>(`select count(*)::int as n from contacts c where c.workspace_id = ? and ${cond.sql}`, [workspaceId, ...cond.params]);
    reach = row!.n;
    reachName = 'contacts in the audience';
  }
  if (reach >= size.audience) return [];

  const metricName = cfg.primaryMetric.toLowerCase().replace('_', ' ');
  const basis =
    `baseline ${pct(baseline, 2)} ${metricName} from ${fromControl ? `the control so far (${source.successes}/${source.sent})` : `the workspace's history (${source.successes}/${source.sent} in the last ${HISTORY_DAYS} days)`}; ` +
    `${size.perVariant} per variant to detect ${size.downwards ? '−' : '+'}${pct(mde, 0)} relative at ${pct(cfg.confidenceLevel, 0)} confidence and ${pct(TARGET_POWER, 0)} power (Fleiss); ` +
    `weights ${variants.map((v) => v.weight).join('/')}, tested share ${cfg.testAudiencePercent} %; ${reach} ${reachName}`;
  const base = { type: 'AUDIENCE_SIZE' as RecommendationType, currentValue: String(reach), segment: null, basis, confidence: TARGET_POWER, expectedImpact: size.audience - reach };
  const percent = testPercentFor(size.testRecipients, reach);
  if (EDITABLE.has(campaign.status) && cfg.testAudiencePercent < 100 && percent !== null) {
    return [
      {
        ...base,
        title: `Test ${size.testRecipients} of the ${reach} ${reachName} instead of ${cfg.testAudiencePercent} %: raise the tested share to ${percent} % so each variant reaches ${size.perVariant}`,
        recommendedValue: String(Math.ceil((size.testRecipients * 100) / percent)),
        action: { kind: 'SET_TEST_AUDIENCE_PERCENT', testAudiencePercent: percent },
      },
    ];
  }
  const perVariantNow = Math.floor((reach * (cfg.testAudiencePercent / 100) * Math.min(...variants.map((v) => v.weight))) / 100);
  const detectable = minimumDetectableEffect({ baseline, n: perVariantNow, alpha: 1 - cfg.confidenceLevel, power: TARGET_POWER });
  return [
    {
      ...base,
      title:
        `The test needs ${size.audience} recipients to detect a ${pct(mde, 0)} relative lift; it has ${reach} ${reachName}` +
        (detectable === null ? '' : ` (enough for about +${pct(detectable, 0)})`) +
        ': add recipients, test fewer variants, or accept a larger detectable effect',
      recommendedValue: String(size.audience),
      action: { kind: 'NONE' },
    },
  ];
};

// ---------------------------------------------------------------------------------------------
// WINNER
// ---------------------------------------------------------------------------------------------

export const winnerRecommendations: RecommendationGenerator = async ({ em, workspaceId, campaign }) => {
  if (campaign.type === CampaignType.STANDARD || (campaign.status !== CampaignStatus.RUNNING && campaign.status !== CampaignStatus.PAUSED) || campaign.testEndedAt) return [];
  if (await em.count(Winner, { campaignId: campaign.id, workspaceId, supersededAt: null })) return [];
  const analysis = await new ExperimentService(em, workspaceId).analysis(campaign.id);
  if (!analysis) return [];
  const variants = await em.find(Variant, { campaignId: campaign.id, workspaceId }, { orderBy: { position: 'asc' } });
  const rate = (id: string) => {
    const c = analysis.comparisons.find((x) => x.variant.id === id);
    return c ? c.rate : (analysis.comparisons[0]?.controlRate ?? 0);
  };
  const sent = analysis.sampleRatioMismatch.observed;
  const basis =
    `${analysis.method} on ${analysis.metric}: ` +
    variants.map((v, i) => `${v.key}${v.isControl ? ' (control)' : ''} ${pct(rate(v.id), 2)} of ${sent[i] ?? 0}`).join(', ') +
    (analysis.pValue === null ? '' : `; omnibus p = ${analysis.pValue.toPrecision(3)}`);
  const control = variants.find((v) => v.isControl) ?? variants[0]!;
  const byBayes = analysis.method === TestMethod.BAYESIAN;

  if (analysis.winner) {
    const w = analysis.winner;
    const c = analysis.comparisons.find((x) => x.variant.id === w.id);
    const confidence = c
      ? byBayes
        ? c.probabilityToBeatControl
        : 1 - c.adjustedPValue
      : Math.min(...analysis.comparisons.map((x) => (byBayes ? 1 - x.probabilityToBeatControl : 1 - x.adjustedPValue)));
    const lift = c?.relativeLift == null ? '' : ` (${c.relativeLift >= 0 ? '+' : ''}${c.relativeLift.toFixed(1)} % vs control)`;
    return [
      {
        type: 'WINNER' as RecommendationType,
        title: c
          ? `Declare variant ${w.key} the winner: ${pct(c.rate, 2)} vs ${pct(c.controlRate, 2)} for the control${lift}, significant under ${analysis.method}`
          : `Declare the control (${w.key}) the winner: every variant is significantly worse under ${analysis.method}`,
        currentValue: 'no winner',
        recommendedValue: `variant ${w.key}`,
        expectedImpact: c ? c.absoluteLift : 0,
        confidence,
        segment: null,
        basis,
        action: { kind: 'DECLARE_WINNER', variantId: w.id },
      },
    ];
  }
  // A fixed-horizon test that reached its planned sample without a significant difference: end it.
  if (analysis.method === TestMethod.FIXED_HORIZON && analysis.status === 'INCONCLUSIVE' && analysis.noWinnerReason === 'INSUFFICIENT_CONFIDENCE') {
    return [
      {
        type: 'WINNER' as RecommendationType,
        title: `End the test and keep the control (${control.key}): the planned sample of ${analysis.requiredSampleSizePerVariant ?? '?'} per variant is reached without a significant difference`,
        currentValue: 'testing',
        recommendedValue: `end the test, keep variant ${control.key}`,
        expectedImpact: 0,
        confidence: TARGET_POWER,
        segment: null,
        basis,
        action: { kind: 'END_TEST' },
      },
    ];
  }
  return [];
};

// ---------------------------------------------------------------------------------------------
// SEND_TIME
// ---------------------------------------------------------------------------------------------

/**
 * Turning on optimizeSendTime, for a campaign that does not use it yet. Rests on the recipients'
 * stored send-time recommendations (computed daily at 04:00 UTC, an hour before this job, and on
 * demand): the expected gain is the mean, over recipients with a learned recommendation (basis
 * other than DEFAULT), of their posterior rate at their optimal hour minus the rate at the hour the
 * campaign would reach them — the local hour of its sendAt, or a random hour when it has no schedule.
 * Confidence is the mean of the recipients' own confidences, which are optimistic plug-ins (see
 * send-time.ts); the holdout of the optimized send measures the real effect (Campaign.sendTimeUplift).
 */
export const sendTimeRecommendations: RecommendationGenerator = async ({ em, workspaceId, campaign }) => {
  if (!EDITABLE.has(campaign.status) || campaign.schedule?.optimizeSendTime) return [];
  const sendAt = campaign.schedule?.sendAt ?? null;
  const recipients = await recipientCount(em, workspaceId, campaign.id);
  const cond = reachableCondition(campaign.audience ?? {}, campaign.channel);
  const contacts =
    recipients > 0
      ? { sql: `select c.* from contacts c join assignments a on a.contact_id = c.id and a.workspace_id = c.workspace_id where a.campaign_id = ? and a.workspace_id = ?`, params: [campaign.id, workspaceId] }
      : { sql: `select c.* from contacts c where c.workspace_id = ? and ${cond.sql}`, params: [workspaceId, ...cond.params] };
  const [row] = await em.execute<{ contacts: number; learned: number; own: number; at_optimal: number | null; at_current: number | null; confidence: number | null; modal_hour: number | null }[]>(
    `with c as (${contacts.sql}),
     r as (
       select r.*, ${LOCAL_ZONE_SQL('c', 'w')} as zone
       from c join send_time_recommendations r on r.contact_id = c.id and r.workspace_id = c.workspace_id
       join workspaces w on w.id = c.workspace_id
       where r.basis <> 'DEFAULT'
     )
     select (select count(*)::int from c) as contacts, count(*)::int as learned,
            count(*) filter (where basis = 'CONTACT')::int as own,
            avg(rates[optimal_hour + 1]) as at_optimal,
            avg(case when ?::timestamptz is null then (select avg(x) from unnest(rates) x)
                     else rates[extract(hour from ?::timestamptz at time zone zone)::int + 1] end) as at_current,
            avg(confidence) as confidence,
            mode() within group (order by optimal_hour) as modal_hour
     from r`,
    [...contacts.params, sendAt, sendAt],
  );
  if (!row || row.learned === 0 || row.at_optimal === null || row.at_current === null) return [];
  const gain = Number(row.at_optimal) - Number(row.at_current);
  if (gain <= 0) return [];
  const who = recipients > 0 ? 'recipients' : 'contacts in the audience';
  const basis =
    `${row.learned} of ${row.contacts} ${who} have a learned send time (${row.own} from their own history, the rest from their segment or the workspace); ` +
    `mean expected rate ${pct(Number(row.at_optimal), 2)} at their own hour vs ${pct(Number(row.at_current), 2)} ${sendAt ? `at the scheduled local hour` : 'at a random hour'}; most common hour ${String(row.modal_hour).padStart(2, '0')}:00 local`;
  return [
    {
      type: 'SEND_TIME' as RecommendationType,
      title:
        `Send each recipient at their own best hour (optimizeSendTime): ${signed(gain, (x) => pct(x, 2))} expected engagement for the ${row.learned} with a learned send time` +
        (sendAt ? '' : ' (schedule the campaign to turn it on)'),
      currentValue: sendAt ? `everyone at ${sendAt}` : 'not scheduled',
      recommendedValue: 'optimizeSendTime',
      expectedImpact: gain,
      confidence: Number(row.confidence ?? 0),
      segment: null,
      basis,
      action: sendAt ? { kind: 'OPTIMIZE_SEND_TIME' } : { kind: 'NONE' },
    },
  ];
};

/** Every type's generator, in the order their rows are listed. */
export const GENERATORS: readonly RecommendationGenerator[] = [
  winnerRecommendations,
  audienceSizeRecommendations,
  offerRecommendations,
  segmentRecommendations,
  sendTimeRecommendations,
];
