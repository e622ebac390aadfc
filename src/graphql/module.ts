/**
 * The shape of a feature module: what one feature folder brings to the app, in one place (its
 * `module.ts`), in the spirit of fastify's plugins. The composition root (src/modules.ts) lists the
 * modules; infrastructure takes their parts without knowing any feature.
 */
import type { EntityClass } from '@mikro-orm/core';
import type { FastifyInstance } from 'fastify';
import type { AppDeps, Loaders, RequestScope, Services } from './context';
import type { JobDefinition } from '../jobs/scheduler';

export interface FeatureModule<S extends Partial<Services> = Partial<Services>, L extends Partial<Loaders> = Partial<Loaders>> {
  name: string;
  /** MikroORM entities (the SQL lives in migrations/). */
  entities?: EntityClass<object>[];
  /** type-graphql resolver classes. */
  resolvers?: Function[]; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  /** This feature's request-scoped services (its keys of `Services`). */
  services?(scope: RequestScope): S;
  /** This feature's request-scoped dataloaders (its keys of `Loaders`). */
  loaders?(scope: RequestScope): L;
  /** HTTP routes (REST shim, webhooks), registered as a fastify plugin. */
  routes?(fastify: FastifyInstance, deps: AppDeps): Promise<void> | void;
  /** Scheduled jobs (instances with JOBS=on). */
  jobs?(deps: AppDeps): JobDefinition[];
}

/** Keeps a module's own service and loader types, so the root can check that every declared one is built. */
export function defineModule<S extends Partial<Services> = Record<never, never>, L extends Partial<Loaders> = Record<never, never>>(m: FeatureModule<S, L>): FeatureModule<S, L> {
  return m;
}
