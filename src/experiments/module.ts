/** Experiment analysis, winners and their automatic evaluation. */
import { defineModule } from '../graphql/module';
import { evaluateRunningTests } from './evaluate-running';
import { ExperimentResolver, WinnerResolver } from './experiment.resolver';
import { ExperimentService } from './experiment.service';
import { experimentsLoaders } from './experiments.loaders';
import { Winner } from './winner.entity';

declare module '../graphql/context' {
  interface Services {
    experiments: ExperimentService;
  }
  interface Loaders extends ReturnType<typeof experimentsLoaders> {}
}

export const experimentsModule = defineModule({
  name: 'experiments',
  entities: [Winner],
  resolvers: [ExperimentResolver, WinnerResolver],
  services: ({ em, workspaceId }) => ({ experiments: new ExperimentService(em, workspaceId) }),
  loaders: experimentsLoaders,
  jobs: ({ orm, logger }) => [{ name: 'experiments: evaluate running tests', cron: '*/5 * * * *', timezone: 'UTC', run: () => evaluateRunningTests(orm, logger) }],
});
