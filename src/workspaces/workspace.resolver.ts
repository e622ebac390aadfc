import { Arg, Authorized, Ctx, Extensions, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Channel } from '../domain/channel';
import { forbidden } from '../errors';
import { OPERATOR_ONLY, OPERATOR_VISIBLE } from '../graphql/authorization';
import type { Context } from '../graphql/context';
import { GraphQLJSON } from '../graphql/scalars';
import { ApiScope } from '../shared/auth';
import { Workspace } from './workspace.entity';

@ObjectType()
export class Viewer {
  @Field(() => Workspace)
  workspace!: Workspace;

  @Field()
  apiKeyName!: string;

  @Field(() => [ApiScope])
  scopes!: ApiScope[];
}

// The operator creates workspaces with createApiKey: it reads back the key it made, field by field
// (a field added later is not the operator's unless marked).
@ObjectType()
export class CreatedApiKey {
  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field(() => ID)
  id!: string;

  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field()
  name!: string;

  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field(() => [ApiScope])
  scopes!: ApiScope[];

  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field({ description: 'shown once' })
  secret!: string;

  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field(() => ID)
  workspaceId!: string;
}

@InputType()
export class SmtpSettingsInput {
  @Field()
  host!: string;

  @Field(() => Int)
  port!: number;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'TLS from the first byte (port 465); otherwise STARTTLS when offered' })
  secure?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'without secure: fail rather than talk (and authenticate) in clear when the server offers no STARTTLS; default: true when a username is set',
  })
  requireTls?: boolean | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true, description: 'write-only' })
  password?: string | null;

  @Field({ description: 'From header: a@b.example or "Name <a@b.example>"' })
  from!: string;
}

@InputType()
export class WhatsAppCloudSettingsInput {
  @Field()
  phoneNumberId!: string;

  @Field({ description: 'write-only' })
  accessToken!: string;

  @Field({ description: 'write-only: X-Hub-Signature-256 of webhooks is checked with it' })
  appSecret!: string;

  @Field({ description: 'write-only: the hub.verify_token of the webhook verification handshake' })
  verifyToken!: string;

  @Field(() => String, { nullable: true, description: 'default: the public Graph API' })
  apiBaseUrl?: string | null;
}

@InputType({ description: 'sending rules for one channel (settings.channels.<channel>)' })
export class ChannelRulesInput {
  @Field(() => Channel)
  channel!: Channel;

  @Field(() => GraphQLJSON, { nullable: true, description: 'local hours, e.g. {start: 21, end: 8}; null = none on this channel; left out = inherit' })
  quietHours?: unknown;

  @Field(() => Int, { nullable: true, description: 'max campaign messages per contact on this channel per 7 days; null = none; left out = inherit' })
  frequencyCap?: number | null;

  @Field(() => Int, { nullable: true, description: 'messages per second per provider account on this channel; null or left out = inherit' })
  sendRatePerSecond?: number | null;
}

