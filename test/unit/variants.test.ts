import { DomainError } from '../../src/errors';
import { CampaignType } from '../../src/campaigns/enums';
import { MAX_VARIANTS, MIN_TEST_VARIANTS, normalizeVariants, splitWeights, variantKeys, type VariantDraft } from '../../src/campaigns/variants';
import { Channel } from '../../src/domain/channel';
import { domainErrorOf } from './support';

const drafts = (n: number, extra: Partial<VariantDraft> = {}): VariantDraft[] =>
  Array.from({ length: n }, (_, i) => ({ template: `Message ${i + 1}`, ...extra }));

describe('normalizeVariants: variant count', () => {
  it('uses the documented limits for test campaigns', () => {
    expect([MIN_TEST_VARIANTS, MAX_VARIANTS]).toEqual([2, 8]);
  });

  it.each([
    [CampaignType.STANDARD, 0, 'TOO_FEW_VARIANTS'],
    [CampaignType.STANDARD, 2, 'TOO_MANY_VARIANTS'],
    [CampaignType.AB_TEST, 0, 'TOO_FEW_VARIANTS'],
    [CampaignType.AB_TEST, 1, 'TOO_FEW_VARIANTS'],
    [CampaignType.AB_TEST, 9, 'TOO_MANY_VARIANTS'],
    [CampaignType.BANDIT, 1, 'TOO_FEW_VARIANTS'],
    [CampaignType.BANDIT, 9, 'TOO_MANY_VARIANTS'],
  ])('rejects a %s campaign with %i variant(s): %s', (type, n, reason) => {
    const error = domainErrorOf(() => normalizeVariants(type, drafts(n)));
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.reason).toBe(reason);
    expect(error.field).toBe('input.variants');
  });

  it.each([
    [CampaignType.STANDARD, 1],
    [CampaignType.AB_TEST, 2],
    [CampaignType.AB_TEST, 8],
    [CampaignType.BANDIT, 2],
    [CampaignType.BANDIT, 8],
  ])('accepts a %s campaign with %i variant(s)', (type, n) => {
    expect(normalizeVariants(type, drafts(n))).toHaveLength(n);
  });
});

describe('normalizeVariants: result', () => {
  it('fills keys, names, weights, control and positions for a plain A/B test', () => {
    expect(normalizeVariants(CampaignType.AB_TEST, [{ template: 'Hi {first_name}' }, { template: 'Hello' }])).toEqual([
      { key: 'A', name: 'Variant A', template: 'Hi {first_name}', subject: null, html: null, whatsappTemplate: null, templateId: null, templateVersion: null, weight: 50, isControl: true, position: 0 },
      { key: 'B', name: 'Variant B', template: 'Hello', subject: null, html: null, whatsappTemplate: null, templateId: null, templateVersion: null, weight: 50, isControl: false, position: 1 },
    ]);
  });

  it('gives a single STANDARD variant weight 100 and makes it the control', () => {
    expect(normalizeVariants(CampaignType.STANDARD, [{ template: 'Hi' }])).toEqual([
      { key: 'A', name: 'Variant A', template: 'Hi', subject: null, html: null, whatsappTemplate: null, templateId: null, templateVersion: null, weight: 100, isControl: true, position: 0 },
    ]);
  });

  it('keeps given names, trimmed', () => {
    const [a] = normalizeVariants(CampaignType.AB_TEST, [{ template: 'x', name: '  Friendly  ' }, { template: 'y' }]);
    expect(a!.name).toBe('Friendly');
  });

  it.each([['empty', ''], ['blank', '   '], ['null', null]])('names a variant after its key when the name is %s', (_label, name) => {
    const [a] = normalizeVariants(CampaignType.AB_TEST, [{ template: 'x', name, key: 'short' }, { template: 'y' }]);
    expect(a!.name).toBe('Variant short');
  });

  it('keeps the template exactly as given', () => {
    const [a] = normalizeVariants(CampaignType.AB_TEST, [{ template: '  Hi {first_name}  ' }, { template: 'y' }]);
    expect(a!.template).toBe('  Hi {first_name}  ');
  });

  it('makes the first variant the control by default', () => {
    const result = normalizeVariants(CampaignType.AB_TEST, drafts(3));
    expect(result.map((v) => v.isControl)).toEqual([true, false, false]);
  });

  it('honours an explicit control', () => {
    const result = normalizeVariants(CampaignType.AB_TEST, [{ template: 'a' }, { template: 'b' }, { template: 'c', isControl: true }]);
    expect(result.map((v) => v.isControl)).toEqual([false, false, true]);
  });

  it('treats isControl false and null like omitted', () => {
    const result = normalizeVariants(CampaignType.AB_TEST, [
      { template: 'a', isControl: false },
      { template: 'b', isControl: null },
    ]);
    expect(result.map((v) => v.isControl)).toEqual([true, false]);
  });

  it('numbers positions in input order', () => {
    expect(normalizeVariants(CampaignType.BANDIT, drafts(4)).map((v) => v.position)).toEqual([0, 1, 2, 3]);
  });
});

