import { newId } from '../shared/ids';
import { Entity, Enum, PrimaryKey, Property, ManyToOne, OptionalProps } from '@mikro-orm/core';
import { Contact } from './contact.entity';
import { Workspace } from '../workspaces/workspace.entity';
import { Field, ID, ObjectType } from 'type-graphql';
import { EventType } from '../domain/event-type';
import { Channel } from '../domain/channel';

/** Append-only log of every consent change: the audit trail regulators ask for. */
@ObjectType('OptOutEntry')
@Entity({ tableName: 'opt_out_log' })
export class OptOutEntry {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'at' | 'channel';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Workspace, { mapToPk: true, fieldName: 'workspace_id' })
  workspaceId!: string;

  /** Resolved to `contact` by the resolver through a dataloader. */
  @ManyToOne(() => Contact, { mapToPk: true, fieldName: 'contact_id' })
  contactId!: string;

  @Field(() => EventType, { description: 'OPTED_OUT or OPTED_IN' })
  @Enum({ items: () => EventType })
  action!: EventType.OPTED_OUT | EventType.OPTED_IN;

  @Field(() => Channel, { nullable: true, description: 'the channel opted out of (or back into); null = every channel' })
  @Property({ type: 'text', nullable: true })
  channel?: Channel | null;

  @Field({ description: 'api, sms, csv, …' })
  @Property({ type: 'text' })
  source!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  keyword?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Field()
  @Property({ type: 'timestamptz' })
  at: Date = new Date();
}
