/**
 * Pure view logic of the A/B tests screens: applying a live `variantStatsUpdated` message to a
 * campaign, its totals and who leads. No I/O, no DOM.
 */
import type { DashCampaignFragment, DashVariantStatsFragment } from '../generated/graphql';

/**
 * The campaign with each variant's stats replaced by the update's (matched on variantId), and the
 * update's analysis when it carries one. Shared by the list and the test page (their fragments differ).
 */
export function applyStatsUpdate<C extends { variants: readonly { id: string; stats: DashVariantStatsFragment }[]; analysis?: unknown }>(
  campaign: C,
  update: { at?: string; variants: readonly DashVariantStatsFragment[]; analysis?: C['analysis'] | null } | undefined,
): C {
  if (!update) return campaign;
  const byVariant = new Map(update.variants.map((s) => [s.variantId, s]));
  return {
    ...campaign,
    variants: campaign.variants.map((v) => {
      const s = byVariant.get(v.id);
      return s ? { ...v, stats: s } : v;
    }),
    analysis: update.analysis ?? campaign.analysis,
  };
}

export function totals(campaign: DashCampaignFragment): { sent: number; converted: number } {
  return campaign.variants.reduce((t, v) => ({ sent: t.sent + v.stats.sent, converted: t.converted + v.stats.converted }), { sent: 0, converted: 0 });
}

export interface Standing {
  kind: 'winner' | 'leader';
  label: string;
  manual?: boolean;
}

/** A declared winner (manual or automatic) first, then the analysis' winner, then its leader. */
export function standing(campaign: DashCampaignFragment): Standing | undefined {
  if (campaign.winner) return { kind: 'winner', label: variantLabel(campaign.winner.variant), manual: campaign.winner.source === 'MANUAL' };
  if (campaign.analysis?.winner) return { kind: 'winner', label: variantLabel(campaign.analysis.winner) };
  if (campaign.analysis?.leader) return { kind: 'leader', label: variantLabel(campaign.analysis.leader) };
  return undefined;
}

/**
 * Whether a workspace-wide status change calls for reloading the list: only for an A/B test or
 * bandit the list does not show yet. The subscription carries every campaign of the workspace,
 * STANDARD ones too, which the list never shows: reloading for them would refetch the whole list
 * at each of their status changes.
 */
export function listReloadNeeded(event: { id: string; type: string }, shown: ReadonlySet<string>): boolean {
  return (event.type === 'AB_TEST' || event.type === 'BANDIT') && !shown.has(event.id);
}

/** campaigns(first) refuses more than this (INVALID_PAGE_SIZE, src/db/keyset.ts MAX_PAGE_SIZE). */
export const MAX_LIST_SIZE = 200;

/** How many tests "Show more" asks for next: `step` more, never past what the API accepts; undefined at the cap. */
export function nextListSize(current: number, step: number): number | undefined {
  return current >= MAX_LIST_SIZE ? undefined : Math.min(current + step, MAX_LIST_SIZE);
}

export function variantLabel(v: { key: string; name: string }): string {
  return v.name && v.name !== v.key ? `${v.key} · ${v.name}` : v.key;
}

/** Campaigns whose numbers can still move: the list subscribes to these only. */
export function isLive(status: string): boolean {
  return status === 'RUNNING' || status === 'PAUSED' || status === 'SCHEDULED' || status === 'COMPLETED';
}
