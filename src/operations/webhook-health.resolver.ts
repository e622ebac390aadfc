/** webhookHealth (READ): one entry per provider with activity, and its hourly history. Thin: the SQL is in webhook-health.ts. */
import { Arg, Ctx, Field, Float, Int, ObjectType, Query, registerEnumType, Resolver, FieldResolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context';
import { badInput } from '../errors';
import { SNAPSHOT_RETENTION_HOURS, webhookHealth, type WebhookHealthRow, type WebhookHealthSnapshot as Snapshot } from './webhook-health';

export enum WebhookHealthStatus {
  HEALTHY = 'HEALTHY',
  DEGRADED = 'DEGRADED',
  SILENT = 'SILENT',
}
registerEnumType(WebhookHealthStatus, { name: 'WebhookHealthStatus' });

@ObjectType({ description: 'One hour of webhook health (the hourly snapshot job): counts are of the hour before the snapshot' })
export class WebhookHealthSnapshot {
  @Field()
  hour!: Date;

  @Field(() => WebhookHealthStatus)
  status!: WebhookHealthStatus;

  @Field(() => Int)
  received!: number;

  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  duplicate!: number;

  @Field(() => Int)
  badSignature!: number;

  @Field(() => Int)
  malformed!: number;

  @Field(() => Int)
  retried!: number;

  @Field(() => Int)
  rateLimited!: number;

  @Field(() => Int)
  retrying!: number;

  @Field(() => Int)
  dead!: number;

  @Field(() => Int)
  sent!: number;

  @Field(() => Int)
  awaitingCallback!: number;

  @Field(() => Float, { nullable: true })
  lagP50Seconds!: number | null;

  @Field(() => Float, { nullable: true })
  lagP95Seconds!: number | null;

  @Field(() => Date, { nullable: true })
  lastReceivedAt!: Date | null;
}

@ObjectType({ description: "A provider's webhooks as this workspace receives them (counts: requests of the last hour, by outcome)" })
export class WebhookHealth {
  @Field()
  provider!: string;

  @Field(() => WebhookHealthStatus, { description: 'SILENT: messages wait for a callback past WEBHOOK_SILENT_AFTER_SECONDS and nothing came; DEGRADED: see reasons' })
  status!: WebhookHealthStatus;

  @Field(() => [String], { description: 'why the status is not HEALTHY (empty when it is)' })
  reasons!: string[];

  @Field(() => Date, { nullable: true, description: 'the last callback that passed its signature check (accepted, duplicate or queued for a retry), within 48 hours' })
  lastReceivedAt!: Date | null;

  @Field(() => Int, { description: 'requests of every outcome' })
  receivedLastHour!: number;

  @Field(() => Int, { description: 'processed or ignored (a status we do not record)' })
  acceptedLastHour!: number;

  @Field(() => Int, { description: 'already recorded (a redelivery)' })
  duplicateLastHour!: number;

  @Field(() => Int)
  badSignatureLastHour!: number;

  @Field(() => Int)
  malformedLastHour!: number;

  @Field(() => Int, { description: 'parked in the retry queue (e.g. a callback that overtook its message)' })
  retriedLastHour!: number;

  @Field(() => Int)
  rateLimitedLastHour!: number;

  @Field(() => Int, { description: 'retry rows waiting now' })
  retrying!: number;

  @Field(() => Int, { description: 'dead letters now (given up after their attempts; see webhookRetries)' })
  dead!: number;

  @Field(() => Int)
  deadLastHour!: number;

  @Field(() => Int, { description: 'messages sent through this provider in the last hour' })
  sentLastHour!: number;

  @Field(() => Int, { description: 'messages sent in the last 24 h, longer ago than the silence window, without a status callback yet' })
  awaitingCallback!: number;

  @Field(() => Float, { nullable: true, description: 'seconds from send to the first status callback, median over messages sent in the last hour' })
  lagP50Seconds!: number | null;

  @Field(() => Float, { nullable: true })
  lagP95Seconds!: number | null;
}

@Resolver(() => WebhookHealth)
export class WebhookHealthResolver {
  @Query(() => [WebhookHealth], { description: 'one entry per provider with activity in the last 24 hours (messages sent, callbacks, retry rows)' })
  async webhookHealth(@Ctx() ctx: Context): Promise<WebhookHealthRow[]> {
    return webhookHealth(ctx.app.sql, ctx.auth.workspaceId, ctx.app.config);
  }

  @FieldResolver(() => [WebhookHealthSnapshot], { description: 'hourly snapshots, oldest first' })
  history(@Root() row: WebhookHealthRow, @Arg('hours', () => Int, { nullable: true, defaultValue: 24 }) hoursArg: number | null, @Ctx() ctx: Context): Promise<Snapshot[]> {
    const hours = hoursArg ?? 24;
    if (!Number.isInteger(hours) || hours < 1 || hours > SNAPSHOT_RETENTION_HOURS) {
      throw badInput('INVALID_HOURS', `hours must be between 1 and ${SNAPSHOT_RETENTION_HOURS}`, 'hours');
    }
    return ctx.loaders.webhookHealthHistory.load(`${hours}|${row.provider}`);
  }
}
