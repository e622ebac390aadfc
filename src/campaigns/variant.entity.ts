import { newId } from '../shared/ids';
import { Entity, PrimaryKey, Property, ManyToOne, OptionalProps } from '@mikro-orm/core';
import { Campaign } from './campaign.entity';
import { Workspace } from '../workspaces/workspace.entity';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

/** An approved WhatsApp message template (Meta), sent outside the 24-hour customer-service window. */
@ObjectType()
export class WhatsAppTemplate {
  @Field({ description: 'the approved template: its name registered with Meta (WhatsApp Cloud API), or its Content SID HX… (Twilio)' })
  name!: string;

  @Field({ description: 'its language code, e.g. en_US' })
  language!: string;

  @Field(() => [String], { description: "body parameters {{1}}, {{2}}, … in order; each may use the contact's variables, e.g. {first_name}" })
  parameters!: string[];
}

@ObjectType()
@Entity({ tableName: 'variants' })
export class Variant {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'isControl' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Workspace, { mapToPk: true, fieldName: 'workspace_id' })
  workspaceId!: string;

  @ManyToOne(() => Campaign, { mapToPk: true, fieldName: 'campaign_id' })
  campaignId!: string;

  @Field({ description: 'short stable key, unique within the campaign (A, B, …)' })
  @Property({ type: 'text' })
  key!: string;

  @Field()
  @Property({ type: 'text' })
  name!: string;

  @Field()
  @Property({ type: 'text' })
  template!: string;

  @Field(() => String, { nullable: true, description: 'EMAIL: subject line' })
  @Property({ type: 'text', nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true, description: 'EMAIL: optional HTML body' })
  @Property({ type: 'text', nullable: true })
  html?: string | null;

  @Field(() => WhatsAppTemplate, { nullable: true, description: 'WHATSAPP: approved template used outside the 24-hour window' })
  @Property({ type: 'json', nullable: true })
  whatsappTemplate?: WhatsAppTemplate | null;

  @Field(() => ID, { nullable: true, description: 'the library template it was created from (its text was copied: later edits do not change it)' })
  @Property({ type: 'uuid', nullable: true })
  templateId?: string | null;

  @Field(() => Int, { nullable: true, description: 'the version of that template whose text was copied' })
  @Property({ type: 'integer', nullable: true })
  templateVersion?: number | null;

  @Field(() => Float, {
    description: 'percent of the test audience, 0 < weight < 100 for A/B, sums to 100 within a campaign',
  })
  @Property({ type: 'double' })
  weight!: number;

  @Field()
  @Property({ type: 'boolean' })
  isControl: boolean = false;

  /** Order within the campaign; weights map onto cumulative ranges in this order. */
  @Property({ type: 'smallint' })
  position!: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
