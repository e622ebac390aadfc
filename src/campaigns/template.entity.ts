import { newId } from '../shared/ids';
import { Entity, PrimaryKey, Property, ManyToOne, OptionalProps } from '@mikro-orm/core';
import { Workspace } from '../workspaces/workspace.entity';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { WhatsAppTemplate } from './variant.entity';
import { encodeNameCursor } from './templates/template-list';
import { templateVariables } from './templates/render';
import { Channel } from '../domain/channel';

/** A reusable message body with `{variable}` placeholders. */
@ObjectType()
@Entity({ tableName: 'templates' })
export class Template {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'createdAt' | 'variables' | 'version' | 'archivedAt' | 'cursor';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Workspace, { mapToPk: true, fieldName: 'workspace_id' })
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

  @Field(() => Channel, { nullable: true, description: 'the channel it is written for; null: any' })
  @Property({ type: 'text', nullable: true })
  channel?: Channel | null;

  @Field(() => String, { nullable: true, description: 'EMAIL: subject line' })
  @Property({ type: 'text', nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true, description: 'EMAIL: HTML body' })
  @Property({ type: 'text', nullable: true })
  html?: string | null;

  @Field(() => WhatsAppTemplate, { nullable: true, description: 'WHATSAPP: approved template reference, copied to WhatsApp variants made from it' })
  @Property({ type: 'json', nullable: true })
  whatsappTemplate?: WhatsAppTemplate | null;

  @Field(() => Int, { description: 'the current version: 1 when created, +1 on every update' })
  @Property({ type: 'integer' })
  version: number = 1;

  /** Set when a template some campaign used is deleted: hidden, refused for new variants, versions kept. */
  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field({ description: 'pass as `after` to continue the `templates` list after this template' })
  get cursor(): string {
    return encodeNameCursor(this.name, this.id);
  }

  @Field(() => [String], { description: 'variables the body uses, in order of first use' })
  get variables(): string[] {
    return templateVariables(this.body);
  }
}
