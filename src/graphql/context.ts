/**
 * What a GraphQL operation (and a REST route) sees. Infrastructure only: the feature modules add
 * their own parts by declaration merging (fastify's way of decorating), each in its `module.ts`:
 *
 *   declare module '../graphql/context' {
 *     interface Services { campaigns: CampaignService }
 *     interface Loaders { variantsByCampaignId: DataLoader<string, Variant[]> }
 *     interface AppDeps { live: LiveService }
 *   }
 *
 * so `ctx.services.campaigns` keeps its static type while this file imports no feature. The
 * composition root (src/modules.ts) builds the per-request parts from every module.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Orm } from '../db/orm';
import type { Metrics } from '../metrics';
import type { SqlPool } from '../db/pool';
import type { AuthInfo, Authenticate } from '../shared/auth';
import type { ApiKeyCache } from '../shared/key-cache';

/** Long-lived parts of the app that a request may use (features add theirs). */
export interface AppDeps {
  config: Config;
  orm: Orm;
  keyCache: ApiKeyCache;
  /** Plain pg pool for set-based hot paths (ingestion, exports, rollups). */
  sql: SqlPool;
  metrics: Metrics;
  /** The app's logger (requests log through fastify's child of it). */
  logger: Logger;
  /** The caller behind an API key (the workspaces feature's, handed over by the composition root). */
  authenticate: Authenticate;
  /** Builds one request's services and dataloaders from every feature module (src/modules.ts). */
  perRequest(scope: RequestScope): { services: Services; loaders: Loaders };
}

/** Services bound to one request's unit of work and the caller's workspace (features add theirs). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Services {}

/** One set of dataloaders per request, scoped to the caller's workspace (features add theirs). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Loaders {}

/** What a feature's service and loader factories get for one request. */
export interface RequestScope {
  app: AppDeps;
  auth: AuthInfo;
  em: EntityManager;
  workspaceId: string;
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
  const { services, loaders } = deps.perRequest({ app: deps, auth, em, workspaceId: auth.workspaceId });
  return { app: deps, auth, requestId, em, loaders, services };
}
