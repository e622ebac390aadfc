/**
 * Keyword sentiment for SMS replies (English, with a few Portuguese / Spanish words). Pure, no I/O.
 *
 * The rule, in order:
 * 1. Normalise: Unicode NFKD, diacritics and emoji variation selectors dropped ("não" → "nao",
 *    "sí" → "si", "❤️" → "❤"), lower case, apostrophes removed ("don't" → "dont").
 * 2. Tokenise into words, emoji, text emoticons (":)", "<3", ":(") and punctuation
 *    (. , ! ? ; : and newlines). Everything else is ignored.
 * 3. Score: each word in POSITIVE_WORDS / emoji in POSITIVE_EMOJI is +1, each in NEGATIVE_WORDS /
 *    NEGATIVE_EMOJI is −1. Words in HALF_WEIGHT_WORDS count ±0.5: politeness and bare wanting are
 *    weak signals, so "please stop", "Not interested, thanks" and "I want to unsubscribe" stay
 *    negative.
 * 4. Negation: a word in NEGATORS reaches the next NEGATION_WINDOW words, up to a clause break
 *    (. ! ? ; newline; a comma does not end it), another negator or a contrast word.
 *    - The first positive word it reaches scores negative instead: "not interested",
 *      "no thanks", "No, thanks", "don't want", "not good".
 *    - If it first reaches a negative word with no comma between, the pair cancels to 0
 *      ("not bad", "no problem": we do not guess that they are praise); across a comma both stay
 *      negative ("No, stop").
 *    - A negator that flips or cancels nothing scores as a word of its own: −1 for the ones in
 *      NEGATIVE_WORDS ("no", "not", "never", "não", "nunca"), 0 for the rest ("I don't know").
 * 5. Contrast: if the words after the last CONTRAST_WORDS entry carry a score, that score alone
 *    decides ("thanks but no thanks" is negative); otherwise the whole message does.
 * 6. Label: score > 0 → POSITIVE, < 0 → NEGATIVE, 0 (ties, no signal, empty) → NEUTRAL.
 */

export type SentimentLabel = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL';

/** Positive words, normalised as in rule 1 (no accents, no apostrophes). */
export const POSITIVE_WORDS = [
  'yes', 'yeah', 'yea', 'yep', 'yup', 'sure', 'ok', 'okay', 'great', 'love', 'loved', 'thanks',
  'thank', 'thx', 'ty', 'interested', 'awesome', 'perfect', 'good', 'cool', 'nice', 'excellent',
  'amazing', 'wonderful', 'fantastic', 'happy', 'glad', 'absolutely', 'definitely',
  'want', 'please', 'favor',
  // Portuguese / Spanish
  'sim', 'si', 'obrigado', 'obrigada', 'gracias', 'claro', 'bom', 'boa', 'otimo', 'otima',
  'perfeito', 'perfecto', 'bueno', 'buena', 'excelente', 'genial', 'quero', 'quiero',
] as const;

/** Negative words, normalised as in rule 1. */
export const NEGATIVE_WORDS = [
  'no', 'nope', 'nah', 'not', 'never', 'stop', 'unsubscribe', 'spam', 'hate', 'bad', 'terrible',
  'awful', 'horrible', 'annoying', 'annoyed', 'wrong', 'angry', 'mad', 'scam', 'fraud', 'fake',
  'expensive', 'pricey', 'worst', 'useless', 'rude', 'disappointed', 'remove', 'problem',
  // Portuguese / Spanish
  'nao', 'nunca', 'pare', 'basta', 'malo', 'mala', 'ruim', 'caro', 'odio', 'estafa', 'golpe',
] as const;

/** Words that count half (±0.5): politeness and bare wanting (rule 3). */
export const HALF_WEIGHT_WORDS = [
  'please', 'favor', 'thanks', 'thank', 'thx', 'ty', 'obrigado', 'obrigada', 'gracias',
  'want', 'quero', 'quiero',
] as const;

/** Words that negate the next sentiment word (rule 4). */
export const NEGATORS = [
  'no', 'not', 'never', 'dont', 'doesnt', 'didnt', 'wont', 'cant', 'cannot', 'isnt', 'arent',
  'wasnt', 'werent', 'wouldnt', 'shouldnt', 'havent', 'hasnt', 'aint', 'nao', 'nunca', 'nem', 'ni',
] as const;

/** How many following words a negator reaches ("not really that interested"). */
export const NEGATION_WINDOW = 3;

/** Words after which the rest of the message decides (rule 5). */
export const CONTRAST_WORDS = ['but', 'however', 'though', 'although', 'pero', 'porem'] as const;

