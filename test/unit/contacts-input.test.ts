import { isRejection, normalizeContact, type ContactFields, type ContactPatch, type Rejection } from '../../src/contacts/contact-input';

function patchOf(result: ContactPatch | Rejection): ContactPatch {
  if (isRejection(result)) throw new Error(`expected a patch, got rejection ${result.code}: ${result.message}`);
  return result;
}

function rejectionOf(result: ContactPatch | Rejection): Rejection {
  if (!isRejection(result)) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result;
}

describe('normalizeContact: identifiers', () => {
  it('accepts an externalId alone', () => {
    expect(normalizeContact({ externalId: 'c-1' })).toEqual({ externalId: 'c-1' });
  });

  it('accepts an E.164 phone alone', () => {
    expect(normalizeContact({ phone: '+351 912 345 678' })).toEqual({ phone: '+351912345678' });
  });

  it.each([
    ['912345678', 'PT', '+351912345678'],
    ['(201) 555-0123', 'US', '+12015550123'],
  ])('reads the national number %j in the default country %s', (phone, country, e164) => {
    expect(patchOf(normalizeContact({ phone }, country)).phone).toBe(e164);
  });

  it('trims the externalId', () => {
    expect(patchOf(normalizeContact({ externalId: '  c-1 ' })).externalId).toBe('c-1');
  });

  it('rejects an invalid phone even when there is an externalId', () => {
    expect(rejectionOf(normalizeContact({ externalId: 'c-1', phone: 'not a phone' })).code).toBe('INVALID_PHONE');
  });

  it('rejects a national number without a default country', () => {
    const rejection = rejectionOf(normalizeContact({ phone: '912345678' }));
    expect(rejection.code).toBe('INVALID_PHONE');
    expect(rejection.message).toContain('912345678');
  });

  it('names the default country in the INVALID_PHONE message', () => {
    expect(rejectionOf(normalizeContact({ phone: '912345678' }, 'US')).message).toContain('US');
  });

  it.each<[string, ContactFields]>([
    ['nothing', {}],
    ['null identifiers', { externalId: null, phone: null }],
    ['blank identifiers', { externalId: '  ', phone: ' ' }],
    ['only other fields', { email: 'ana@example.com', firstName: 'Ana' }],
  ])('rejects a contact with %s as MISSING_IDENTIFIER', (_label, input) => {
    expect(rejectionOf(normalizeContact(input, 'PT')).code).toBe('MISSING_IDENTIFIER');
  });

  it('ignores a blank phone when there is an externalId', () => {
    expect(normalizeContact({ externalId: 'c-1', phone: '  ' })).toEqual({ externalId: 'c-1' });
  });
});

describe('normalizeContact: field checks', () => {
  it.each<[string, ContactFields, string]>([
    ['an email without a domain dot', { externalId: 'c', email: 'ana@example' }, 'INVALID_EMAIL'],
    ['an email without @', { externalId: 'c', email: 'ana.example.com' }, 'INVALID_EMAIL'],
    ['an email with a space', { externalId: 'c', email: 'ana silva@example.com' }, 'INVALID_EMAIL'],
    ['an unknown time zone', { externalId: 'c', timezone: 'Mars/Olympus' }, 'INVALID_TIMEZONE'],
    ['an offset instead of a zone', { externalId: 'c', timezone: '+01:00' }, 'INVALID_TIMEZONE'],
    ['array attributes', { externalId: 'c', attributes: ['a'] }, 'INVALID_ATTRIBUTES'],
    ['string attributes', { externalId: 'c', attributes: 'city=Lisbon' }, 'INVALID_ATTRIBUTES'],
    ['number attributes', { externalId: 'c', attributes: 42 }, 'INVALID_ATTRIBUTES'],
    ['an invalid phone', { externalId: 'c', phone: '123' }, 'INVALID_PHONE'],
  ])('rejects %s', (_label, input, code) => {
    const rejection = rejectionOf(normalizeContact(input, 'PT'));
    expect(rejection.code).toBe(code);
    expect(rejection.message).not.toBe('');
  });

  it('lower-cases and trims the email', () => {
    expect(patchOf(normalizeContact({ externalId: 'c', email: '  Ana.Silva@Example.COM ' })).email).toBe('ana.silva@example.com');
  });

  it('keeps a valid IANA time zone', () => {
    expect(patchOf(normalizeContact({ externalId: 'c', timezone: 'Europe/Lisbon' })).timezone).toBe('Europe/Lisbon');
  });

  it('keeps attributes that are an object', () => {
    expect(patchOf(normalizeContact({ externalId: 'c', attributes: { city: 'Lisbon', visits: 3 } })).attributes).toEqual({
      city: 'Lisbon',
      visits: 3,
    });
  });

  it('keeps consent false (it is not a blank)', () => {
    expect(patchOf(normalizeContact({ externalId: 'c', consent: false })).consent).toBe(false);
  });

  it('trims names and segment', () => {
    expect(normalizeContact({ externalId: 'c', firstName: ' Ana ', lastName: ' Silva', segment: 'gold ' })).toEqual({
      externalId: 'c',
      firstName: 'Ana',
      lastName: 'Silva',
      segment: 'gold',
    });
  });
});

describe('normalizeContact: blanks and omitted fields', () => {
  it('turns blank strings into null, which clears the field', () => {
    expect(
      normalizeContact({ externalId: 'c', email: ' ', timezone: '', firstName: '  ', lastName: '\t', segment: '' }),
    ).toEqual({ externalId: 'c', email: null, timezone: null, firstName: null, lastName: null, segment: null });
  });

  it('keeps explicit nulls as null', () => {
    expect(normalizeContact({ externalId: 'c', email: null, timezone: null, firstName: null, lastName: null, segment: null })).toEqual({
      externalId: 'c',
      email: null,
      timezone: null,
      firstName: null,
      lastName: null,
      segment: null,
    });
  });

  it('leaves out fields that were not given, so an upsert keeps them', () => {
    const patch = patchOf(normalizeContact({ externalId: 'c' }));
    expect(Object.keys(patch)).toEqual(['externalId']);
  });

  it('leaves out null tags, attributes and consent', () => {
    const patch = patchOf(normalizeContact({ externalId: 'c', tags: null, attributes: null, consent: null }));
    expect(Object.keys(patch)).toEqual(['externalId']);
  });
});

describe('normalizeContact: tags', () => {
  it('trims, drops blanks and de-duplicates tags, keeping first-seen order', () => {
    expect(patchOf(normalizeContact({ externalId: 'c', tags: [' vip', 'new', '', '  ', 'vip ', 'new'] })).tags).toEqual(['vip', 'new']);
  });

  it('keeps tags that differ in case', () => {
    expect(patchOf(normalizeContact({ externalId: 'c', tags: ['VIP', 'vip'] })).tags).toEqual(['VIP', 'vip']);
  });

  it('turns an empty list into an empty list (clearing the tags)', () => {
    expect(patchOf(normalizeContact({ externalId: 'c', tags: [] })).tags).toEqual([]);
  });
});

describe('isRejection', () => {
  it('is true for a rejection', () => {
    expect(isRejection({ code: 'INVALID_EMAIL', message: 'bad' })).toBe(true);
  });

  it('is false for a patch', () => {
    expect(isRejection({ externalId: 'c', email: 'a@b.co' })).toBe(false);
  });

  it('is false for a patch produced by normalizeContact', () => {
    expect(isRejection(normalizeContact({ externalId: 'c', firstName: 'Ana' }))).toBe(false);
  });
});
