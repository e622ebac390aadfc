import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { GraphQLJSON } from '../graphql/scalars';
import { Template } from './template.entity';
import { Channel } from '../domain/channel';
import { previewTemplate } from './template.service';

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
  @Query(() => [Template])
  templates(@Ctx() ctx: Context): Promise<Template[]> {
    return ctx.services.templates.list();
  }

  @Mutation(() => Template)
  createTemplate(@Arg('input', () => TemplateInput) input: TemplateInput, @Ctx() ctx: Context): Promise<Template> {
    return ctx.services.templates.create(input);
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
