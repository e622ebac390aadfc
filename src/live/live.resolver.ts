import { Arg, Field, ID, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import type { Context } from '../graphql/context';
import { VariantStats } from '../tracking/variant-stats';
import { ExperimentAnalysis, WinnerDeclaredEvent } from '../experiments/analysis.types';
import type { Winner } from '../experiments/winner.entity';
import type { StatsUpdate } from './live.service';

@ObjectType()
export class VariantStatsUpdate {
  @Field(() => ID)
  campaignId!: string;

  @Field(() => [VariantStats])
  variants!: VariantStats[];

  @Field(() => ExperimentAnalysis, { nullable: true, description: 'null for campaigns without an experiment' })
  analysis!: ExperimentAnalysis | null;

  @Field()
  at!: Date;
}

interface SubscribeData {
  args: Record<string, string | null | undefined>;
  context: Context;
}

@Resolver()
export class LiveResolver {
  @Subscription(() => VariantStatsUpdate, {
    description: 'Live per-variant stats; coalesced to at most one message per campaign per LIVE_COALESCE_MS (250 ms by default).',
    subscribe: ({ args, context }: SubscribeData) => context.app.live.subscribeStats(context.auth.workspaceId, args.campaignId!),
  })
  variantStatsUpdated(@Arg('campaignId', () => ID) _campaignId: string, @Root() update: StatsUpdate): VariantStatsUpdate {
    return update;
  }

  @Subscription(() => Campaign, {
    description: "Status changes of one campaign, or of all the workspace's campaigns.",
    subscribe: ({ args, context }: SubscribeData) => context.app.live.subscribeStatus(context.auth.workspaceId, args.campaignId),
  })
  campaignStatusChanged(@Arg('campaignId', () => ID, { nullable: true }) _campaignId: string | null, @Root() campaign: Campaign): Campaign {
    return campaign;
  }

  @Subscription(() => WinnerDeclaredEvent, {
    description: "Winner declarations (automatic or manual) of one campaign, or of all the workspace's campaigns.",
    subscribe: ({ args, context }: SubscribeData) => context.app.live.subscribeWinners(context.auth.workspaceId, args.campaignId),
  })
  winnerDeclared(@Arg('campaignId', () => ID, { nullable: true }) _campaignId: string | null, @Root() winner: Winner): WinnerDeclaredEvent {
    return { campaignId: winner.campaignId, winner };
  }
}
