import {
  KNOWN_VARIABLES,
  contactVariables,
  isKnownVariable,
  renderTemplate,
  templateVariables,
  unknownVariables,
} from '../../src/campaigns/templates/render';

describe('templateVariables', () => {
  it('lists distinct variables in order of first use', () => {
    expect(templateVariables('Hi {first_name} {last_name}, {first_name}!')).toEqual(['first_name', 'last_name']);
  });

  it('does not include the fallback in the name', () => {
    expect(templateVariables('Hi {first_name|there}')).toEqual(['first_name']);
  });

  it('trims whitespace inside the braces', () => {
    expect(templateVariables('{ first_name } and { last_name | friend }')).toEqual(['first_name', 'last_name']);
  });

  it('treats the same name with and without fallback as one variable', () => {
    expect(templateVariables('{first_name|there} {first_name}')).toEqual(['first_name']);
  });

  it('includes attribute variables', () => {
    expect(templateVariables('See you in {attributes.city}')).toEqual(['attributes.city']);
  });

  it('ignores escaped braces', () => {
    expect(templateVariables('Reply {{first_name}} or {{STOP}}')).toEqual([]);
  });

  it('ignores an unclosed brace', () => {
    expect(templateVariables('Hi {first_name')).toEqual([]);
  });

  it('returns nothing for plain text', () => {
    expect(templateVariables('Hello there')).toEqual([]);
  });
});

describe('isKnownVariable', () => {
  it.each(KNOWN_VARIABLES.map((v) => [v]))('knows %s', (name) => {
    expect(isKnownVariable(name)).toBe(true);
  });

  it('has the documented list of known variables', () => {
    expect([...KNOWN_VARIABLES].sort()).toEqual(
      ['email', 'external_id', 'first_name', 'full_name', 'last_name', 'offer_amount', 'phone', 'segment'].sort(),
    );
  });

  it.each([['attributes.city'], ['attributes.Zip_Code'], ['attributes.favourite-color'], ['attributes.42']])(
    'knows attribute variable %s',
    (name) => {
      expect(isKnownVariable(name)).toBe(true);
    },
  );

  it.each([
    ['a typo', 'frist_name'],
    ['wrong case', 'First_Name'],
    ['an unlisted lower-case name', 'city'],
    ['an empty name', ''],
    ['an internal space', 'first name'],
    ['bare attributes', 'attributes'],
    ['attributes. without a key', 'attributes.'],
    ['an attribute key with a space', 'attributes.home town'],
    ['a nested attribute path', 'attributes.address.city'],
    ['an Object.prototype property', 'constructor'],
  ])('rejects %s (%j)', (_label, name) => {
    expect(isKnownVariable(name)).toBe(false);
  });
});

describe('unknownVariables', () => {
  it('returns only the variables nobody can fill', () => {
    expect(unknownVariables('Hi {frist_name} {first_name}, {attributes.city} {segmnt}')).toEqual(['frist_name', 'segmnt']);
  });

  it('is case-sensitive', () => {
    expect(unknownVariables('Hi {FIRST_NAME}')).toEqual(['FIRST_NAME']);
  });

  it('reports empty braces as an unknown (empty) variable', () => {
    expect(unknownVariables('Hi {}')).toEqual(['']);
  });

  it('reports a typo only once', () => {
    expect(unknownVariables('{frist_name} {frist_name|x}')).toEqual(['frist_name']);
  });

  it('ignores escaped braces', () => {
    expect(unknownVariables('{{frist_name}}')).toEqual([]);
  });

  it('is empty for a template with only known variables', () => {
    expect(unknownVariables('Hi {first_name|there}, {offer_amount} off in {attributes.city}')).toEqual([]);
  });
});

