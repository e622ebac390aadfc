import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Orm } from '../db/orm';
import type { Metrics } from '../metrics';
import type { SqlPool } from '../db/pool';
import { AnalyticsService } from '../analytics/analytics.service';
import type { LiveService } from '../live/live.service';
import type { IngestionPipeline } from '../tracking/ingestion';
import type { AuthInfo } from '../workspaces/auth';
import type { ApiKeyCache } from '../workspaces/key-cache';
import { CampaignService } from '../campaigns/campaign.service';
import { RecipientService } from '../campaigns/recipients.service';
import { TemplateService } from '../campaigns/template.service';
import { ContactService } from '../contacts/contact.service';
import { ExperimentService } from '../experiments/experiment.service';
import { SendService } from '../sending/send.service';
import { WorkspaceService } from '../workspaces/workspace.service';
import { createLoaders, type Loaders } from './loaders';

/** Long-lived parts of the app that a request may use. */
export interface AppDeps {
  config: Config;
  orm: Orm;
  ingestion: IngestionPipeline;
  live: LiveService;
  keyCache: ApiKeyCache;
  /** Plain pg pool for set-based hot paths (ingestion, exports, rollups). */
  sql: SqlPool;
  metrics: Metrics;
}

/** Services bound to one request's unit of work and the caller's workspace. */
export interface Services {
  workspaces: WorkspaceService;
  contacts: ContactService;
  campaigns: CampaignService;
  recipients: RecipientService;
  experiments: ExperimentService;
  analytics: AnalyticsService;
  sending: SendService;
  templates: TemplateService;
}

export interface Context {
  app: AppDeps;
  auth: AuthInfo;
  requestId: string;
  em: EntityManager;
  loaders: Loaders;
  services: Services;
}

export function createContext(deps: AppDeps, auth: AuthInfo, requestId: string, em: EntityManager = deps.orm.em.fork()): Context {
  const ws = auth.workspaceId;
  return {
    app: deps,
    auth,
    requestId,
    em,
    loaders: createLoaders(em, ws),
    services: {
      workspaces: new WorkspaceService(em, ws, deps.live, deps.keyCache),
      contacts: new ContactService(em, ws),
      campaigns: new CampaignService(em, ws, deps.live),
      recipients: new RecipientService(em, ws),
      experiments: new ExperimentService(em, ws, deps.live),
      analytics: new AnalyticsService(em, ws),
      sending: new SendService(em, ws, deps.live),
      templates: new TemplateService(em, ws),
    },
  };
}
