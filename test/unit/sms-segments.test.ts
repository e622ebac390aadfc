import { isGsm7, smsLength } from '../../src/campaigns/templates/sms-segments';

/**
 * GSM 7-bit default alphabet, transcribed from 3GPP TS 23.038 §6.2.1 in code order
 * (0x00–0x7F, 16 per row). 0x1B is the escape to the extension table (null here).
 */
const GSM7_DEFAULT_TABLE: (string | null)[] = [
  ...['@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å'],
  ...['Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', null, 'Æ', 'æ', 'ß', 'É'],
  ...[' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/'],
  ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?'],
  ...['¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O'],
  ...['P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§'],
  ...['¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o'],
  ...['p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à'],
];
const GSM7_BASIC_CHARS = GSM7_DEFAULT_TABLE.filter((c): c is string => c !== null);

/** Default extension table (TS 23.038 §6.2.1.1): each is sent as ESC + char = 2 septets. */
const GSM7_EXTENSION_CHARS = ['\f', '^', '{', '}', '\\', '[', '~', ']', '|', '€'];

/** Characters that are commonly mistaken for GSM-7 but force UCS-2. */
const NOT_GSM7 = [
  ['ç (lower-case c cedilla; only Ç is in the table)', 'ç'],
  ['á', 'á'],
  ['ê', 'ê'],
  ['õ', 'õ'],
  ['backtick', '`'],
  ['right single quotation mark', '\u2019'],
  ['left double quotation mark', '\u201C'],
  ['en dash', '\u2013'],
  ['ellipsis', '\u2026'],
  ['tab', '\t'],
  ['no-break space', '\u00A0'],
  ['Greek small delta', 'δ'],
  ['Cyrillic Zhe', 'Ж'],
  ['CJK', '中'],
  ['emoji', '😀'],
] as const;

describe('isGsm7', () => {
  it('the transcribed default table has the 127 printable GSM-7 characters', () => {
    expect(GSM7_DEFAULT_TABLE).toHaveLength(128);
    expect(new Set(GSM7_BASIC_CHARS).size).toBe(127);
  });

  it.each(GSM7_BASIC_CHARS.map((c) => [JSON.stringify(c), c]))('accepts basic-table character %s', (_label, ch) => {
    expect(isGsm7(ch)).toBe(true);
  });

  it.each(GSM7_EXTENSION_CHARS.map((c) => [JSON.stringify(c), c]))('accepts extension-table character %s', (_label, ch) => {
    expect(isGsm7(ch)).toBe(true);
  });

  it.each(NOT_GSM7)('rejects %s', (_label, ch) => {
    expect(isGsm7(ch)).toBe(false);
  });

  it('distinguishes Ç (in the table) from ç (not in it)', () => {
    expect([isGsm7('Ç'), isGsm7('ç')]).toEqual([true, false]);
  });

  it('accepts a whole sentence made of basic and extension characters', () => {
    expect(isGsm7('Ola! Save 10€ on [shoes] {today} ~ 50% off | ^_^ \\o/')).toBe(true);
  });

  it('rejects a text as soon as one character is outside GSM-7', () => {
    expect(isGsm7('a'.repeat(200) + 'ç')).toBe(false);
  });

  it('accepts the empty string', () => {
    expect(isGsm7('')).toBe(true);
  });
});

