import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context';
import { GraphQLJSON } from '../graphql/scalars';
import { KeyCount } from '../graphql/key-count';
import { Template } from './template.entity';
import { TemplateVersion } from './template-version.entity';
import { WhatsAppTemplateInput } from './campaign.types';
import { Channel } from '../domain/channel';
import { previewTemplate } from './template.service';
import { MAX_PAGE_SIZE, checkPageSize } from '../db/keyset';

/** Versions a template lists unless asked for more (as send failures). */
const DEFAULT_VERSIONS = 20;

@InputType()
export class TemplateInput {
  @Field()
  name!: string;

  @Field()
  body!: string;

  @Field(() => String, { nullable: true })
  category?: string | null;

  @Field(() => Channel, { nullable: true, description: 'the channel it is written for; null: any' })
  channel?: Channel | null;

  @Field(() => String, { nullable: true, description: 'EMAIL templates: subject line' })
  subject?: string | null;

  @Field(() => String, { nullable: true, description: 'EMAIL templates: HTML body' })
  html?: string | null;

  @Field(() => WhatsAppTemplateInput, { nullable: true, description: 'WHATSAPP templates: approved template reference, copied to WhatsApp variants made from it' })
  whatsappTemplate?: WhatsAppTemplateInput | null;
}

@ObjectType()
export class TemplatePreview {
  @Field()
  rendered!: string;

  @Field(() => [String], { description: 'variables without a value (their fallback, if any, was used)' })
  missingVariables!: string[];

  @Field(() => [String], { description: 'variables no contact can fill (likely typos)' })
  unknownVariables!: string[];

  @Field(() => Int, { description: 'SMS parts the rendered text needs (153 GSM-7 / 67 UCS-2 per part when split)' })
  segments!: number;

  @Field(() => Int)
  characters!: number;

  @Field({ description: 'GSM7 or UCS2' })
  encoding!: string;
}

@Resolver(() => Template)
export class TemplateResolver {
  @Query(() => [Template], { description: 'live templates by name; at most `first` (≤ 200, default 200), continue with `after: <last template\'s cursor>`' })
  templates(
    @Ctx() ctx: Context,
    @Arg('category', () => String, { nullable: true, description: 'exact category' }) category?: string | null,
    @Arg('channel', () => Channel, { nullable: true, description: 'templates for this channel and those for any channel (channel null)' }) channel?: Channel | null,
    @Arg('search', () => String, { nullable: true, description: 'case-insensitive substring of the name or body' }) search?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<Template[]> {
    return ctx.services.templates.list({ category, channel, search, first, after });
  }

  @Query(() => [KeyCount], { description: 'categories of live templates with their template count, most first (at most 200; uncategorised templates are not counted)' })
  templateCategories(@Ctx() ctx: Context): Promise<KeyCount[]> {
    return ctx.services.templates.categories();
  }

  @Mutation(() => Template)
  createTemplate(@Arg('input', () => TemplateInput) input: TemplateInput, @Ctx() ctx: Context): Promise<Template> {
    return ctx.services.templates.create(input);
  }

  @Mutation(() => Template, { description: 'replaces the template as its next version; campaigns made from it keep their copy' })
  updateTemplate(@Arg('id', () => ID) id: string, @Arg('input', () => TemplateInput) input: TemplateInput, @Ctx() ctx: Context): Promise<Template> {
    return ctx.services.templates.update(id, input);
  }

  @Mutation(() => Boolean, { description: 'deletes a template no campaign used; archives a used one (hidden, refused for new variants, versions kept); the name is free again' })
  deleteTemplate(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.templates.delete(id);
  }

  @FieldResolver(() => [TemplateVersion], { description: `its versions, newest first (at most \`first\`, 0–${MAX_PAGE_SIZE}, default ${DEFAULT_VERSIONS})` })
  versions(
    @Root() template: Template,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_VERSIONS }) first: number | null,
    @Ctx() ctx: Context,
  ): Promise<TemplateVersion[]> {
    // Bounded: a template updated thousands of times, in a list of 200, is not read whole.
    first ??= DEFAULT_VERSIONS;
    checkPageSize(first);
    return ctx.loaders.templateVersions(first).load(template.id);
  }

  @Query(() => TemplatePreview)
  async previewTemplate(
    @Arg('template') template: string,
    @Arg('contactId', () => ID, { nullable: true }) contactId: string | null,
    @Arg('variables', () => GraphQLJSON, { nullable: true }) variables: unknown,
    @Ctx() ctx: Context,
  ): Promise<TemplatePreview> {
    const contact = contactId ? await ctx.services.contacts.get(contactId) : null;
    return previewTemplate(template, contact, variables);
  }
}
