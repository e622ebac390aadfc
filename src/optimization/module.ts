/**
 * Optimization: learning from history — send time per contact, the conversion model, offers,
 * merchant affinity, and the recommendations built on them.
 */
import { defineModule } from '../graphql/module';
import { Recommendation } from './recommendation.entity';
import { recommendationLoaders } from './recommendation.loaders';
import { CampaignRecommendationsResolver, RecommendationResolver } from './recommendation.resolver';
import { RecommendationService, refreshRecommendations } from './recommendation.service';

declare module '../graphql/context' {
  interface Services {
    recommendations: RecommendationService;
  }
  interface Loaders extends ReturnType<typeof recommendationLoaders> {}
}

export const optimizationModule = defineModule({
  name: 'optimization',
  entities: [Recommendation],
  resolvers: [RecommendationResolver, CampaignRecommendationsResolver],
  services: ({ em, workspaceId, auth }) => ({ recommendations: new RecommendationService(em, workspaceId, auth.apiKeyId) }),
  loaders: recommendationLoaders,
  jobs: ({ orm, logger }) => [{ name: 'optimization: recommendations', cron: '0 5 * * *', timezone: 'UTC', run: () => refreshRecommendations(orm, logger) }],
});
