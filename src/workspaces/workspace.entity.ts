import { newId } from '../shared/ids';
import { Entity, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
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
}

@ObjectType()
@Entity({ tableName: 'workspaces' })
export class Workspace {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'timezone' | 'settings' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Field()
  @Property({ type: 'text' })
  name!: string;

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

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
