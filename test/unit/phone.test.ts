import { maskPhone, toE164 } from '../../src/contacts/phone';

describe('toE164', () => {
  it.each([
    ['+351 912 345 678', '+351912345678'],
    ['+351912345678', '+351912345678'],
    ['+1 (201) 555-0123', '+12015550123'],
    ['+44 7911 123456', '+447911123456'],
    ['  +351912345678  ', '+351912345678'],
  ])('normalises the international number %j to %s', (raw, e164) => {
    expect(toE164(raw)).toBe(e164);
  });

  it.each([
    ['912345678', 'PT', '+351912345678'],
    ['212345678', 'PT', '+351212345678'],
    ['00351912345678', 'PT', '+351912345678'],
    ['(201) 555-0123', 'US', '+12015550123'],
    ['201-555-0123', 'US', '+12015550123'],
    ['2015550123', 'US', '+12015550123'],
    ['07911 123456', 'GB', '+447911123456'],
    ['030 123456', 'DE', '+4930123456'],
  ])('reads the national number %j in %s as %s', (raw, country, e164) => {
    expect(toE164(raw, country)).toBe(e164);
  });

  it('ignores the default country when the number has a + country code', () => {
    expect(toE164('+351912345678', 'US')).toBe('+351912345678');
  });

  it.each([
    ['no default country', undefined],
    ['a null default country', null],
  ])('cannot read a national number with %s', (_label, country) => {
    expect(toE164('912345678', country)).toBeUndefined();
  });

  it('rejects a national number that is not valid in the default country', () => {
    expect(toE164('912345678', 'US')).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['letters', 'call me'],
    ['too short', '+351 123'],
    ['one digit short', '+35191234567'],
    ['one digit too many', '+351 912 345 678 9'],
    ['an unassigned range', '+1 555 555 5555'],
  ])('returns undefined for %s (%j)', (_label, raw) => {
    expect(toE164(raw, 'PT')).toBeUndefined();
  });
});

describe('maskPhone', () => {
  it('shows only the last four digits of an E.164 number', () => {
    const masked = maskPhone('+351912345678');
    expect(masked.endsWith('5678')).toBe(true);
    expect(masked.slice(0, -4)).toMatch(/^\*+$/);
  });

  it('hides the country code and every other digit', () => {
    expect(maskPhone('+12015550123').replace(/\*/g, '')).toBe('0123');
  });

  it('masks the single character before the last four of a five-character value', () => {
    expect(maskPhone('12345')).toBe('*2345');
  });

  it.each([['1234'], ['123'], ['1']])('leaves %j (four characters or fewer) unmasked', (short) => {
    expect(maskPhone(short)).toBe(short);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['empty', ''],
  ])('returns an empty string for %s', (_label, value) => {
    expect(maskPhone(value)).toBe('');
  });
});
