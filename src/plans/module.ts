/**
 * Workspace plans: the plans configured (PLANS, DEFAULT_PLAN), the operator's setWorkspacePlan,
 * Workspace.plan (this month's use). Campaigns, learning and the sender check against the plan;
 * operations raises PLAN_USAGE alerts from ./usage-alerts.ts.
 */
import { defineModule } from '../graphql/module';
import { PlanResolver } from './plan.resolver';
import { PlanService } from './plan.service';
import { catalogFor } from './plans';

declare module '../graphql/context' {
  interface Services {
    plans: PlanService;
  }
}

export const plansModule = defineModule({
  name: 'plans',
  resolvers: [PlanResolver],
  services: ({ em, workspaceId, app }) => ({ plans: new PlanService(em, app.sql, workspaceId, catalogFor(app.config, app.logger)) }),
});