@InputType()
export class WorkspaceSettingsInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA zone used for reports (days, weeks)' })
  timezone?: string | null;

  @Field(() => String, { nullable: true, description: 'write-only; empty string clears' })
  twilioAuthToken?: string | null;

  @Field(() => String, { nullable: true, description: 'write-only; empty string clears' })
  openphoneSigningSecret?: string | null;

  @Field(() => String, { nullable: true, description: 'write-only; empty string clears' })
  webhookSigningSecret?: string | null;

  @Field(() => Int, { nullable: true })
  sendRatePerSecond?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'local hours, e.g. {start: 21, end: 8}' })
  quietHours?: unknown;

  @Field(() => Int, { nullable: true, description: 'max campaign messages per contact per 7 days' })
  frequencyCap?: number | null;

  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 region for phone numbers without +country code' })
  defaultCountry?: string | null;

  @Field(() => String, { nullable: true, description: 'reply sent to HELP' })
  helpReply?: string | null;

  @Field(() => String, { nullable: true, description: 'Twilio account SID (AC…) used to send' })
  twilioAccountSid?: string | null;

  @Field(() => String, { nullable: true, description: 'sending number (E.164) or messaging service SID' })
  twilioFrom?: string | null;

  @Field(() => SmtpSettingsInput, { nullable: true, description: 'SMTP server for EMAIL campaigns; null removes it' })
  smtp?: SmtpSettingsInput | null;

  @Field(() => WhatsAppCloudSettingsInput, { nullable: true, description: 'Meta WhatsApp Cloud API sender; null removes it' })
  whatsappCloud?: WhatsAppCloudSettingsInput | null;

  @Field(() => String, {
    nullable: true,
    description: 'email provider event webhook secret or verification key (SendGrid public key or Mailgun signing key); write-only, empty string clears',
  })
  emailWebhookKey?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'signed JSON alerts are POSTed here (X-Splitcast-Signature with webhookSigningSecret, which must be set); https; write-only; null clears',
  })
  alertWebhookUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'alerts are emailed here through the email channel (SMTP when set); null clears' })
  alertEmail?: string | null;

  @Field(() => [ChannelRulesInput], {
    nullable: true,
    description: 'per-channel overrides of quietHours, frequencyCap and sendRatePerSecond; each entry replaces its channel\'s override (a field left out inherits the workspace-wide value; null quietHours / frequencyCap = none on that channel)',
  })
  channelRules?: ChannelRulesInput[] | null;
}

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Query(() => Viewer)
  async viewer(@Ctx() ctx: Context): Promise<Viewer> {
    return {
      workspace: await ctx.services.workspaces.current(),
      apiKeyName: ctx.auth.apiKeyName,
      scopes: ctx.auth.scopes,
    };
  }

  @Authorized(ApiScope.ADMIN)
  @Extensions({ [OPERATOR_ONLY]: true })
  @Mutation(() => CreatedApiKey, {
    description:
      'ADMIN. With workspaceName, a new workspace is created and the key belongs to it: when plans are configured (PLANS), only with the operator key (OPERATOR_API_KEY), which must give workspaceName and may give plan.',
  })
  async createApiKey(
    @Arg('name') name: string,
    @Arg('scopes', () => [ApiScope]) scopes: ApiScope[],
    @Arg('workspaceName', () => String, { nullable: true }) workspaceName: string | null,
    @Arg('plan', () => String, { nullable: true, description: "operator key only: the new workspace's plan (default: DEFAULT_PLAN)" }) plan: string | null,
    @Ctx() ctx: Context,
  ): Promise<CreatedApiKey> {
    // The operator belongs to no workspace: its request scope's workspace services are never used.
    let created;
    if (ctx.auth.operator) {
      created = await ctx.services.workspaceProvisioning.create(workspaceName, name, scopes, plan);
    } else {
      if (plan !== null && plan !== undefined) throw forbidden('plan needs the operator key (OPERATOR_API_KEY): a workspace key cannot choose a plan');
      created = await ctx.services.workspaces.createApiKey(name, scopes, workspaceName);
    }
    const { key, secret } = created;
    return { id: key.id, name: key.name, scopes: key.scopes, secret, workspaceId: key.workspaceId };
  }

  @Authorized(ApiScope.ADMIN)
  @Mutation(() => Boolean)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.workspaces.revokeApiKey(id);
  }

  @Authorized(ApiScope.ADMIN)
  @Mutation(() => Workspace)
  updateWorkspaceSettings(@Arg('input', () => WorkspaceSettingsInput) input: WorkspaceSettingsInput, @Ctx() ctx: Context): Promise<Workspace> {
    return ctx.services.workspaces.updateSettings(input);
  }

  /** Secrets never leave the server; the settings only say whether each is set. */
  @FieldResolver(() => GraphQLJSON)
  settings(@Root() ws: Workspace): Record<string, unknown> {
    return {
      ...ws.settings,
      twilioAuthTokenSet: Boolean(ws.twilioAuthToken),
      openphoneSigningSecretSet: Boolean(ws.openphoneSigningSecret),
      webhookSigningSecretSet: Boolean(ws.webhookSigningSecret),
      smtpPasswordSet: Boolean(ws.smtpPassword),
      whatsappAccessTokenSet: Boolean(ws.whatsappAccessToken),
      whatsappAppSecretSet: Boolean(ws.whatsappAppSecret),
      whatsappVerifyTokenSet: Boolean(ws.whatsappVerifyToken),
      emailWebhookKeySet: Boolean(ws.emailWebhookKey),
      alertWebhookUrlSet: Boolean(ws.alertWebhookUrl),
    };
  }
}
