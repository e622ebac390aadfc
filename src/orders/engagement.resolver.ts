/** `recomputeEngagementScores` (WRITE): rescores the workspace's contacts now instead of at the nightly job. */
import { Arg, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { MAX_ON_DEMAND_WORKSPACE, MAX_RESCORE_IDS, recomputeOnDemand } from './engagement.service';

@Resolver()
export class EngagementResolver {
  @Mutation(() => Int, {
    description: `Recomputes Contact.engagementScore now (formula: README, "Engagement score") for these contacts, or for every contact of the workspace when contactIds is null or omitted (a workspace of at most ${MAX_ON_DEMAND_WORKSPACE} contacts, else TOO_MANY_CONTACTS: the nightly job rescores it); at most ${MAX_RESCORE_IDS} ids (TOO_MANY_CONTACTS); unknown or foreign ids are skipped. Returns the number of contacts rescored.`,
  })
  async recomputeEngagementScores(@Arg('contactIds', () => [ID], { nullable: true }) contactIds: string[] | null | undefined, @Ctx() ctx: Context): Promise<number> {
    return recomputeOnDemand(ctx.app.sql, ctx.auth.workspaceId, contactIds ?? null);
  }
}
