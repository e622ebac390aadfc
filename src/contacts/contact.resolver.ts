import { Arg, Ctx, Extensions, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { notFound } from '../errors';
import type { Context } from '../graphql/context';
import { VALIDATED_PER_ITEM } from '../graphql/input-guard';
import { connection, PageInfo } from '../graphql/pagination';
import { GraphQLJSON } from '../graphql/scalars';
import { Contact } from './contact.entity';
import { OptOutEntry } from './opt-out-entry.entity';
import { ChannelConsentInput } from './channel-consent.types';
import { Channel } from '../domain/channel';

/** Validated row by row (one bad row never fails its neighbours): see graphql/input-guard.ts. */
@Extensions(VALIDATED_PER_ITEM)
@InputType()
export class ContactInput {
  @Field(() => String, { nullable: true })
  externalId?: string | null;

  @Field(() => String, { nullable: true, description: 'any common format; stored as E.164' })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  timezone?: string | null;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;

  @Field(() => String, { nullable: true })
  segment?: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'merged key by key; null removes a key' })
  attributes?: unknown;

  @Field(() => Boolean, { nullable: true, description: 'consent on every channel (true) or none (false)' })
  consent?: boolean | null;

  @Field(() => [ChannelConsentInput], { nullable: true, description: 'consent per channel, applied after `consent`' })
  channelConsent?: ChannelConsentInput[] | null;
}

@InputType()
export class ContactFilter {
  @Field(() => [String], { nullable: true, description: 'contacts with any of these tags' })
  tags?: string[] | null;

  @Field(() => String, { nullable: true })
  segment?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'opted out of at least one channel (true) or of none (false)' })
  optedOut?: boolean | null;

  @Field(() => String, { nullable: true, description: 'case-insensitive match on name, email, phone, externalId' })
  search?: string | null;
}

@ObjectType()
export class RejectedEvent {
  @Field(() => Int, { description: 'position of the rejected item in the input (CSV: data row, 0-based)' })
  index!: number;

  @Field()
  code!: string;

  @Field()
  message!: string;
}

@ObjectType()
export class UpsertContactsPayload {
  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => [RejectedEvent])
  rejected!: RejectedEvent[];
}

@ObjectType({ description: 'Relay edge: a contact and the cursor `after:` continues from' })
export class ContactEdge {
  @Field()
  cursor!: string;

  @Field(() => Contact)
  node!: Contact;
}

@ObjectType()
export class ContactConnection {
  @Field(() => [Contact])
  nodes!: Contact[];

  @Field(() => [ContactEdge], { description: 'the same contacts as `nodes`, with their cursors (for Relay-style clients)' })
  edges!: ContactEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@ObjectType({ description: 'Relay edge: an opt-out log entry and the cursor `after:` continues from' })
export class OptOutEdge {
  @Field()
  cursor!: string;

  @Field(() => OptOutEntry)
  node!: OptOutEntry;
}

@ObjectType()
export class OptOutConnection {
  @Field(() => [OptOutEntry])
  nodes!: OptOutEntry[];

  @Field(() => [OptOutEdge], { description: 'the same entries as `nodes`, with their cursors (for Relay-style clients)' })
  edges!: OptOutEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@Resolver(() => Contact)
export class ContactResolver {
  @Query(() => Contact, { nullable: true })
  async contact(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Contact> {
    return ctx.services.contacts.get(id);
  }

  @Query(() => ContactConnection)
  async contacts(
    @Arg('filter', () => ContactFilter, { nullable: true }) filter: ContactFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<ContactConnection> {
    const page = await ctx.services.contacts.list(filter, first ?? 50, after);
    return { ...connection(page), totalCount: page.totalCount };
  }

  @Query(() => OptOutConnection)
  async optOutLog(
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<OptOutConnection> {
    const page = await ctx.services.contacts.optOutLog(first ?? 50, after);
    return connection(page);
  }

  @Mutation(() => UpsertContactsPayload, { description: 'creates or updates by externalId, else by phone' })
  upsertContacts(@Arg('contacts', () => [ContactInput]) contacts: ContactInput[], @Ctx() ctx: Context): Promise<UpsertContactsPayload> {
    return ctx.services.contacts.upsert(contacts);
  }

  @Mutation(() => UpsertContactsPayload, { description: 'header row, then one contact per row; unknown columns become attributes' })
  importContactsCsv(@Arg('csv') csv: string, @Ctx() ctx: Context): Promise<UpsertContactsPayload> {
    return ctx.services.contacts.importCsv(csv);
  }

  @Mutation(() => Contact, { description: 'opts out of every channel' })
  optOut(@Arg('contactId', () => ID) contactId: string, @Arg('reason', () => String, { nullable: true }) reason: string | null, @Ctx() ctx: Context): Promise<Contact> {
    return ctx.services.contacts.setOptedOut(contactId, null, true, { source: 'api', reason });
  }

  @Mutation(() => Contact, { description: 'channel null = every channel' })
  optOutChannel(
    @Arg('contactId', () => ID) contactId: string,
    @Arg('channel', () => Channel, { nullable: true }) channel: Channel | null,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: Context,
  ): Promise<Contact> {
    return ctx.services.contacts.setOptedOut(contactId, channel ?? null, true, { source: 'api', reason });
  }

  @Mutation(() => Contact, { description: 'opts back in on one channel; channel null = every channel' })
  optInChannel(
    @Arg('contactId', () => ID) contactId: string,
    @Arg('channel', () => Channel, { nullable: true }) channel: Channel | null,
    @Ctx() ctx: Context,
  ): Promise<Contact> {
    return ctx.services.contacts.setOptedOut(contactId, channel ?? null, false, { source: 'api' });
  }

  @Mutation(() => Contact, { description: 'opts back in on every channel' })
  optIn(@Arg('contactId', () => ID) contactId: string, @Ctx() ctx: Context): Promise<Contact> {
    return ctx.services.contacts.setOptedOut(contactId, null, false, { source: 'api' });
  }
}

@Resolver(() => OptOutEntry)
export class OptOutEntryResolver {
  @FieldResolver(() => Contact)
  async contact(@Root() entry: OptOutEntry, @Ctx() ctx: Context): Promise<Contact> {
    const contact = await ctx.loaders.contactById.load(entry.contactId);
    if (!contact) throw notFound('Contact', entry.contactId);
    return contact;
  }
}
