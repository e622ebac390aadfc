import { Arg, Ctx, Extensions, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { forbidden } from '../errors';
import { OPERATOR_ONLY, OPERATOR_VISIBLE } from '../graphql/authorization';
import type { Context } from '../graphql/context';
import { Workspace } from '../workspaces/workspace.entity';
import { PlanUsage } from './plan.types';

@Resolver(() => Workspace)
export class PlanResolver {
  @Extensions({ [OPERATOR_VISIBLE]: true })
  @FieldResolver(() => PlanUsage, { description: "the workspace's plan and this calendar month's (UTC) use of it" })
  plan(@Root() ws: Workspace, @Ctx() ctx: Context): Promise<PlanUsage> {
    return ctx.services.plans.usage(ws.id);
  }

  @Extensions({ [OPERATOR_ONLY]: true })
  @Mutation(() => Workspace, { description: 'needs the operator key (OPERATOR_API_KEY), not a workspace key' })
  setWorkspacePlan(@Arg('workspaceId', () => ID) workspaceId: string, @Arg('plan') plan: string, @Ctx() ctx: Context): Promise<Workspace> {
    // Above any workspace ADMIN: a workspace key, whatever its scopes, may not choose its own plan.
    if (!ctx.auth.operator) throw forbidden('setWorkspacePlan needs the operator key (OPERATOR_API_KEY); a workspace key cannot change plans');
    return ctx.services.plans.setPlan(workspaceId, plan);
  }
}
