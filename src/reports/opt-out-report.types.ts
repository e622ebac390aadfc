import { Field, Int, ObjectType } from 'type-graphql';
import { Contact } from '../contacts/contact.entity';
import { Channel } from '../domain/channel';
import { PageInfo } from '../graphql/pagination';
import { KeyCount } from '../graphql/key-count';

// Generic, in graphql/ so that other features (the template library) use it without importing reports.
export { KeyCount };

@ObjectType({ description: 'opt-outs (OPTED_OUT entries of the opt-out log) in the last `days` days; a contact who opted out twice counts twice' })
export class OptOutReport {
  @Field(() => Int)
  total!: number;

  @Field(() => [KeyCount], { description: 'by channel opted out of; "ALL" = every channel; count desc, then key' })
  byChannel!: KeyCount[];

  @Field(() => [KeyCount], { description: 'by source (api, sms:twilio, email:unsubscribe, …); count desc, then key' })
  bySource!: KeyCount[];

  @Field(() => [KeyCount], { description: 'by keyword (STOP, …); "(none)" = no keyword (API, unsubscribe link); count desc, then key' })
  byKeyword!: KeyCount[];

  /** The window's start, fixed when the report was made, so `contacts` lists what was counted. */
  since!: Date;
}

@ObjectType({ description: 'one opt-out of the report and its contact' })
export class OptOutReportEntry {
  @Field(() => Contact)
  contact!: Contact;

  @Field(() => Channel, { nullable: true, description: 'null = every channel' })
  channel!: Channel | null;

  @Field(() => String, { nullable: true })
  source!: string | null;

  @Field(() => String, { nullable: true })
  keyword!: string | null;

  @Field()
  at!: Date;
}

@ObjectType()
export class OptOutReportEdge {
  @Field()
  cursor!: string;

  @Field(() => OptOutReportEntry)
  node!: OptOutReportEntry;
}

@ObjectType()
export class OptOutReportConnection {
  @Field(() => [OptOutReportEntry])
  nodes!: OptOutReportEntry[];

  @Field(() => [OptOutReportEdge])
  edges!: OptOutReportEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
