/** `reconcileMessages` (ADMIN: it calls providers on the workspace's behalf) and `reconciliationRuns` (READ). */
import { Arg, Authorized, Ctx, Field, ID, Int, Mutation, ObjectType, Query, registerEnumType, Resolver } from 'type-graphql';
import { checkPageSize } from '../db/keyset';
import type { Context } from '../graphql/context';
import { ApiScope } from '../shared/auth';
import { reconcileSince } from './reconciliation';
import { reconciliationService, type ReconcileTrigger, type ReconciliationRunRow } from './reconciliation.service';

export enum ReconciliationTrigger {
  JOB = 'JOB',
  MUTATION = 'MUTATION',
}
registerEnumType(ReconciliationTrigger, { name: 'ReconciliationTrigger', description: 'what started a reconciliation run' });

@ObjectType({ description: 'one reconciliation run: messages without a final status, checked with the provider that sent them' })
export class ReconciliationRun implements ReconciliationRunRow {
  @Field(() => ID)
  id!: string;
  @Field(() => ReconciliationTrigger)
  trigger!: ReconcileTrigger;
  @Field({ description: 'messages sent since this instant were looked at' })
  since!: Date;
  @Field()
  startedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'null while the run is in progress' })
  finishedAt!: Date | null;
  @Field(() => Int, { description: 'messages asked about (the sum of the counts below)' })
  checked!: number;
  @Field(() => Int, { description: 'messages whose final status (delivered / failed) was recorded by this run' })
  updated!: number;
  @Field(() => Int, { description: 'messages the provider does not know' })
  notFound!: number;
  @Field(() => Int, { description: 'messages the provider still has in flight (queued, sending, sent)' })
  stillPending!: number;
  @Field(() => Int, { description: 'messages whose provider offers no status lookup (WhatsApp Cloud API, SMTP, simulated email)' })
  unsupported!: number;
  @Field(() => Int, { description: 'lookups that failed (provider outage, timeout, credentials), or a status that could not be recorded' })
  failedLookups!: number;
  @Field(() => Int, { description: 'final statuses already recorded when this run applied them (a callback came first)' })
  alreadySettled!: number;
  @Field(() => String, { nullable: true, description: 'why the run stopped early, if it did' })
  error!: string | null;
}

@Resolver()
export class ReconciliationResolver {
  @Authorized(ApiScope.ADMIN)
  @Mutation(() => ReconciliationRun, {
    description: `ADMIN. Asks the providers about this workspace's messages without a final status (sent more than RECONCILE_AFTER_MINUTES ago and since \`since\`, default 7 days ago, at most 90) and records what changed`,
  })
  async reconcileMessages(@Arg('since', () => Date, { nullable: true }) since: Date | null, @Ctx() ctx: Context): Promise<ReconciliationRunRow> {
    const from = reconcileSince(since, new Date());
    return reconciliationService(ctx.app).run(ctx.auth.workspaceId, from, 'MUTATION');
  }

  @Query(() => [ReconciliationRun], { description: "this workspace's reconciliation runs, newest first" })
  async reconciliationRuns(@Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null, @Ctx() ctx: Context): Promise<ReconciliationRunRow[]> {
    const n = first ?? 20;
    checkPageSize(n);
    return reconciliationService(ctx.app).list(ctx.auth.workspaceId, n);
  }
}
