/** Live campaign numbers: the latest `variantStatsUpdated` message applied to a campaign (no polling). */
import { useSubscription } from 'urql';
import { DashVariantStatsUpdatedDocument, type DashCampaignFragment } from '../generated/graphql';
import { applyStatsUpdate, isLive } from './model';

export function useLiveCampaign(campaign: DashCampaignFragment): { campaign: DashCampaignFragment; updatedAt?: string } {
  const [{ data }] = useSubscription({
    query: DashVariantStatsUpdatedDocument,
    variables: { campaignId: campaign.id },
    pause: !isLive(campaign.status),
  });
  const update = data?.variantStatsUpdated;
  return { campaign: applyStatsUpdate(campaign, update), updatedAt: update?.at };
}
