import { registerEnumType } from 'type-graphql';

/**
 * The channels a campaign goes out on. Shared by contacts (consent per channel), campaigns,
 * sending (the address, provider and rendering follow the channel) and tracking (inbound
 * keywords opt out of the channel they arrive on).
 */
export enum Channel {
  SMS = 'SMS',
  WHATSAPP = 'WHATSAPP',
  EMAIL = 'EMAIL',
}
registerEnumType(Channel, { name: 'Channel' });

export const CHANNELS: readonly Channel[] = [Channel.SMS, Channel.WHATSAPP, Channel.EMAIL];

export function isChannel(x: unknown): x is Channel {
  return typeof x === 'string' && (CHANNELS as readonly string[]).includes(x);
}
