/**
 * Sending rules per channel: quiet hours, frequency cap and send rate. The workspace-wide settings
 * apply to every channel; `settings.channels[<channel>]` overrides any of the three for one
 * channel (a key present overrides, null included: `quietHours: null` = no quiet hours on that
 * channel; a key absent inherits). Pure, no I/O. It lives with the workspace settings it reads:
 * campaigns (the frequency cap when queueing) and sending (quiet hours, rate limit) both use it.
 */
import type { Channel } from '../domain/channel';
import type { ChannelRuleSettings, WorkspaceSettings } from './workspace.entity';

type QuietHours = { start: number; end: number };

/** Messages per second per provider account when nothing is set. */
export const DEFAULT_RATE_PER_SECOND = 50;

export interface ChannelRules {
  quietHours: QuietHours | null;
  /** Campaign messages per contact on this channel per 7 days; null = no cap. */
  frequencyCap: number | null;
  sendRatePerSecond: number;
}

export function rulesFor(settings: WorkspaceSettings, channel: Channel): ChannelRules {
  const own: ChannelRuleSettings = settings.channels?.[channel] ?? {};
  const pick = <K extends keyof ChannelRuleSettings>(key: K): ChannelRuleSettings[K] | undefined => (key in own ? own[key] : settings[key]);
  return {
    quietHours: pick('quietHours') ?? null,
    frequencyCap: pick('frequencyCap') ?? null,
    sendRatePerSecond: pick('sendRatePerSecond') ?? DEFAULT_RATE_PER_SECOND,
  };
}
