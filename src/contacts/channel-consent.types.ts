/** GraphQL types of per-channel consent (Contact.channelConsent, ContactInput.channelConsent). */
import { Field, InputType, ObjectType } from 'type-graphql';
import { Channel } from '../domain/channel';

@ObjectType({ description: 'consent and opt-out of a contact on one channel' })
export class ChannelConsent {
  @Field(() => Channel)
  channel!: Channel;

  @Field({ description: 'consent given on this channel' })
  granted!: boolean;

  @Field({ description: 'opted out of this channel' })
  optedOut!: boolean;
}

@InputType()
export class ChannelConsentInput {
  @Field(() => Channel)
  channel!: Channel;

  @Field()
  granted!: boolean;
}