describe('normalizeVariants: errors', () => {
  it.each<[string, VariantDraft[], string, string]>([
    ['an empty template', [{ template: 'a' }, { template: '' }], 'EMPTY_TEMPLATE', 'input.variants.1.template'],
    ['a blank template', [{ template: ' \n\t' }, { template: 'b' }], 'EMPTY_TEMPLATE', 'input.variants.0.template'],
    ['an unknown variable', [{ template: 'a' }, { template: 'Hi {frist_name}' }], 'UNKNOWN_TEMPLATE_VARIABLE', 'input.variants.1.template'],
    ['empty braces', [{ template: 'Hi {}' }, { template: 'b' }], 'UNKNOWN_TEMPLATE_VARIABLE', 'input.variants.0.template'],
    ['a weight of 0', [{ template: 'a', weight: 0 }, { template: 'b' }], 'INVALID_SPLIT_RATIO', 'input.variants.0.weight'],
    ['weights not summing to 100', [{ template: 'a', weight: 40 }, { template: 'b', weight: 40 }], 'INVALID_SPLIT_RATIO', 'input.variants'],
    ['an invalid key', [{ template: 'a', key: 'no spaces' }, { template: 'b' }], 'INVALID_VARIANT_KEY', 'input.variants.0.key'],
    ['a duplicate key', [{ template: 'a', key: 'x' }, { template: 'b', key: 'X' }], 'DUPLICATE_VARIANT_KEY', 'input.variants.1.key'],
    [
      'two controls',
      [{ template: 'a' }, { template: 'b', isControl: true }, { template: 'c', isControl: true }],
      'MULTIPLE_CONTROLS',
      'input.variants.2.isControl',
    ],
  ])('rejects %s', (_label, input, reason, field) => {
    const error = domainErrorOf(() => normalizeVariants(CampaignType.AB_TEST, input));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', reason, field]);
  });

  it('names the unknown variables in the message', () => {
    const error = domainErrorOf(() => normalizeVariants(CampaignType.AB_TEST, [{ template: 'a' }, { template: '{frist_name} {lst_name}' }]));
    expect(error.message).toContain('{frist_name}');
    expect(error.message).toContain('{lst_name}');
  });

  it('uses the given path in error fields', () => {
    const error = domainErrorOf(() => normalizeVariants(CampaignType.AB_TEST, [{ template: 'a' }, { template: '' }], 'input.campaign.variants'));
    expect(error.field).toBe('input.campaign.variants.1.template');
  });

  it('uses the given path for count errors', () => {
    const error = domainErrorOf(() => normalizeVariants(CampaignType.AB_TEST, [], 'variants'));
    expect(error.field).toBe('variants');
  });
});

describe('splitWeights', () => {
  it('splits 100 equally when no weight is given', () => {
    expect(splitWeights([{}, {}, {}, {}])).toEqual([25, 25, 25, 25]);
  });

  it('shares the remainder equally among omitted weights', () => {
    expect(splitWeights([{ weight: 50 }, {}, {}])).toEqual([50, 25, 25]);
  });

  it('treats null like an omitted weight', () => {
    expect(splitWeights([{ weight: 70 }, { weight: null }])).toEqual([70, 30]);
  });

  it('keeps given weights that sum to 100', () => {
    expect(splitWeights([{ weight: 20 }, { weight: 30 }, { weight: 50 }])).toEqual([20, 30, 50]);
  });

  it('tolerates floating-point rounding in the sum', () => {
    expect(splitWeights([{ weight: 33.3 }, { weight: 33.3 }, { weight: 33.4 }])).toEqual([33.3, 33.3, 33.4]);
  });

  it('gives three omitted weights a third each', () => {
    const weights = splitWeights([{}, {}, {}]);
    weights.forEach((w) => expect(w).toBeCloseTo(100 / 3, 10));
  });

  it.each([[{ weight: 100 }], [{}], [{ weight: null }]])('gives a single variant 100 (%j)', (draft) => {
    expect(splitWeights([draft])).toEqual([100]);
  });

  it.each<[string, { weight?: number | null }[], string]>([
    ['a weight of 0', [{ weight: 0 }, {}], 'input.variants.0.weight'],
    ['a negative weight', [{}, { weight: -10 }], 'input.variants.1.weight'],
    ['a weight of 100 among several', [{ weight: 100 }, {}], 'input.variants.0.weight'],
    ['a weight above 100', [{ weight: 150 }, { weight: -50 }], 'input.variants.0.weight'],
    ['a NaN weight', [{ weight: NaN }, {}], 'input.variants.0.weight'],
    ['an infinite weight', [{ weight: Infinity }, {}], 'input.variants.0.weight'],
    ['weights summing to less than 100', [{ weight: 40 }, { weight: 40 }], 'input.variants'],
    ['weights summing to more than 100', [{ weight: 60 }, { weight: 50 }], 'input.variants'],
    ['given weights leaving nothing for an omitted one', [{ weight: 60 }, { weight: 40 }, {}], 'input.variants'],
    ['given weights exceeding 100 with an omitted one', [{ weight: 60 }, { weight: 50 }, {}], 'input.variants'],
    ['a single variant weighted 50', [{ weight: 50 }], 'input.variants.0.weight'],
    ['a single variant weighted 0', [{ weight: 0 }], 'input.variants.0.weight'],
  ])('rejects %s with INVALID_SPLIT_RATIO', (_label, input, field) => {
    const error = domainErrorOf(() => splitWeights(input));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'INVALID_SPLIT_RATIO', field]);
  });

  it('uses the given path', () => {
    expect(domainErrorOf(() => splitWeights([{ weight: 0 }, {}], 'v')).field).toBe('v.0.weight');
  });
});

