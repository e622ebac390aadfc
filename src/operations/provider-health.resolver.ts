import { Ctx, Field, Int, ObjectType, Query, registerEnumType, Resolver } from 'type-graphql';
import { Channel } from '../domain/channel';
import type { Context } from '../graphql/context';
import { providerHealth, type ProviderHealthEntry } from './provider-health';

export enum CircuitStateEnum {
  CLOSED = 'CLOSED',
  OPEN = 'OPEN',
  HALF_OPEN = 'HALF_OPEN',
}
registerEnumType(CircuitStateEnum, { name: 'CircuitState' });

@ObjectType({ description: 'the provider serving one channel of the workspace, and its provider account circuit' })
export class ProviderHealth implements ProviderHealthEntry {
  @Field()
  provider!: string;

  @Field(() => Channel)
  channel!: Channel;

  @Field(() => CircuitStateEnum, { description: 'CLOSED when it never tripped; OPEN: sends are deferred; HALF_OPEN: one probe is out' })
  circuit!: CircuitStateEnum;

  @Field(() => Int, { description: 'retryable provider failures (5xx, 429, network, timeout) in the current window, every instance counted' })
  recentFailures!: number;

  @Field(() => String, { nullable: true, description: 'the last retryable provider failure' })
  lastError!: string | null;

  @Field({ description: 'the provider account (e.g. twilio:<AccountSid>:<from>:<channel>): identifiers, never credentials' })
  account!: string;

  @Field(() => Date, { nullable: true, description: 'when the circuit left CLOSED (kept while probes fail)' })
  openedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'OPEN: when a probe may go; HALF_OPEN: when the probe out is given up' })
  retryAt!: Date | null;
}

@Resolver()
export class ProviderHealthResolver {
  @Query(() => [ProviderHealth], { description: 'per channel the workspace can send on: its provider and the circuit of the provider account' })
  providerHealth(@Ctx() ctx: Context): Promise<ProviderHealth[]> {
    return providerHealth(ctx.app.sql, ctx.app.providers, ctx.auth.workspaceId, ctx.app.config.circuit.windowSeconds) as Promise<ProviderHealth[]>;
  }
}
