/**
 * Carrier-style keyword handling for inbound SMS. The keyword sets are the industry defaults as
 * Braze documents them ("exact, single-word, case-insensitive messages"; Braze also treats INFO as
 * help): https://www.braze.com/docs/user_guide/message_building_by_channel/sms/keywords/optin_optout
 * A message is a keyword only when it is that single word and nothing else:
 * case-insensitive, surrounding whitespace ignored (String.prototype.trim: spaces, tabs, newlines,
 * no-break spaces), and one optional trailing '.' or '!'. "Stop", " STOP! " are opt-outs;
 * "stop please", "don't stop", "STOP STOP" are replies. Pure, no I/O.
 */
import { sentimentOf, type SentimentLabel } from './sentiment';

export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
/** YES is an opt-in keyword (a re-subscribe confirmation), not a positive reply. */
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;
export const HELP_KEYWORDS = ['HELP'] as const;

export type InboundIntent =
  | { kind: 'OPT_OUT'; keyword: string }
  | { kind: 'OPT_IN'; keyword: string }
  | { kind: 'HELP'; keyword: string }
  | { kind: 'REPLY'; sentiment: SentimentLabel };

const KEYWORD_KIND = new Map<string, 'OPT_OUT' | 'OPT_IN' | 'HELP'>([
  ...OPT_OUT_KEYWORDS.map((k) => [k, 'OPT_OUT'] as const),
  ...OPT_IN_KEYWORDS.map((k) => [k, 'OPT_IN'] as const),
  ...HELP_KEYWORDS.map((k) => [k, 'HELP'] as const),
]);

/**
 * The message as an upper-case keyword candidate, or null when it is not a single ASCII word.
 * ASCII only, so look-alikes that upper-case into a keyword ("quıt" with a dotless ı, "ſtop")
 * are not keywords.
 */
export function keywordCandidate(body: string): string | null {
  const word = body.trim().replace(/[.!]$/, '');
  return /^[A-Za-z]+$/.test(word) ? word.toUpperCase() : null;
}

/** What an inbound message asks for: a keyword action, or a reply with its sentiment. */
export function classifyInbound(body: string): InboundIntent {
  const candidate = keywordCandidate(body);
  const kind = candidate === null ? undefined : KEYWORD_KIND.get(candidate);
  if (kind !== undefined) return { kind, keyword: candidate! };
  return { kind: 'REPLY', sentiment: sentimentOf(body) };
}
