/** The create-an-A/B-test form's pure logic (web/src/experiments/new-test-model.ts). */
import {
  addVariant,
  audienceInput,
  describePreview,
  errorPlace,
  evenWeights,
  initialForm,
  notNumbers,
  parseNumber,
  previewVariables,
  reachVariables,
  removeVariant,
  setControl,
  splitSummary,
  toCreateInput,
  updateVariant,
  type NewTestForm,
} from '../../web/src/experiments/new-test-model';
import { splitWeights } from '../../src/campaigns/variants';
import { DomainError } from '../../src/errors';

const weights = (...w: string[]) => w.map((weight) => ({ weight }));

describe('variants', () => {
  it('starts with A (control) and B at 50 / 50', () => {
    const f = initialForm();
    expect(f.variants.map((v) => [v.key, v.isControl, v.weight])).toEqual([
      ['A', true, '50'],
      ['B', false, '50'],
    ]);
  });

  it('adds the next free letter, re-spreads the split evenly and stops at 8', () => {
    let f = addVariant(initialForm());
    expect(f.variants.map((v) => v.key)).toEqual(['A', 'B', 'C']);
    // 100 / 3 in hundredths: 3334 + 3333 + 3333 = 10000
    expect(f.variants.map((v) => v.weight)).toEqual(['33.34', '33.33', '33.33']);
    expect(new Set(f.variants.map((v) => v.uid)).size).toBe(3);
    for (let i = 0; i < 10; i++) f = addVariant(f);
    expect(f.variants.map((v) => v.key)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
    expect(f.variants.map((v) => v.weight)).toEqual(Array(8).fill('12.5'));
  });

  it('skips letters already typed as keys', () => {
    let f = initialForm();
    f = updateVariant(f, f.variants[1]!.uid, { key: 'c' });
    expect(addVariant(f).variants.map((v) => v.key)).toEqual(['A', 'c', 'B']);
  });

  it('removes down to 2, passing the control to the first variant left', () => {
    let f = addVariant(initialForm());
    const [a, b] = f.variants;
    f = removeVariant(f, a!.uid);
    expect(f.variants.map((v) => [v.key, v.isControl, v.weight])).toEqual([
      ['B', true, '50'],
      ['C', false, '50'],
    ]);
    expect(removeVariant(f, b!.uid)).toBe(f);
  });

  it('keeps exactly one control', () => {
    const f = initialForm();
    const g = setControl(f, f.variants[1]!.uid);
    expect(g.variants.map((v) => v.isControl)).toEqual([false, true]);
  });

  it('spreads evenly in hundredths summing to exactly 100', () => {
    expect(evenWeights(2)).toEqual(['50', '50']);
    expect(evenWeights(6)).toEqual(['16.67', '16.67', '16.67', '16.67', '16.66', '16.66']);
    expect(evenWeights(7)).toEqual(['14.29', '14.29', '14.29', '14.29', '14.28', '14.28', '14.28']);
    for (let n = 2; n <= 8; n++) expect(Math.round(evenWeights(n).reduce((a, w) => a + Number(w) * 100, 0))).toBe(10000);
  });
});

describe('split (INVALID_SPLIT_RATIO)', () => {
  it('sums live and names the problem', () => {
    expect(splitSummary(weights('50', '40'))).toEqual({ given: 90, blank: 0, ok: false, problem: 'Weights must sum to 100 %; they sum to 90 %' });
    expect(splitSummary(weights('60', '40'))).toEqual({ given: 100, blank: 0, ok: true, problem: undefined });
    expect(splitSummary(weights('30', '', ''))).toEqual({ given: 30, blank: 2, share: 35, ok: true, problem: undefined });
    expect(splitSummary(weights('60', '40', '')).problem).toBe('Weights typed sum to 100 %, leaving nothing for the 1 blank variant(s)');
    expect(splitSummary(weights('100', '')).problem).toBe('Variant 1: a weight must be greater than 0 and less than 100');
    expect(splitSummary(weights('0', '100')).ok).toBe(false);
    expect(splitSummary(weights('abc', '50')).ok).toBe(false);
  });

  it('agrees with the API (splitWeights) on which splits it refuses', () => {
    const cases = [
      ['50', '50'],
      ['50', '40'],
      ['33.34', '33.33', '33.33'],
      ['33.33', '33.33', '33.33'],
      ['30', '', ''],
      ['', ''],
      ['99.5', ''],
      ['100', ''],
      ['60', '40', ''],
      ['-10', '110'],
      ['0.5', '99.5'],
      ['12.5', '12.5', '12.5', '12.5', '12.5', '12.5', '12.5', '12.5'],
    ];
    for (const c of cases) {
      let apiOk = true;
      try {
        splitWeights(c.map((w) => ({ weight: w === '' ? undefined : Number(w) })));
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).reason).toBe('INVALID_SPLIT_RATIO');
        apiOk = false;
      }
      expect([c, splitSummary(weights(...c)).ok]).toEqual([c, apiOk]);
    }
  });
});

