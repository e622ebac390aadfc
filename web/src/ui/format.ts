/** How numbers, constants and API errors read on every screen. Pure: no I/O, no DOM. */

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

export function humanize(constant: string): string {
  const s = constant.replace(/_/g, ' ').toLowerCase();
  return s === 'ab test' ? 'A/B test' : s.charAt(0).toUpperCase() + s.slice(1);
}

/** A channel as people write it: SMS, WhatsApp, Email (humanize would say "Sms", "Whatsapp"). */
export function channelName(channel: string): string {
  return channel === 'SMS' ? 'SMS' : channel === 'WHATSAPP' ? 'WhatsApp' : humanize(channel);
}

/**
 * A chart's hourly x value (epoch seconds) as "5 Mar, 14:30" in the reader's locale and time zone;
 * the locale and zone are parameters so a test can pin them.
 */
export function hourLabel(seconds: number, locale?: string, timeZone?: string): string {
  return new Date(seconds * 1000).toLocaleString(locale ?? [], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone });
}

interface ApiErrorLike {
  graphQLErrors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  networkError?: { message: string } | undefined;
  message?: string;
}

/** The API's own words for a failure: its message, with its code and reason when present. */
export function describeError(error: ApiErrorLike): string {
  const first = error.graphQLErrors?.[0];
  if (first) {
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : undefined;
    const reason = typeof first.extensions?.reason === 'string' ? first.extensions.reason : undefined;
    const tag = [code, reason].filter(Boolean).join(', ');
    return tag ? `${first.message} (${tag})` : first.message;
  }
  if (error.networkError) return `The server could not be reached: ${error.networkError.message}`;
  return error.message ?? 'Unknown error';
}
