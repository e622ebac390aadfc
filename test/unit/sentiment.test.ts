import {
  NEGATIVE_EMOJI,
  NEGATIVE_WORDS,
  POSITIVE_EMOJI,
  POSITIVE_WORDS,
  sentimentOf,
  sentimentScore,
  sentimentTokens,
  type SentimentLabel,
} from '../../src/tracking/sentiment';

const REPLIES: [reply: string, expected: SentimentLabel][] = [
  // plain signals, any case
  ['yes', 'POSITIVE'],
  ['YES PLEASE', 'POSITIVE'],
  ['Sure, sounds great!', 'POSITIVE'],
  ['ok', 'POSITIVE'],
  ['Thanks!!', 'POSITIVE'],
  ['I love it', 'POSITIVE'],
  ['Interested. Tell me more', 'POSITIVE'],
  ['perfect, thank you', 'POSITIVE'],
  ['no', 'NEGATIVE'],
  ['Nope.', 'NEGATIVE'],
  ['STOP texting me', 'NEGATIVE'],
  ['this is spam', 'NEGATIVE'],
  ['Way too expensive', 'NEGATIVE'],
  ['SCAM', 'NEGATIVE'],
  ['please unsubscribe me', 'NEGATIVE'],
  ['Please stop', 'NEGATIVE'],
  ['I want to unsubscribe', 'NEGATIVE'],
  // negation
  ['not interested', 'NEGATIVE'],
  ['Not interested, thanks', 'NEGATIVE'], // "thanks" is politeness: −1 + 0.5
  ['no thanks', 'NEGATIVE'],
  ['No thanks!', 'NEGATIVE'],
  ["don't want", 'NEGATIVE'],
  ['I don\u2019t want this', 'NEGATIVE'], // typographic apostrophe
  ['not good', 'NEGATIVE'],
  ['not really that interested', 'NEGATIVE'],
  ['Not bad', 'NEUTRAL'], // a negated negative cancels
  ['no problem', 'NEUTRAL'],
  ["I don't know", 'NEUTRAL'], // a negator with nothing to negate, not itself negative
  ['No! Great idea, yes', 'POSITIVE'], // the clause break ends the negation: −1 + 1 + 1
  ['No, stop', 'NEGATIVE'], // across a comma a negative is not cancelled: −2
  ['No, thanks.', 'NEGATIVE'], // ...but a positive is still flipped
  ['thanks but no thanks', 'NEGATIVE'], // after "but" decides
  ['Great offer but too expensive', 'NEGATIVE'],
  // emoji and emoticons
  ['👍', 'POSITIVE'],
  ['👍🏽', 'POSITIVE'], // skin-tone modifier ignored
  ['❤️', 'POSITIVE'], // with variation selector
  ['😀😀', 'POSITIVE'],
  ['👎', 'NEGATIVE'],
  ['😡😡😡', 'NEGATIVE'],
  ['ok 👎👎', 'NEGATIVE'],
  [':)', 'POSITIVE'],
  ['meh :(', 'NEGATIVE'],
  ['<3', 'POSITIVE'],
  // Portuguese / Spanish
  ['Sim', 'POSITIVE'],
  ['sí, gracias', 'POSITIVE'],
  ['Obrigado!', 'POSITIVE'],
  ['não', 'NEGATIVE'],
  ['Não, obrigado', 'NEGATIVE'],
  ['no gracias', 'NEGATIVE'],
  ['muy caro', 'NEGATIVE'],
  // no signal
  ['', 'NEUTRAL'],
  ['   \n\t ', 'NEUTRAL'],
  ['who is this?', 'NEUTRAL'],
  ['maybe later', 'NEUTRAL'],
  ['123', 'NEUTRAL'],
  ['?!.', 'NEUTRAL'],
  ['yes no', 'NEUTRAL'], // a tie
];

describe('sentimentOf', () => {
  it.each(REPLIES)('%j → %s', (reply, expected) => {
    expect(sentimentOf(reply)).toBe(expected);
  });

  it('has a table of at least 30 replies', () => {
    expect(REPLIES.length).toBeGreaterThanOrEqual(30);
  });

  it('is case- and punctuation-insensitive', () => {
    for (const variant of ['not interested', 'NOT INTERESTED', 'Not Interested!!!', '...not interested...']) {
      expect(sentimentOf(variant)).toBe('NEGATIVE');
    }
  });

  it('scores every listed word and emoji on its own with its polarity', () => {
    for (const w of POSITIVE_WORDS) expect([w, sentimentOf(w)]).toEqual([w, 'POSITIVE']);
    for (const e of POSITIVE_EMOJI) expect([e, sentimentOf(e)]).toEqual([e, 'POSITIVE']);
    for (const w of NEGATIVE_WORDS) expect([w, sentimentOf(w)]).toEqual([w, 'NEGATIVE']);
    for (const e of NEGATIVE_EMOJI) expect([e, sentimentOf(e)]).toEqual([e, 'NEGATIVE']);
  });

  it('counts politeness words as half a point', () => {
    expect(sentimentScore('please')).toBe(0.5);
    expect(sentimentScore('thanks')).toBe(0.5);
    expect(sentimentScore('yes please')).toBe(1.5);
    expect(sentimentScore('please stop')).toBe(-0.5);
    expect(sentimentScore('no thanks')).toBe(-0.5);
  });

  it('only the part after the last contrast word decides, when it has a signal', () => {
    expect(sentimentScore('great but no')).toBe(-1);
    expect(sentimentScore('great but who knows')).toBe(1);
  });
});

describe('sentimentTokens', () => {
  it('normalises accents, apostrophes and emoji variation selectors', () => {
    expect(sentimentTokens("Não, I DON'T ❤️ it!")).toEqual([
      { kind: 'word', text: 'nao' },
      { kind: 'break', text: ',' },
      { kind: 'word', text: 'i' },
      { kind: 'word', text: 'dont' },
      { kind: 'emoji', text: '❤' },
      { kind: 'word', text: 'it' },
      { kind: 'break', text: '!' },
    ]);
  });
});