describe('variantKeys', () => {
  it('gives omitted keys A, B, C… in order', () => {
    expect(variantKeys([{}, {}, {}])).toEqual(['A', 'B', 'C']);
  });

  it('gives omitted keys the first free letter', () => {
    expect(variantKeys([{ key: 'B' }, {}, {}])).toEqual(['B', 'A', 'C']);
  });

  it('counts a lower-case given key as taking its upper-case letter', () => {
    expect(variantKeys([{}, { key: 'a' }])).toEqual(['B', 'a']);
  });

  it('treats null like an omitted key', () => {
    expect(variantKeys([{ key: null }, { key: 'control' }])).toEqual(['A', 'control']);
  });

  it('trims given keys', () => {
    expect(variantKeys([{ key: '  promo-1 ' }, {}])).toEqual(['promo-1', 'A']);
  });

  it.each([['A'], ['z'], ['variant_2'], ['promo-10'], ['x'.repeat(32)]])('accepts the key %j', (key) => {
    expect(variantKeys([{ key }])).toEqual([key]);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['with a space', 'a b'],
    ['with a dot', 'a.b'],
    ['with an accent', 'é'],
    ['33 characters long', 'x'.repeat(33)],
  ])('rejects a key that is %s with INVALID_VARIANT_KEY', (_label, key) => {
    const error = domainErrorOf(() => variantKeys([{}, { key }]));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'INVALID_VARIANT_KEY', 'input.variants.1.key']);
  });

  it.each([
    ['identical', 'promo', 'promo'],
    ['differing only in case', 'Promo', 'PROMO'],
    ['equal after trimming', 'promo', ' promo '],
  ])('rejects keys that are %s with DUPLICATE_VARIANT_KEY', (_label, first, second) => {
    const error = domainErrorOf(() => variantKeys([{ key: first }, {}, { key: second }]));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'DUPLICATE_VARIANT_KEY', 'input.variants.2.key']);
  });
});

describe('normalizeVariants: WhatsApp template names', () => {
  const wa = (name: string) => normalizeVariants(CampaignType.STANDARD, [{ template: 'Hi', whatsappTemplate: { name, language: 'en_US', parameters: ['{first_name}'] } }], 'input.variants', Channel.WHATSAPP);

  it.each(['spring_sale', 'hello_world2', 'HX' + '0123456789abcdef'.repeat(2), 'HX' + 'ABCDEF0123456789'.repeat(2)])('accepts %s (a Meta template name or a Twilio Content SID)', (name) => {
    expect(wa(name)[0]!.whatsappTemplate).toEqual({ name, language: 'en_US', parameters: ['{first_name}'] });
  });

  it.each(['Spring_Sale', 'spring-sale', 'HX123', 'HX' + 'g'.repeat(32), 'HX' + 'a'.repeat(33), 'MG' + 'a'.repeat(32), ''])('refuses %j with INVALID_WHATSAPP_TEMPLATE on the name', (name) => {
    const error = domainErrorOf(() => wa(name));
    expect(error.reason).toBe('INVALID_WHATSAPP_TEMPLATE');
    expect(error.field).toBe('input.variants.0.whatsappTemplate.name');
  });
});
