/**
 * Optimization: learning from history — send time per contact, the conversion model, offers,
 * merchant affinity, and the recommendations built on them.
 */
import { defineModule } from '../graphql/module';
import { ModelResolver } from './model.resolver';
import { ModelService, retrainAll } from './model.service';
import { SendTimeResolver } from './send-time.resolver';
import { refreshAllSendTimes, SendTimeService } from './send-time.service';

declare module '../graphql/context' {
  interface Services {
    sendTime: SendTimeService;
    models: ModelService;
  }
}

export const optimizationModule = defineModule({
  name: 'optimization',
  entities: [],
  resolvers: [SendTimeResolver, ModelResolver],
  services: ({ app, workspaceId }) => ({
    sendTime: new SendTimeService(app.sql, workspaceId),
    models: new ModelService(app.sql, workspaceId),
  }),
  jobs: ({ sql, logger }) => [
    { name: 'optimization: send time', cron: '0 4 * * *', timezone: 'UTC', run: () => refreshAllSendTimes(sql) },
    // Weekly, Monday 03:00 UTC: every workspace with enough labelled messages gets a new version.
    { name: 'optimization: conversion model', cron: '0 3 * * 1', timezone: 'UTC', run: () => retrainAll(sql, logger) },
  ],
});
