/**
 * Optimization: learning from history — send time per contact, the conversion model, offers,
 * merchant affinity, and the recommendations built on them.
 */
import { defineModule } from '../graphql/module';
import { catalogFor, hasFeature } from '../plans/plans';
import { refreshAllAffinities } from './merchant-affinity.service';
import { MerchantResolver } from './merchant.resolver';
import { MerchantService } from './merchant.service';
import { ModelResolver } from './model.resolver';
import { ModelService, retrainAll } from './model.service';
import { Recommendation } from './recommendation.entity';
import { recommendationLoaders } from './recommendation.loaders';
import { CampaignRecommendationsResolver, RecommendationResolver } from './recommendation.resolver';
import { RecommendationService, refreshRecommendations } from './recommendation.service';
import { SendTimeResolver } from './send-time.resolver';
import { refreshAllSendTimes, SendTimeService } from './send-time.service';

declare module '../graphql/context' {
  interface Services {
    sendTime: SendTimeService;
    models: ModelService;
    merchants: MerchantService;
    recommendations: RecommendationService;
  }
  interface Loaders extends ReturnType<typeof recommendationLoaders> {}
}

export const optimizationModule = defineModule({
  name: 'optimization',
  entities: [Recommendation],
  resolvers: [SendTimeResolver, ModelResolver, MerchantResolver, RecommendationResolver, CampaignRecommendationsResolver],
  services: ({ app, em, workspaceId, auth }) => ({
    sendTime: new SendTimeService(app.sql, workspaceId),
    models: new ModelService(app.sql, workspaceId),
    merchants: new MerchantService(app.sql, workspaceId),
    recommendations: new RecommendationService(em, workspaceId, auth.apiKeyId),
  }),
  loaders: recommendationLoaders,
  jobs: ({ sql, orm, logger, config }) => {
    // Learning (model and recommendations) only for workspaces whose plan includes LEARNING.
    const catalog = catalogFor(config, logger);
    const mayLearn = (plan: string | null) => hasFeature(catalog.resolve(plan), 'LEARNING');
    return [
      // Daily, 04:00 UTC: every contact's recommended hour (the documents' schedule).
      { name: 'optimization: send time', cron: '0 4 * * *', timezone: 'UTC', run: () => refreshAllSendTimes(sql, logger) },
      // Weekly, Monday 03:00 UTC: every workspace with enough labelled messages gets a new version.
      { name: 'optimization: conversion model', cron: '0 3 * * 1', timezone: 'UTC', run: () => retrainAll(sql, logger, new Date(), mayLearn) },
      // Daily, 05:00 UTC, after the send times: DRAFT, SCHEDULED and RUNNING campaigns.
      { name: 'optimization: recommendations', cron: '0 5 * * *', timezone: 'UTC', run: () => refreshRecommendations(orm, logger, mayLearn) },
      // Every 6 hours: merchant affinities of every contact with merchant events.
      { name: 'optimization: merchant affinity', cron: '0 */6 * * *', timezone: 'UTC', run: () => refreshAllAffinities(sql, logger) },
    ];
  },
});
