import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context';
import { connection } from '../graphql/pagination';
import { ExperimentConfig } from './experiment-config';
import { Campaign } from './campaign.entity';
import { CampaignConnection, CampaignFilter, CreateCampaignInput, UpdateCampaignInput } from './campaign.types';
import { CampaignType } from './enums';
import { Variant } from './variant.entity';

@Resolver(() => Campaign)
export class CampaignResolver {
  @Query(() => Campaign, { nullable: true })
  campaign(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Campaign> {
    return ctx.services.campaigns.get(id);
  }

  @Query(() => CampaignConnection)
  async campaigns(
    @Arg('filter', () => CampaignFilter, { nullable: true }) filter: CampaignFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<CampaignConnection> {
    const page = await ctx.services.campaigns.list(filter, first ?? 20, after);
    // A getter: the count query runs only when `totalCount` is selected.
    return Object.defineProperty(connection(page), 'totalCount', { get: () => page.totalCount, enumerable: true }) as CampaignConnection;
  }

  @Mutation(() => Campaign)
  createCampaign(@Arg('input', () => CreateCampaignInput) input: CreateCampaignInput, @Ctx() ctx: Context): Promise<Campaign> {
    return ctx.services.campaigns.create(input);
  }

  @Mutation(() => Campaign, { description: 'only while DRAFT or SCHEDULED (else CONFLICT)' })
  updateCampaign(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateCampaignInput) input: UpdateCampaignInput,
    @Ctx() ctx: Context,
  ): Promise<Campaign> {
    return ctx.services.campaigns.update(id, input);
  }

  @Mutation(() => Campaign)
  duplicateCampaign(
    @Arg('id', () => ID) id: string,
    @Arg('name', () => String, { nullable: true }) name: string | null,
    @Ctx() ctx: Context,
  ): Promise<Campaign> {
    return ctx.services.campaigns.duplicate(id, name);
  }

  @Mutation(() => Campaign)
  archiveCampaign(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Campaign> {
    return ctx.services.campaigns.archive(id);
  }

  @FieldResolver(() => [Variant])
  variants(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<Variant[]> {
    return ctx.loaders.variantsByCampaignId.load(campaign.id);
  }

  /**
   * The seed assignment hashes with (READ, like every field): GrowthBook's hash v2 of seed and
   * contact id, mapped onto the variants' weights, reproduces each recipient's variant offline.
   */
  @FieldResolver(() => String, {
    description:
      'the GrowthBook hash seed: an SDK given this seed and a contact id picks the same variant (hash version 2, hashAttribute = the contact id, weights = variants in order, coverage = testAudiencePercent / 100)',
  })
  hashSeed(@Root() campaign: Campaign): string {
    return campaign.salt;
  }

  /** STANDARD campaigns send one message and run no experiment. */
  @FieldResolver(() => ExperimentConfig, { nullable: true })
  experiment(@Root() campaign: Campaign): ExperimentConfig | null {
    return campaign.type === CampaignType.STANDARD ? null : campaign.experiment;
  }
}