describe('form → input', () => {
  const filled = (): NewTestForm => {
    let f = initialForm();
    f = { ...f, name: ' Spring sale ', type: 'AB_TEST', primaryMetric: 'CLICK', method: 'FIXED_HORIZON', confidencePercent: '99', minimumDetectableEffectPercent: '20', maxTestHours: '48' };
    f = updateVariant(f, f.variants[0]!.uid, { template: 'Hi {first_name}', weight: '60' });
    f = updateVariant(f, f.variants[1]!.uid, { template: 'Hello', weight: '40', name: ' Short ', key: ' ' });
    return { ...f, audience: { ...f.audience, tags: 'vip, , spring ', minEngagementScore: '12,5' } };
  };

  it('maps percents to fractions, leaves blanks to the API, trims', () => {
    expect(toCreateInput(filled())).toEqual({
      name: ' Spring sale ',
      channel: 'SMS',
      type: 'AB_TEST',
      experiment: {
        primaryMetric: 'CLICK',
        method: 'FIXED_HORIZON',
        autoSelectWinner: true,
        confidenceLevel: 0.99,
        minimumDetectableEffect: 0.2,
        minSampleSize: 30,
        testAudiencePercent: 100,
        maxTestHours: 48,
      },
      variants: [
        { template: 'Hi {first_name}', isControl: true, key: 'A', weight: 60 },
        { template: 'Hello', isControl: false, name: 'Short', weight: 40 },
      ],
      audience: { tags: ['vip', 'spring'], minEngagementScore: 12.5 },
    });
  });

  it('sends the offer and the cost when typed, and the offer to the previews as the sender renders it', () => {
    const input = toCreateInput({ ...filled(), offerAmount: '7.50', costPerMessage: '0,04' });
    expect([input.offerAmount, input.costPerMessage]).toEqual([7.5, 0.04]);
    expect(toCreateInput(filled())).not.toHaveProperty('offerAmount');
    expect(toCreateInput(filled())).not.toHaveProperty('costPerMessage');
    expect(previewVariables({ offerAmount: '7.50' })).toEqual({ offer_amount: '7.5' });
    expect(previewVariables({ offerAmount: '' })).toBeUndefined();
    expect(previewVariables({ offerAmount: 'ten' })).toBeUndefined();
    expect(errorPlace('input.offerAmount', initialForm())).toEqual({ label: 'Offer amount', field: 'offerAmount' });
  });

  it('sends subjects for email and wave settings for bandits only', () => {
    let f: NewTestForm = { ...filled(), channel: 'EMAIL', type: 'BANDIT', banditWaveSize: '200', banditWaveIntervalMinutes: '' };
    f = updateVariant(f, f.variants[0]!.uid, { subject: 'Hi' });
    const input = toCreateInput(f);
    expect(input.variants.map((v) => v.subject)).toEqual(['Hi', '']);
    expect(input.experiment).toMatchObject({ banditWaveSize: 200 });
    expect(input.experiment).not.toHaveProperty('banditWaveIntervalMinutes');
    expect(toCreateInput({ ...filled(), banditWaveSize: '200' }).experiment).not.toHaveProperty('banditWaveSize');
  });

  it('names every number field holding text that is not a number (JSON would send null: the API default or no filter)', () => {
    const f = initialForm();
    expect(notNumbers(f)).toEqual([]);
    // NaN really would travel as null:
    expect(JSON.stringify({ minSampleSize: parseNumber('thirty') })).toBe('{"minSampleSize":null}');
    const bad: NewTestForm = {
      ...f,
      minSampleSize: 'thirty',
      banditWaveSize: 'x', // not checked: an A/B test sends no wave size
      variants: [{ ...f.variants[0]!, weight: '50%' }, f.variants[1]!],
      audience: { ...f.audience, minOrderCount: 'two', minTotalSpend: '12,5' },
    };
    expect(notNumbers(bad)).toEqual(['Minimum sample per variant', 'Variant A: weight', 'Minimum orders']);
    expect(notNumbers({ ...bad, type: 'BANDIT' })).toContain('Wave size');
  });

  it('reads numbers as typed; a reach is not asked while an audience number is not one', () => {
    expect(parseNumber(' 7 ')).toBe(7);
    expect(parseNumber('')).toBeUndefined();
    expect(parseNumber('7 days')).toBeNaN();
    const f = initialForm();
    expect(reachVariables(f)).toEqual({ audience: {}, channel: 'SMS' });
    expect(reachVariables({ ...f, audience: { ...f.audience, minOrderCount: 'two' } })).toBeUndefined();
    expect(audienceInput(f.audience)).toBeUndefined();
    expect(audienceInput({ ...f.audience, segments: 'a,b', activeInLastDays: '30' })).toEqual({ segments: ['a', 'b'], activeInLastDays: 30 });
  });
});

describe("the API's extensions.field in the form's words", () => {
  const f = initialForm();
  it('names variants by their key and the field', () => {
    expect(errorPlace('input.variants.1.weight', f)).toEqual({ label: 'Variant B: weight', variantUid: f.variants[1]!.uid, field: 'weight' });
    expect(errorPlace('input.variants.0.template', f)).toEqual({ label: 'Variant A: message', variantUid: f.variants[0]!.uid, field: 'template' });
    expect(errorPlace('input.variants', f)).toEqual({ label: 'Variants', field: 'variants' });
    expect(errorPlace('input.variants.5.key', f)).toEqual({ label: 'Variant 6: key', variantUid: undefined, field: 'key' });
  });
  it('names the experiment settings and the audience', () => {
    expect(errorPlace('input.experiment.confidenceLevel', f)).toEqual({ label: 'Confidence level', field: 'experiment.confidenceLevel' });
    expect(errorPlace('input.audience.minOrderCount', f)).toEqual({ label: 'Audience', field: 'audience' });
    expect(errorPlace('input.name', f)).toEqual({ label: 'Name', field: 'name' });
    expect(errorPlace(undefined, f)).toBeUndefined();
  });
});

it('describes the SMS cost as the API reports it', () => {
  expect(describePreview({ characters: 160, segments: 1, encoding: 'GSM7' })).toBe('160 characters · 1 SMS segment · GSM-7');
  expect(describePreview({ characters: 71, segments: 2, encoding: 'UCS2' })).toBe('71 characters · 2 SMS segments · UCS-2 (unicode)');
});
