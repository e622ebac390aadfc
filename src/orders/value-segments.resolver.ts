import DataLoader from 'dataloader';
import { Arg, Ctx, Field, FieldResolver, Float, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import type { Context, RequestScope } from '../graphql/context';
import { DEFAULT_VALUE_BOUNDARIES, validateBoundaries } from './value-segments';
import { ValueSegmentService, type CampaignValueSegmentValue } from './value-segments.service';

@ObjectType({ description: 'contacts in one lifetime-value band (contacts.totalSpend); the first band is the contacts without orders' })
export class ValueSegment {
  @Field({ description: '"no orders", then "[min, max)" and the open "[min, ∞)"' })
  label!: string;

  @Field(() => Float, { description: 'inclusive; 0 for "no orders"' })
  minSpend!: number;

  @Field(() => Float, { nullable: true, description: 'exclusive; null: open-ended; 0 for "no orders"' })
  maxSpend!: number | null;

  @Field(() => Int)
  contacts!: number;

  @Field(() => Int, { description: 'sum of the contacts\' order counts' })
  orders!: number;

  @Field(() => Float)
  totalSpend!: number;

  @Field(() => Float, { nullable: true, description: 'totalSpend / contacts; null without contacts' })
  averageSpend!: number | null;
}

@ObjectType({ description: "a campaign's sent recipients in one lifetime-value band, by the contact's CURRENT totals (the campaign's own orders included)" })
export class CampaignValueSegment {
  @Field()
  label!: string;

  @Field(() => Float)
  minSpend!: number;

  @Field(() => Float, { nullable: true })
  maxSpend!: number | null;

  @Field(() => Int, { description: 'recipients a message went out to (assignments with a send)' })
  sent!: number;

  @Field(() => Int)
  converted!: number;

  @Field(() => Float, { description: 'converted / sent; 0 when none was sent' })
  conversionRate!: number;

  @Field(() => Float, { description: 'the recipients\' revenue in this campaign' })
  revenue!: number;
}

/** Campaign.valueSegments for a whole list at once: one loader (one query) per set of boundaries. */
export function valueSegmentLoaders({ em, workspaceId }: RequestScope) {
  const service = new ValueSegmentService(em, workspaceId);
  const byBoundaries = new Map<string, DataLoader<string, CampaignValueSegmentValue[]>>();
  return {
    campaignValueSegments(boundaries: readonly number[]): DataLoader<string, CampaignValueSegmentValue[]> {
      const key = JSON.stringify(boundaries);
      let loader = byBoundaries.get(key);
      if (!loader) {
        loader = new DataLoader(async (ids) => {
          const byCampaign = await service.campaignSegments(ids, boundaries);
          return ids.map((id) => byCampaign.get(id) ?? []);
        });
        byBoundaries.set(key, loader);
      }
      return loader;
    },
  };
}

const boundariesArg = { nullable: true, defaultValue: DEFAULT_VALUE_BOUNDARIES, description: 'ascending spend boundaries, > 0, at most 20' };

@Resolver()
export class ValueSegmentResolver {
  @Query(() => [ValueSegment], { description: 'contacts by lifetime-value band: "no orders", then [0, b1), [b1, b2), …, [bn, ∞)' })
  valueSegments(@Arg('boundaries', () => [Float], boundariesArg) boundaries: number[] | null, @Ctx() ctx: Context): Promise<ValueSegment[]> {
    return ctx.services.valueSegments.segments(validateBoundaries(boundaries ?? DEFAULT_VALUE_BOUNDARIES));
  }
}

@Resolver(() => Campaign)
export class CampaignValueSegmentResolver {
  @FieldResolver(() => [CampaignValueSegment], { description: "the campaign's sent recipients and their conversion by lifetime-value band (the contact's current totals)" })
  valueSegments(@Root() campaign: Campaign, @Arg('boundaries', () => [Float], boundariesArg) boundaries: number[] | null, @Ctx() ctx: Context): Promise<CampaignValueSegment[]> {
    return ctx.loaders.campaignValueSegments(validateBoundaries(boundaries ?? DEFAULT_VALUE_BOUNDARIES)).load(campaign.id);
  }
}