/** Emoji (after variation selectors are dropped) and text emoticons, by polarity. */
export const POSITIVE_EMOJI = [
  '👍', '👌', '👏', '🙌', '🙏', '❤', '♥', '💕', '💖', '😍', '🥰', '😀', '😃', '😄', '😁', '😊',
  '🙂', '☺', '😉', '🤩', '🎉', '✅', '✔', '💯', '🔥', ':)', ':-)', ';)', '=)', ':d', '<3',
] as const;
export const NEGATIVE_EMOJI = [
  '👎', '😡', '😠', '🤬', '😤', '😒', '🙄', '😞', '😢', '😭', '🤮', '💩', '❌', '🚫', '🛑',
  ':(', ':-(', '=(',
] as const;

const positive = new Set<string>([...POSITIVE_WORDS, ...POSITIVE_EMOJI]);
const negative = new Set<string>([...NEGATIVE_WORDS, ...NEGATIVE_EMOJI]);
const halfWeight = new Set<string>(HALF_WEIGHT_WORDS);
const negators = new Set<string>(NEGATORS);
const contrast = new Set<string>(CONTRAST_WORDS);

export type SentimentToken = { kind: 'word' | 'emoji' | 'break'; text: string };

// Tokens: words (letters/digits, inner apostrophes), emoticons, single emoji, punctuation.
const WORD = String.raw`[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*`;
const EMOTICON = String.raw`(?:[:;=]-?[()d]|<3)(?![\p{L}\p{N}])`;
const TOKEN = new RegExp(String.raw`${WORD}|${EMOTICON}|\p{Extended_Pictographic}|[.,!?;:\n]`, 'gu');

/** Rules 1 and 2: the message as tokens. */
export function sentimentTokens(text: string): SentimentToken[] {
  const normalised = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents, emoji variation selectors
    .replace(/[\u2018\u2019\u02BC`]/g, "'")
    .toLowerCase();
  const tokens: SentimentToken[] = [];
  for (const [m] of normalised.matchAll(TOKEN)) {
    if (/^[.,!?;:\n]$/.test(m)) tokens.push({ kind: 'break', text: m });
    else if (/^[\p{L}\p{N}]/u.test(m)) tokens.push({ kind: 'word', text: m.replace(/'/g, '') });
    else tokens.push({ kind: 'emoji', text: m });
  }
  return tokens;
}

function polarity(t: SentimentToken): number {
  const weight = halfWeight.has(t.text) ? 0.5 : 1;
  if (positive.has(t.text)) return weight;
  if (negative.has(t.text)) return -weight;
  return 0;
}

/** Rules 3–5: the message's score; its sign is the label. */
export function sentimentScore(text: string): number {
  const tokens = sentimentTokens(text);
  const negated = new Set<number>(); // token indexes whose polarity a negator has taken over
  let total = 0;
  let afterContrast = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'break') continue;
    if (t.kind === 'word' && contrast.has(t.text)) {
      afterContrast = 0;
      continue;
    }
    let score: number;
    if (negated.has(i)) {
      score = 0; // already scored through its negator
    } else if (t.kind === 'word' && negators.has(t.text)) {
      const target = negationTarget(tokens, i);
      if (target === -1) score = polarity(t);
      else {
        negated.add(target);
        const p = polarity(tokens[target]!);
        score = p > 0 ? -p : 0; // "not good" → −; "not bad" → 0
      }
    } else {
      score = polarity(t);
    }
    total += score;
    afterContrast += score;
  }
  return afterContrast !== 0 ? afterContrast : total;
}

/**
 * The token a negator at `i` flips or cancels (rule 4), or -1 when it reaches none: a positive
 * word, or a negative word not behind a comma.
 */
function negationTarget(tokens: readonly SentimentToken[], i: number): number {
  let seen = 0;
  let afterComma = false;
  for (let j = i + 1; j < tokens.length && seen < NEGATION_WINDOW; j++) {
    const t = tokens[j]!;
    if (t.kind === 'break') {
      if (t.text !== ',') return -1;
      afterComma = true;
      continue;
    }
    if (t.kind !== 'word') continue; // emoji are never negated and don't use the window
    if (negators.has(t.text) || contrast.has(t.text)) return -1;
    const p = polarity(t);
    if (p > 0) return j;
    if (p < 0) return afterComma ? -1 : j;
    seen++;
  }
  return -1;
}

/** The reply's label: see the rule in this file's header. */
export function sentimentOf(text: string): SentimentLabel {
  const score = sentimentScore(text);
  return score > 0 ? 'POSITIVE' : score < 0 ? 'NEGATIVE' : 'NEUTRAL';
}
