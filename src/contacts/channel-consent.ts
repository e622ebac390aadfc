/**
 * Consent and opt-out per channel: pure helpers over the contact's two channel sets
 * (`consent_channels`, `opted_out_channels`). No I/O.
 */
import { Channel, CHANNELS } from '../domain/channel';

export interface ChannelConsentValue {
  channel: Channel;
  granted: boolean;
  optedOut: boolean;
}

/** A channel set in enum order, without duplicates (how the columns are written). */
export function channelSet(channels: Iterable<Channel>): Channel[] {
  const set = new Set(channels);
  return CHANNELS.filter((c) => set.has(c));
}

/** Every channel, in enum order, with its consent and opt-out. */
export function channelConsentOf(contact: { consentChannels: readonly Channel[]; optedOutChannels: readonly Channel[] }): ChannelConsentValue[] {
  return CHANNELS.map((channel) => ({ channel, granted: contact.consentChannels.includes(channel), optedOut: contact.optedOutChannels.includes(channel) }));
}

/**
 * The consent channels after an upsert: `consent` (every channel) first, then each
 * `channelConsent` entry on its channel. Neither given: unchanged.
 */
export function applyConsentPatch(current: readonly Channel[], consent: boolean | undefined, perChannel: readonly { channel: Channel; granted: boolean }[] | undefined): Channel[] {
  const set = new Set(consent === undefined ? current : consent ? CHANNELS : []);
  for (const { channel, granted } of perChannel ?? []) {
    if (granted) set.add(channel);
    else set.delete(channel);
  }
  return channelSet(set);
}

/** The opt-out channels after opting out of (or back into) `channel`; null = every channel. */
export function applyOptOut(current: readonly Channel[], channel: Channel | null, optedOut: boolean): Channel[] {
  const affected = channel === null ? CHANNELS : [channel];
  const set = new Set(current);
  for (const c of affected) {
    if (optedOut) set.add(c);
    else set.delete(c);
  }
  return channelSet(set);
}

/**
 * SQL (on `contacts` alias `c`) for "may receive campaign messages on `channel`": consent on it and
 * not opted out of it. The channel is written as a literal (it is an enum value, checked here) so
 * that the planner matches the partial index `contacts_reachable_<channel>_idx`.
 */
export function channelReachableSql(channel: Channel, alias = 'c'): string {
  if (!CHANNELS.includes(channel)) throw new RangeError(`unknown channel ${String(channel)}`);
  return `'${channel}' = any(${alias}.consent_channels) and not ${optedOutSql(channel, alias)}`;
}

/**
 * SQL for "must not be sent to on `channel`": opted out of it — or, for EMAIL, the address hard
 * bounced (suppressed until the contact's email changes). Sends count such contacts as opted out.
 */
export function optedOutSql(channel: Channel, alias = 'c'): string {
  if (!CHANNELS.includes(channel)) throw new RangeError(`unknown channel ${String(channel)}`);
  const optedOut = `'${channel}' = any(${alias}.opted_out_channels)`;
  return channel === Channel.EMAIL ? `(${optedOut} or ${alias}.email_bounced_at is not null)` : optedOut;
}

/** SQL for "has the address `channel` sends to": a phone for SMS and WhatsApp, an email for EMAIL. */
export function channelAddressSql(channel: Channel, alias = 'c'): string {
  if (!CHANNELS.includes(channel)) throw new RangeError(`unknown channel ${String(channel)}`);
  return channel === Channel.EMAIL ? `${alias}.email is not null` : `${alias}.phone is not null`;
}

/** SQL for "reachable on at least one channel" (estimateReach's withConsent; addresses not required). */
export function anyChannelReachableSql(alias = 'c'): string {
  return `((${CHANNELS.map((ch) => channelReachableSql(ch, alias)).join(') or (')}))`;
}