describe('smsLength: GSM-7', () => {
  it.each([
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('%i basic characters make %i segment(s)', (n, segments) => {
    expect(smsLength('a'.repeat(n))).toEqual({ encoding: 'GSM7', characters: n, units: n, segments });
  });

  it.each(GSM7_EXTENSION_CHARS.map((c) => [JSON.stringify(c), c]))('extension character %s costs two septets', (_label, ch) => {
    expect(smsLength(ch)).toEqual({ encoding: 'GSM7', characters: 1, units: 2, segments: 1 });
  });

  it('counts line feed and carriage return as one septet each (they are basic characters)', () => {
    expect(smsLength('a\r\nb')).toEqual({ encoding: 'GSM7', characters: 4, units: 4, segments: 1 });
  });

  it('fits 80 € (160 septets) in one segment', () => {
    expect(smsLength('€'.repeat(80))).toEqual({ encoding: 'GSM7', characters: 80, units: 160, segments: 1 });
  });

  it('needs two segments for 81 € (162 septets)', () => {
    expect(smsLength('€'.repeat(81))).toEqual({ encoding: 'GSM7', characters: 81, units: 162, segments: 2 });
  });

  it('fits 158 basic characters plus one extension character (160 septets) in one segment', () => {
    expect(smsLength('a'.repeat(158) + '€')).toMatchObject({ units: 160, segments: 1 });
  });

  it('needs two segments for 159 basic characters plus one extension character (161 septets)', () => {
    expect(smsLength('a'.repeat(159) + '€')).toMatchObject({ units: 161, segments: 2 });
  });

  it('moves an escape pair that would straddle a segment boundary to the next segment', () => {
    // 152 + 2 + 152 = 306 septets: ceil(306 / 153) would be 2, but the € cannot start at septet 153,
    // so segment 1 holds 152 septets, segment 2 holds € + 151 'a', segment 3 the last 'a'.
    expect(smsLength('a'.repeat(152) + '€' + 'a'.repeat(152))).toEqual({
      encoding: 'GSM7',
      characters: 305,
      units: 306,
      segments: 3,
    });
  });

  it('packs only 76 € per concatenated segment (153 € need 3 segments, not ceil(306/153) = 2)', () => {
    expect(smsLength('€'.repeat(153))).toEqual({ encoding: 'GSM7', characters: 153, units: 306, segments: 3 });
  });

  it('puts an escape pair that ends exactly on the boundary in the same segment', () => {
    // 151 + 2 = 153 septets fill segment 1 exactly; 153 more fill segment 2.
    expect(smsLength('a'.repeat(151) + '€' + 'a'.repeat(153))).toEqual({
      encoding: 'GSM7',
      characters: 305,
      units: 306,
      segments: 2,
    });
  });
});

describe('smsLength: UCS-2', () => {
  it.each([
    [1, 1],
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
    [201, 3],
    [202, 4],
  ])('%i non-GSM characters make %i segment(s)', (n, segments) => {
    expect(smsLength('ç'.repeat(n))).toEqual({ encoding: 'UCS2', characters: n, units: n, segments });
  });

  it('switches the whole message to UCS-2 because of a single non-GSM character', () => {
    // 101 characters would be one GSM-7 segment; in UCS-2 they need two.
    expect(smsLength('a'.repeat(100) + 'ç')).toEqual({ encoding: 'UCS2', characters: 101, units: 101, segments: 2 });
  });

  it('counts an extension character as one UTF-16 unit once the message is UCS-2', () => {
    expect(smsLength('ç' + '€'.repeat(69))).toEqual({ encoding: 'UCS2', characters: 70, units: 70, segments: 1 });
  });

  it('counts an emoji as one character and two UTF-16 units', () => {
    expect(smsLength('😀')).toEqual({ encoding: 'UCS2', characters: 1, units: 2, segments: 1 });
  });

  it('counts characters in code points, not UTF-16 units', () => {
    expect(smsLength('Hi 😀👍')).toEqual({ encoding: 'UCS2', characters: 5, units: 7, segments: 1 });
  });

  it('fits 35 emoji (70 units) in one segment', () => {
    expect(smsLength('😀'.repeat(35))).toEqual({ encoding: 'UCS2', characters: 35, units: 70, segments: 1 });
  });

  it('needs two segments for 36 emoji (72 units)', () => {
    expect(smsLength('😀'.repeat(36))).toEqual({ encoding: 'UCS2', characters: 36, units: 72, segments: 2 });
  });

  it('does not split a surrogate pair across segments', () => {
    // 66 + 2 + 66 = 134 units: ceil(134 / 67) would be 2, but the emoji cannot start at unit 67.
    expect(smsLength('ç'.repeat(66) + '😀' + 'ç'.repeat(66))).toEqual({
      encoding: 'UCS2',
      characters: 133,
      units: 134,
      segments: 3,
    });
  });

  it('packs only 33 emoji per concatenated segment (67 emoji need 3 segments)', () => {
    expect(smsLength('😀'.repeat(67))).toEqual({ encoding: 'UCS2', characters: 67, units: 134, segments: 3 });
  });
});

describe('smsLength: empty text', () => {
  it('is zero segments', () => {
    expect(smsLength('')).toEqual({ encoding: 'GSM7', characters: 0, units: 0, segments: 0 });
  });
});