describe('renderTemplate', () => {
  it('fills placeholders with their values', () => {
    expect(renderTemplate('Hi {first_name} {last_name}!', { first_name: 'Ana', last_name: 'Silva' })).toEqual({
      text: 'Hi Ana Silva!',
      missing: [],
    });
  });

  it('accepts whitespace inside the braces', () => {
    expect(renderTemplate('Hi { first_name }!', { first_name: 'Ana' }).text).toBe('Hi Ana!');
  });

  it('prefers the value over the fallback', () => {
    expect(renderTemplate('Hi {first_name|there}!', { first_name: 'Ana' })).toEqual({ text: 'Hi Ana!', missing: [] });
  });

  it.each([
    ['absent', {}],
    ['undefined', { first_name: undefined }],
    ['null', { first_name: null }],
    ['empty', { first_name: '' }],
  ])('uses the fallback when the value is %s, and reports it missing', (_label, values) => {
    expect(renderTemplate('Hi {first_name|there}!', values)).toEqual({ text: 'Hi there!', missing: ['first_name'] });
  });

  it('uses the fallback with whitespace around the name', () => {
    expect(renderTemplate('Hi { first_name |there}!', {}).text).toBe('Hi there!');
  });

  it('renders a missing variable without fallback as nothing', () => {
    expect(renderTemplate('Hi {first_name}!', {})).toEqual({ text: 'Hi !', missing: ['first_name'] });
  });

  it('renders an empty fallback as nothing', () => {
    expect(renderTemplate('Hi{first_name|}!', {})).toEqual({ text: 'Hi!', missing: ['first_name'] });
  });

  it('turns {{ and }} into literal braces', () => {
    expect(renderTemplate('Use code {{SAVE10}} now', {})).toEqual({ text: 'Use code {SAVE10} now', missing: [] });
  });

  it('does not treat an escaped placeholder as a variable', () => {
    expect(renderTemplate('{{first_name}}', { first_name: 'Ana' })).toEqual({ text: '{first_name}', missing: [] });
  });

  it('renders a placeholder wrapped in escaped braces', () => {
    expect(renderTemplate('{{{first_name}}}', { first_name: 'Ana' }).text).toBe('{Ana}');
  });

  it('leaves lone braces as they are', () => {
    expect(renderTemplate('a } b { c', {}).text).toBe('a } b { c');
  });

  it('lists each missing variable once, in order of first use', () => {
    expect(renderTemplate('{last_name} {first_name} {last_name}', {}).missing).toEqual(['last_name', 'first_name']);
  });

  it('fills attribute variables', () => {
    expect(renderTemplate('See you in {attributes.city}', { 'attributes.city': 'Lisbon' }).text).toBe('See you in Lisbon');
  });

  it('does not expand placeholders that appear inside a value', () => {
    expect(renderTemplate('Hi {first_name}', { first_name: '{last_name}', last_name: 'Silva' }).text).toBe('Hi {last_name}');
  });

  it('renders an unknown variable as missing', () => {
    expect(renderTemplate('Hi {frist_name|there}', { first_name: 'Ana' })).toEqual({ text: 'Hi there', missing: ['frist_name'] });
  });

  it('leaves a template without placeholders unchanged', () => {
    expect(renderTemplate('Reply STOP to opt out', { first_name: 'Ana' })).toEqual({ text: 'Reply STOP to opt out', missing: [] });
  });
});

describe('contactVariables', () => {
  it('maps every contact field to its variable', () => {
    const values = contactVariables({
      firstName: 'Ana',
      lastName: 'Silva',
      phone: '+351912345678',
      email: 'ana@example.com',
      externalId: 'c-1',
      segment: 'gold',
    });
    expect(values).toEqual({
      first_name: 'Ana',
      last_name: 'Silva',
      full_name: 'Ana Silva',
      phone: '+351912345678',
      email: 'ana@example.com',
      external_id: 'c-1',
      segment: 'gold',
      offer_amount: undefined,
    });
  });

  it.each([
    ['only a first name', { firstName: 'Ana' }, 'Ana'],
    ['only a last name', { lastName: 'Silva' }, 'Silva'],
    ['a null first name', { firstName: null, lastName: 'Silva' }, 'Silva'],
    ['an empty first name', { firstName: '', lastName: 'Silva' }, 'Silva'],
  ])('builds full_name from %s', (_label, contact, fullName) => {
    expect(contactVariables(contact).full_name).toBe(fullName);
  });

  it('leaves full_name undefined without any name', () => {
    expect(contactVariables({ firstName: null, lastName: null }).full_name).toBeUndefined();
  });

  it('turns null fields into undefined', () => {
    const values = contactVariables({ firstName: null, phone: null, email: null, externalId: null, segment: null });
    expect(Object.values(values).every((v) => v === undefined)).toBe(true);
  });

  it.each([
    [25, '25'],
    [0, '0'],
    [12.5, '12.5'],
  ])('stringifies offerAmount %p as %p', (offerAmount, expected) => {
    expect(contactVariables({}, { offerAmount }).offer_amount).toBe(expected);
  });

  it.each([
    ['no campaign', undefined],
    ['a null offerAmount', { offerAmount: null }],
    ['no offerAmount', {}],
  ])('leaves offer_amount undefined with %s', (_label, campaign) => {
    expect(contactVariables({ firstName: 'Ana' }, campaign).offer_amount).toBeUndefined();
  });

  it('exposes scalar attributes as attributes.<key> strings', () => {
    const values = contactVariables({ attributes: { city: 'Lisbon', visits: 3, vip: false } });
    expect(values).toMatchObject({ 'attributes.city': 'Lisbon', 'attributes.visits': '3', 'attributes.vip': 'false' });
  });

  it('skips attributes whose value is an object, an array or null', () => {
    const values = contactVariables({ attributes: { address: { city: 'Lisbon' }, list: [1, 2], none: null, city: 'Porto' } });
    const attributeKeys = Object.keys(values).filter((k) => k.startsWith('attributes.'));
    expect(attributeKeys).toEqual(['attributes.city']);
  });

  it('feeds renderTemplate', () => {
    const values = contactVariables({ firstName: 'Ana', attributes: { city: 'Lisbon' } }, { offerAmount: 10 });
    expect(renderTemplate('Hi {first_name|there}, {offer_amount}€ off in {attributes.city}. {last_name|}', values)).toEqual({
      text: 'Hi Ana, 10€ off in Lisbon. ',
      missing: ['last_name'],
    });
  });
});

describe('renderTemplate: only own values', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])('treats {%s} as missing, not as an inherited property', (name) => {
    expect(renderTemplate(`{${name}|x}`, {})).toEqual({ text: 'x', missing: [name] });
  });
});
