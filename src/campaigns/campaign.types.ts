import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ExperimentConfigInput } from './experiment-config';
import { PageInfo } from '../graphql/pagination';
import { AudienceInput } from './audience';
import { Campaign } from './campaign.entity';
import { CampaignStatus, CampaignType } from './enums';
import { Channel } from '../domain/channel';

@InputType()
export class WhatsAppTemplateInput {
  @Field({ description: 'the template name registered with Meta (WhatsApp Cloud API), or its Content SID HX… (Twilio)' })
  name!: string;

  @Field()
  language!: string;

  @Field(() => [String], { nullable: true })
  parameters?: string[] | null;
}

@InputType()
export class VariantInput {
  @Field(() => String, { nullable: true, description: 'defaults to the next free letter: A, B, …' })
  key?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'the text (SMS, WhatsApp free text, email text part); with templateId, defaults to the library template\'s body' })
  template?: string | null;

  @Field(() => Float, { nullable: true, description: 'percent; omitted weights share the rest equally' })
  weight?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'exactly one control; the first variant unless marked' })
  isControl?: boolean | null;

  @Field(() => String, { nullable: true, description: 'EMAIL (required there): subject line; may use variables' })
  subject?: string | null;

  @Field(() => String, { nullable: true, description: 'EMAIL: optional HTML body (the template is the text part); may use variables' })
  html?: string | null;

  @Field(() => WhatsAppTemplateInput, { nullable: true, description: 'WHATSAPP: approved template sent outside the 24-hour customer-service window' })
  whatsappTemplate?: WhatsAppTemplateInput | null;

  @Field(() => ID, { nullable: true, description: 'create the variant from a library template (its body, subject, html); fields given here win' })
  templateId?: string | null;
}

@InputType()
export class CreateCampaignInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Channel, { nullable: true, defaultValue: Channel.SMS })
  channel?: Channel | null;

  @Field(() => CampaignType, { nullable: true, defaultValue: CampaignType.STANDARD })
  type?: CampaignType | null;

  @Field(() => [VariantInput], { description: 'STANDARD: exactly 1; AB_TEST and BANDIT: 2 to 8' })
  variants!: VariantInput[];

  @Field(() => ExperimentConfigInput, { nullable: true })
  experiment?: ExperimentConfigInput | null;

  @Field(() => AudienceInput, { nullable: true })
  audience?: AudienceInput | null;

  @Field(() => Float, { nullable: true })
  offerAmount?: number | null;

  @Field(() => Float, { nullable: true, defaultValue: 0 })
  costPerMessage?: number | null;
}

@InputType()
export class UpdateCampaignInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [VariantInput], {
    nullable: true,
    description: 'the full new list; variants are matched to existing ones by key, so their ids and recipients stay',
  })
  variants?: VariantInput[] | null;

  @Field(() => ExperimentConfigInput, { nullable: true, description: 'replaces the whole configuration; omitted fields take their defaults' })
  experiment?: ExperimentConfigInput | null;

  @Field(() => AudienceInput, { nullable: true, description: 'replaces the audience; null removes it' })
  audience?: AudienceInput | null;

  @Field(() => Float, { nullable: true })
  offerAmount?: number | null;

  @Field(() => Float, { nullable: true })
  costPerMessage?: number | null;
}

@InputType()
export class CampaignFilter {
  @Field(() => [CampaignStatus], { nullable: true, description: 'ARCHIVED campaigns are listed only when asked for here' })
  status?: CampaignStatus[] | null;

  @Field(() => [CampaignType], { nullable: true })
  type?: CampaignType[] | null;

  @Field(() => String, { nullable: true, description: 'case-insensitive match on name and description' })
  search?: string | null;
}

@ObjectType({ description: 'Relay edge: a campaign and the cursor `after:` continues from' })
export class CampaignEdge {
  @Field()
  cursor!: string;

  @Field(() => Campaign)
  node!: Campaign;
}

@ObjectType()
export class CampaignConnection {
  @Field(() => [Campaign])
  nodes!: Campaign[];

  @Field(() => [CampaignEdge], { description: 'the same campaigns as `nodes`, with their cursors (for Relay-style clients)' })
  edges!: CampaignEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
