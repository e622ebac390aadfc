import {
  classifyInbound,
  HELP_KEYWORDS,
  keywordCandidate,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
} from '../../src/tracking/keywords';
import { sentimentOf } from '../../src/tracking/sentiment';

/** Ways a single keyword arrives: casing, surrounding whitespace, one trailing '.' or '!'. */
function variants(keyword: string): string[] {
  const lower = keyword.toLowerCase();
  const title = lower[0]!.toUpperCase() + lower.slice(1);
  const mixed = [...lower].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  return [
    keyword,
    lower,
    title,
    mixed,
    `  ${title}  `,
    `\t${keyword}\t`,
    `\n${lower}\n`,
    `\r\n${keyword}\r\n`,
    `\u00A0${keyword}\u00A0`, // no-break spaces
    `${keyword}!`,
    `${lower}.`,
    ` ${title}! `,
  ];
}

describe('classifyInbound keywords', () => {
  const cases = [
    ...OPT_OUT_KEYWORDS.map((k) => ['OPT_OUT', k] as const),
    ...OPT_IN_KEYWORDS.map((k) => ['OPT_IN', k] as const),
    ...HELP_KEYWORDS.map((k) => ['HELP', k] as const),
  ];

  it.each(cases)('%s: %s in every casing and spacing', (kind, keyword) => {
    for (const body of variants(keyword)) {
      expect([body, classifyInbound(body)]).toEqual([body, { kind, keyword }]);
    }
  });

  it('has the documented keyword lists', () => {
    expect(OPT_OUT_KEYWORDS).toEqual(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
    expect(OPT_IN_KEYWORDS).toEqual(['START', 'UNSTOP', 'YES']);
    expect(HELP_KEYWORDS).toEqual(['HELP']);
  });

  it.each([
    ['stop', 'OPT_OUT', 'STOP'],
    ['  Stop  ', 'OPT_OUT', 'STOP'],
    ['STOP!', 'OPT_OUT', 'STOP'],
    ['\nquit\n', 'OPT_OUT', 'QUIT'],
    ['yes', 'OPT_IN', 'YES'],
    ['Yes!', 'OPT_IN', 'YES'],
    ['help.', 'HELP', 'HELP'],
  ])('%j → %s %s', (body, kind, keyword) => {
    expect(classifyInbound(body)).toEqual({ kind, keyword });
  });

  it('treats YES as an opt-in keyword, not as a positive reply', () => {
    expect(classifyInbound('YES').kind).toBe('OPT_IN');
    expect(sentimentOf('YES')).toBe('POSITIVE'); // what it would be as a reply
  });
});

describe('classifyInbound replies', () => {
  it.each([
    'stop please',
    "don't stop",
    'STOP STOP',
    'stop stop stop',
    'Please STOP',
    'yes please',
    'yes!!',
    'stop..',
    'stop?',
    '!stop',
    '.stop',
    'stop !', // the trailing mark must follow the word
    'st op',
    'stopp',
    'stop\nplease',
    'STOP ALL',
    'OPT OUT',
    'help me',
    'INFO', // not in our HELP list
    'quıt', // dotless ı upper-cases to I: still not a keyword
    '\u017Ftop', // long s upper-cases to S
    'ＳＴＯＰ', // full-width letters
  ])('%j is a reply', (body) => {
    expect(classifyInbound(body).kind).toBe('REPLY');
  });

  const replies = ['stop please', "don't stop", 'STOP STOP', 'yes please', 'not interested', 'Great, thanks! 👍', 'who?'];
  it.each(replies)('%j carries sentimentOf(body)', (body) => {
    expect(classifyInbound(body)).toEqual({ kind: 'REPLY', sentiment: sentimentOf(body) });
  });

  it('labels replies', () => {
    expect(classifyInbound('stop please')).toEqual({ kind: 'REPLY', sentiment: 'NEGATIVE' });
    expect(classifyInbound('yes please')).toEqual({ kind: 'REPLY', sentiment: 'POSITIVE' });
    expect(classifyInbound('not interested')).toEqual({ kind: 'REPLY', sentiment: 'NEGATIVE' });
    expect(classifyInbound('what time?')).toEqual({ kind: 'REPLY', sentiment: 'NEUTRAL' });
  });

  it.each(['', ' ', '\n\t', '\u00A0', '.', '!'])('empty or whitespace %j → REPLY NEUTRAL', (body) => {
    expect(classifyInbound(body)).toEqual({ kind: 'REPLY', sentiment: 'NEUTRAL' });
  });
});

describe('keywordCandidate', () => {
  it('is the upper-cased single ASCII word, or null', () => {
    expect(keywordCandidate(' Stop! ')).toBe('STOP');
    expect(keywordCandidate('hello.')).toBe('HELLO');
    expect(keywordCandidate('two words')).toBeNull();
    expect(keywordCandidate('')).toBeNull();
    expect(keywordCandidate('stop!!')).toBeNull();
  });
});
