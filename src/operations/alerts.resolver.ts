/** `alerts(open, first)`: the workspace's alerts, newest first, with their deliveries (READ). */
import { Arg, Ctx, Field, GraphQLISODateTime, ID, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { Context } from '../graphql/context';
import { GraphQLJSON } from '../graphql/scalars';
import { checkPageSize } from '../db/keyset';
import type { AlertKind } from './alert-condition';

export enum AlertStateValue {
  RAISED = 'RAISED',
  CLEARED = 'CLEARED',
}
registerEnumType(AlertStateValue, { name: 'AlertState', description: 'RAISED while the condition holds; CLEARED once it no longer does' });

@ObjectType({ description: "One notification of an alert to one of the workspace's destinations" })
export class AlertDelivery {
  @Field({ description: 'RAISED or CLEARED: which notification' })
  state!: string;

  @Field({ description: 'WEBHOOK (alertWebhookUrl) or EMAIL (alertEmail)' })
  channel!: string;

  @Field({ description: 'PENDING (retried on later runs), DELIVERED, or FAILED (given up)' })
  status!: string;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  deliveredAt!: Date | null;
}

@ObjectType({ description: 'One condition from when it was raised until it cleared (one alert per condition)' })
export class Alert {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'WEBHOOKS_SILENT, CIRCUIT_OPEN, DEAD_LETTERS, SRM_DETECTED, JOB_FAILING or PLAN_USAGE' })
  kind!: AlertKind;

  @Field(() => AlertStateValue)
  state!: AlertStateValue;

  @Field({ description: 'the condition, stable while it holds, e.g. DEAD_LETTERS:twilio' })
  key!: string;

  @Field()
  summary!: string;

  @Field(() => GraphQLJSON)
  details!: Record<string, unknown>;

  @Field(() => GraphQLISODateTime)
  raisedAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  clearedAt!: Date | null;

  @Field(() => [AlertDelivery])
  deliveries!: AlertDelivery[];
}

@Resolver(() => Alert)
export class AlertsResolver {
  @Query(() => [Alert], { description: "The workspace's alerts, newest first; open: true only those not cleared, false only cleared ones" })
  async alerts(
    @Arg('open', () => Boolean, { nullable: true }) open: boolean | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() ctx: Context,
  ): Promise<Alert[]> {
    checkPageSize(first);
    const rows = await ctx.em.execute<{ id: string; kind: AlertKind; key: string; summary: string; details: Record<string, unknown>; raised_at: Date; cleared_at: Date | null }[]>(
      `select id, kind, key, summary, details, raised_at, cleared_at from alerts
       where workspace_id = ? and (?::boolean is null or (cleared_at is null) = ?::boolean)
       order by raised_at desc, id desc limit ?`,
      [ctx.auth.workspaceId, open, open, first],
    );
    if (rows.length === 0) return [];
    const deliveries = await ctx.em.execute<{ alert_id: string; state: string; channel: string; status: string; attempts: number; last_error: string | null; delivered_at: Date | null }[]>(
      `select alert_id, state, channel, status, attempts, last_error, delivered_at from alert_deliveries
       where workspace_id = ? and alert_id in (select jsonb_array_elements_text(?::jsonb)::uuid) order by created_at, channel`,
      [ctx.auth.workspaceId, JSON.stringify(rows.map((r) => r.id))],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      state: r.cleared_at ? AlertStateValue.CLEARED : AlertStateValue.RAISED,
      key: r.key,
      summary: r.summary,
      details: r.details,
      raisedAt: new Date(r.raised_at),
      clearedAt: r.cleared_at ? new Date(r.cleared_at) : null,
      deliveries: deliveries
        .filter((d) => d.alert_id === r.id)
        .map((d) => ({ state: d.state, channel: d.channel, status: d.status, attempts: d.attempts, lastError: d.last_error, deliveredAt: d.delivered_at ? new Date(d.delivered_at) : null })),
    }));
  }
}
