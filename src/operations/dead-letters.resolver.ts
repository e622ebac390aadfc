/** webhookRetries (READ), requeueWebhookRetry and requeueDeadWebhooks (ADMIN). Thin: see dead-letters.ts. */
import { Arg, Authorized, Ctx, Field, ID, Int, Mutation, ObjectType, Query, registerEnumType, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { PageInfo, connection } from '../graphql/pagination';
import { ApiScope } from '../shared/auth';
import { DeadLetters, type RetryRow } from './dead-letters';

export enum RetryStatus {
  PENDING = 'PENDING',
  DEAD = 'DEAD',
  DONE = 'DONE',
}
registerEnumType(RetryStatus, { name: 'RetryStatus', description: 'PENDING: waiting for its next attempt; DEAD: given up after its attempts; DONE: processed' });

@ObjectType({ description: 'What a queued webhook asked for: no message text, no secrets; addresses partly masked' })
export class WebhookPayloadSummary {
  @Field({ description: '`status` (about a message we sent), `inbound` (a message from a contact) or `unknown`' })
  kind!: string;

  @Field(() => String, { nullable: true, description: 'DELIVERED, FAILED, CLICKED … (INBOUND for an inbound message)' })
  eventType!: string | null;

  @Field(() => String, { nullable: true })
  providerMessageId!: string | null;

  @Field(() => String, { nullable: true, description: "an inbound message's sender, masked (+14•••••••23)" })
  from!: string | null;

  @Field(() => String, { nullable: true, description: 'a bounced email address, masked (j•••@example.com)' })
  address!: string | null;

  @Field(() => String, { nullable: true, description: 'a clicked link without its query string' })
  url!: string | null;

  @Field(() => String, { nullable: true, description: 'the event time as the provider sent it' })
  at!: string | null;

  @Field(() => Int, { nullable: true, description: "an inbound message's length (its text is not shown)" })
  bodyLength!: number | null;

  @Field(() => String, { nullable: true })
  channel!: string | null;
}

@ObjectType()
export class WebhookRetry {
  @Field(() => ID)
  id!: string;

  @Field()
  provider!: string;

  @Field(() => RetryStatus)
  status!: RetryStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => Date, { nullable: true, description: 'PENDING rows only' })
  nextAttemptAt!: Date | null;

  @Field()
  receivedAt!: Date;

  @Field({ description: 'the last attempt (or requeue)' })
  updatedAt!: Date;

  @Field(() => WebhookPayloadSummary)
  summary!: WebhookPayloadSummary;
}

@ObjectType()
export class WebhookRetryEdge {
  @Field()
  cursor!: string;

  @Field(() => WebhookRetry)
  node!: WebhookRetry;
}

@ObjectType()
export class WebhookRetryConnection {
  @Field(() => [WebhookRetry])
  nodes!: WebhookRetry[];

  @Field(() => [WebhookRetryEdge], { description: 'the same rows as `nodes`, with their cursors (for Relay-style clients)' })
  edges!: WebhookRetryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

const deadLetters = (ctx: Context) => new DeadLetters(ctx.app.sql, ctx.app.retries, ctx.auth.workspaceId);

@Resolver(() => WebhookRetry)
export class DeadLettersResolver {
  @Query(() => WebhookRetryConnection, { description: 'the webhook retry queue, newest first' })
  async webhookRetries(
    @Arg('status', () => RetryStatus, { nullable: true }) status: RetryStatus | null,
    @Arg('provider', () => String, { nullable: true }) provider: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<{ nodes: RetryRow[]; edges: { cursor: string; node: RetryRow }[]; pageInfo: PageInfo }> {
    return connection(await deadLetters(ctx).list(status, provider, first ?? 50, after));
  }

  @Authorized(ApiScope.ADMIN)
  @Mutation(() => WebhookRetry, { description: 'ADMIN. Processes the row now (any status) through the retry queue; idempotent (event keys). Answers the row after.' })
  requeueWebhookRetry(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<RetryRow> {
    return deadLetters(ctx).requeue(id);
  }

  @Authorized(ApiScope.ADMIN)
  @Mutation(() => Int, { description: 'ADMIN. DEAD rows (of this provider, or all) back to PENDING with fresh attempts, due now; a queue run starts. Answers how many.' })
  requeueDeadWebhooks(@Arg('provider', () => String, { nullable: true }) provider: string | null, @Ctx() ctx: Context): Promise<number> {
    return deadLetters(ctx).requeueDead(provider);
  }
}
