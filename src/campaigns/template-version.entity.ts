import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Channel } from '../domain/channel';
import { WhatsAppTemplate } from './variant.entity';

/** One immutable state of a library template, written by every create and update. */
@ObjectType()
@Entity({ tableName: 'template_versions' })
export class TemplateVersion {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  templateId!: string;

  @Field(() => Int)
  @PrimaryKey({ type: 'integer' })
  version!: number;

  /** Part of the table's primary key (for distribution); (template_id, version) alone is unique too. */
  @Property({ type: 'uuid' })
  workspaceId!: string;

  @Field()
  @Property({ type: 'text' })
  name!: string;

  @Field()
  @Property({ type: 'text' })
  body!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  category?: string | null;

  @Field(() => Channel, { nullable: true })
  @Property({ type: 'text', nullable: true })
  channel?: Channel | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  html?: string | null;

  @Field(() => WhatsAppTemplate, { nullable: true })
  @Property({ type: 'json', nullable: true })
  whatsappTemplate?: WhatsAppTemplate | null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
