/** Current recommendations per campaign, one query per list of campaigns (workspace-scoped). */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import type { Recommendation } from './recommendation.entity';
import { RecommendationService } from './recommendation.service';

export function recommendationLoaders({ em, workspaceId, auth }: RequestScope) {
  return {
    recommendationsByCampaignId: new DataLoader<string, Recommendation[]>((ids) => new RecommendationService(em, workspaceId, auth.apiKeyId).currentFor(ids)),
  };
}
