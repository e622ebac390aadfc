import { Arg, Ctx, Extensions, Field, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { RejectedEvent } from '../contacts/contact.resolver';
import type { Context } from '../graphql/context';
import { VALIDATED_PER_ITEM } from '../graphql/input-guard';
import { connection, PageInfo } from '../graphql/pagination';

/** Validated row by row (one bad row never fails its neighbours): see graphql/input-guard.ts. */
@Extensions(VALIDATED_PER_ITEM)
@InputType()
export class MerchantInput {
  @Field(() => ID, { description: 'the merchantId events carry (1–200 characters, exactly as sent)' })
  id!: string;

  @Field()
  name!: string;
}

@ObjectType()
export class Merchant {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'the name given with upsertMerchants; the id for a merchant only seen in events' })
  name!: string;

  @Field({ description: 'false when no name was given yet' })
  named!: boolean;

  @Field(() => Int, { description: 'contacts with interactions in the last affinity refresh' })
  contacts!: number;

  @Field(() => Float, { nullable: true, description: 'prior share of attention (workspace popularity) in the last affinity refresh; null if not seen' })
  popularity!: number | null;

  @Field()
  createdAt!: Date;
}

@ObjectType()
export class MerchantEdge {
  @Field()
  cursor!: string;

  @Field(() => Merchant)
  node!: Merchant;
}

@ObjectType()
export class MerchantConnection {
  @Field(() => [Merchant])
  nodes!: Merchant[];

  @Field(() => [MerchantEdge])
  edges!: MerchantEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class UpsertMerchantsPayload {
  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => [RejectedEvent])
  rejected!: RejectedEvent[];
}

@ObjectType()
export class MerchantAffinity {
  @Field(() => ID)
  merchantId!: string;

  @Field({ description: 'the merchant id when no name was given' })
  merchantName!: string;

  @Field(() => Float, { description: 'posterior mean share of the contact’s attention, 0–1 (Dirichlet toward the workspace’s merchant popularity)' })
  score!: number;

  @Field(() => Int, { description: 'weighted interactions (purchases, clicks, replies, opens) within the last 365 days' })
  interactions!: number;

  @Field()
  computedAt!: Date;
}

@Resolver()
export class MerchantResolver {
  @Mutation(() => UpsertMerchantsPayload, { description: 'names merchants by id (creates or renames); at most 10,000 per call' })
  upsertMerchants(@Arg('merchants', () => [MerchantInput]) merchants: MerchantInput[], @Ctx() ctx: Context): Promise<UpsertMerchantsPayload> {
    return ctx.services.merchants.upsert(merchants);
  }

  @Query(() => MerchantConnection, { description: 'merchants by id: named ones and those seen in events' })
  async merchants(
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<MerchantConnection> {
    return connection(await ctx.services.merchants.list(first ?? 50, after));
  }

  @Query(() => [MerchantAffinity], { description: 'the contact’s merchants, highest affinity first (limit 1–100)' })
  merchantAffinity(
    @Arg('contactId', () => ID) contactId: string,
    @Arg('limit', () => Int, { nullable: true, defaultValue: 10 }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<MerchantAffinity[]> {
    return ctx.services.merchants.affinity(contactId, limit ?? 10);
  }
}
