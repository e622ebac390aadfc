import { newId } from '../shared/ids';
import { Entity, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { Extensions, Field, ID, ObjectType } from 'type-graphql';
import { OPERATOR_VISIBLE } from '../graphql/authorization';
import { GraphQLJSON } from '../graphql/scalars';

/** Non-secret settings, returned as `Workspace.settings`. Secrets live in their own columns. */
export interface WorkspaceSettings {
  sendRatePerSecond?: number;
  quietHours?: { start: number; end: number } | null;
  frequencyCap?: number | null;
  /** ISO 3166-1 alpha-2 region used to read phone numbers written without a country code. */
  defaultCountry?: string | null;
  helpReply?: string | null;
  /** Twilio account (the auth token is a secret column) and sending number. */
  twilioAccountSid?: string | null;
  twilioFrom?: string | null;
  /** SMTP server for EMAIL campaigns (the password is a secret column). */
  smtp?: SmtpSettings | null;
  /** Meta WhatsApp Cloud API sender (access token, app secret and verify token are secret columns). */
  whatsappCloud?: WhatsAppCloudSettings | null;
  /** Per-channel overrides of quietHours, frequencyCap and sendRatePerSecond (sending/channel-rules.ts). */
  channels?: Partial<Record<'SMS' | 'WHATSAPP' | 'EMAIL', ChannelRuleSettings>>;
  /** Where alerts are emailed (through the workspace's email channel); the webhook URL is a secret column. */
  alertEmail?: string | null;
}

/** A key present overrides the workspace-wide value for the channel (null too); absent inherits. */
export interface ChannelRuleSettings {
  quietHours?: { start: number; end: number } | null;
  frequencyCap?: number | null;
  sendRatePerSecond?: number;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /**
   * Without `secure`: refuse to go on unencrypted when STARTTLS is not offered (nothing is sent,
   * the password included). Absent in settings saved before it existed: true when a username is set.
   */
  requireTls?: boolean;
  username?: string | null;
  /** The From header: `a@b.example` or `Name <a@b.example>`. */
  from: string;
}

export interface WhatsAppCloudSettings {
  phoneNumberId: string;
  /** Graph API origin and version, e.g. https://graph.facebook.com/v21.0 (tests point it at a local server). */
  apiBaseUrl: string;
}

@ObjectType()
@Entity({ tableName: 'workspaces' })
export class Workspace {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'timezone' | 'settings' | 'createdAt';

  // The operator reads these back from setWorkspacePlan; not settings (the workspace's own data).
  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field()
  @Property({ type: 'text' })
  name!: string;

  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field()
  @Property({ type: 'text' })
  timezone: string = 'UTC';

  @Field(() => GraphQLJSON, { description: 'Non-secret settings; secrets are reported only as *Set flags.' })
  @Property({ type: 'json' })
  settings: WorkspaceSettings = {};

  /** Secrets are write-only: never exposed through GraphQL (no @Field). */
  @Property({ type: 'text', nullable: true })
  twilioAuthToken?: string | null;

  @Property({ type: 'text', nullable: true })
  openphoneSigningSecret?: string | null;

  @Property({ type: 'text', nullable: true })
  webhookSigningSecret?: string | null;

  @Property({ type: 'text', nullable: true })
  smtpPassword?: string | null;

  @Property({ type: 'text', nullable: true })
  whatsappAccessToken?: string | null;

  /** Meta app secret: X-Hub-Signature-256 of the WhatsApp webhook is an HMAC-SHA256 with it. */
  @Property({ type: 'text', nullable: true })
  whatsappAppSecret?: string | null;

  /** Echoed by Meta in the webhook verification handshake (hub.verify_token). */
  @Property({ type: 'text', nullable: true })
  whatsappVerifyToken?: string | null;

  /** The email provider's event-webhook signing key (Mailgun HTTP webhook signing key). */
  @Property({ type: 'text', nullable: true })
  emailWebhookKey?: string | null;

  /** Alerts are POSTed here, signed with webhookSigningSecret (write-only: such URLs often embed a token). */
  @Property({ type: 'text', nullable: true })
  alertWebhookUrl?: string | null;

  @Extensions({ [OPERATOR_VISIBLE]: true })
  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
