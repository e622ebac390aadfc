import type { CampaignTotals } from './campaign-stats';

export const FUNNEL_STEPS = ['SENT', 'DELIVERED', 'CLICKED', 'REPLIED', 'CONVERTED'] as const;
const KEY: Record<(typeof FUNNEL_STEPS)[number], keyof CampaignTotals> = {
  SENT: 'sent',
  DELIVERED: 'delivered',
  CLICKED: 'clicked',
  REPLIED: 'replied',
  CONVERTED: 'converted',
};

export interface FunnelStepValue {
  step: string;
  count: number;
  rateOfSent: number;
  stepConversion: number;
}

/**
 * sent → delivered → clicked → replied → converted, from unique counts. Pure. A step may exceed
 * the one before it (a reply without a tracked click); step conversion is then above 1, shown as
 * measured rather than clamped.
 */
export function funnel(t: CampaignTotals): FunnelStepValue[] {
  return FUNNEL_STEPS.map((step, i) => {
    const count = t[KEY[step]];
    const previous = i === 0 ? count : t[KEY[FUNNEL_STEPS[i - 1]!]];
    return { step, count, rateOfSent: t.sent > 0 ? count / t.sent : 0, stepConversion: i === 0 ? (count > 0 ? 1 : 0) : previous > 0 ? count / previous : 0 };
  });
}
