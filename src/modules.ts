/**
 * The composition root's list of features. Adding a feature is a folder with a `module.ts`
 * (entities, resolvers, services, dataloaders, routes, jobs — see src/shared/module.ts) and one
 * line here. Order matters only for readability: lower layers first.
 */
import type { Loaders, RequestScope, Services } from './graphql/context';
import { analyticsModule } from './analytics/module';
import { campaignsModule } from './campaigns/module';
import { contactsModule } from './contacts/module';
import { experimentsModule } from './experiments/module';
import { liveModule } from './live/module';
import { operationsModule } from './operations/module';
import { optimizationModule } from './optimization/module';
import { plansModule } from './plans/module';
import { ordersModule } from './orders/module';
import { reportsModule } from './reports/module';
import { sendingModule } from './sending/module';
import { trackingModule } from './tracking/module';
import { workspacesModule } from './workspaces/module';

export const MODULES = [workspacesModule, plansModule, contactsModule, campaignsModule, experimentsModule, trackingModule, analyticsModule, sendingModule, ordersModule, reportsModule, optimizationModule, operationsModule, liveModule] as const;

type Module = (typeof MODULES)[number];
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type Built<K extends 'services' | 'loaders'> = UnionToIntersection<Module extends infer M ? (M extends { [P in K]?: (scope: RequestScope) => infer R } ? R : never) : never>;
// Compile-time check that every service and loader a feature declared (in its `declare module`) is built by some module.
const servicesComplete: Built<'services'> extends Services ? true : false = true;
const loadersComplete: Built<'loaders'> extends Loaders ? true : false = true;
void servicesComplete;
void loadersComplete;

export const ENTITIES = MODULES.flatMap((m) => m.entities ?? []);
export const RESOLVERS = MODULES.flatMap((m) => m.resolvers ?? []);

/** One request's services and dataloaders, from every module. */
export function perRequest(scope: RequestScope): { services: Services; loaders: Loaders } {
  const services = {} as Services;
  const loaders = {} as Loaders;
  for (const m of MODULES) {
    if (m.services) Object.assign(services, m.services(scope));
    if (m.loaders) Object.assign(loaders, m.loaders(scope));
  }
  return { services, loaders };
}
