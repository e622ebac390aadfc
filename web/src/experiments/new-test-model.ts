/**
 * Pure view logic of the create-an-A/B-test form: the form's state, variants added and removed,
 * the split's live sum checked as the API checks it (INVALID_SPLIT_RATIO), the form mapped onto
 * CreateCampaignInput / AudienceInput, and where the API's `extensions.field` points in the form.
 * No I/O, no DOM. The API's answer is the truth: these checks only warn early.
 */
import type { AudienceInput, Channel, CreateCampaignInput, Metric, TestMethod } from '../generated/graphql';

export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 8;
/** The API's tolerance on the weights' sum (src/campaigns/variants.ts). */
const EPSILON = 1e-6;

export type TestType = 'AB_TEST' | 'BANDIT';

export interface VariantDraft {
  /** Stable React key: the variant's `key` field is user input and may change or repeat. */
  uid: number;
  key: string;
  name: string;
  template: string;
  /** EMAIL only. */
  subject: string;
  /** Percent as typed; blank shares what the others leave equally (the API's rule). */
  weight: string;
  isControl: boolean;
}

export interface AudienceDraft {
  tags: string;
  segments: string;
  activeInLastDays: string;
  minDaysSinceContact: string;
  minEngagementScore: string;
  minOrderCount: string;
  minTotalSpend: string;
}

export interface NewTestForm {
  name: string;
  description: string;
  channel: Channel;
  type: TestType;
  /** The campaign's offer (fills `{offer_amount}`), as typed; blank: none. */
  offerAmount: string;
  /** What one message costs (for ROI), as typed; blank: the API's default 0. */
  costPerMessage: string;
  primaryMetric: Metric;
  method: TestMethod;
  /** Percent as typed, e.g. "95" (the API takes 0.95). */
  confidencePercent: string;
  minSampleSize: string;
  testAudiencePercent: string;
  maxTestHours: string;
  /** Percent as typed, e.g. "20" for +20 % (the API takes 0.2). */
  minimumDetectableEffectPercent: string;
  autoSelectWinner: boolean;
  banditWaveSize: string;
  banditWaveIntervalMinutes: string;
  variants: VariantDraft[];
  audience: AudienceDraft;
}

const LETTERS = 'ABCDEFGH';

function variant(uid: number, key: string, isControl: boolean, weight: string): VariantDraft {
  return { uid, key, name: '', template: '', subject: '', weight, isControl };
}

export function initialForm(): NewTestForm {
  return {
    name: '',
    description: '',
    channel: 'SMS',
    type: 'AB_TEST',
    offerAmount: '',
    costPerMessage: '',
    primaryMetric: 'CONVERSION',
    method: 'SEQUENTIAL',
    confidencePercent: '95',
    minSampleSize: '30',
    testAudiencePercent: '100',
    maxTestHours: '',
    minimumDetectableEffectPercent: '',
    autoSelectWinner: true,
    banditWaveSize: '',
    banditWaveIntervalMinutes: '',
    variants: [variant(1, 'A', true, '50'), variant(2, 'B', false, '50')],
    audience: { tags: '', segments: '', activeInLastDays: '', minDaysSinceContact: '', minEngagementScore: '', minOrderCount: '', minTotalSpend: '' },
  };
}

/**
 * Weights that split 100 % evenly over n variants in hundredths, the remainder on the first ones
 * (3 → 33.34, 33.33, 33.33), so the sum is exactly 100.
 */
export function evenWeights(n: number): string[] {
  const base = Math.floor(10000 / n);
  const extra = 10000 - base * n;
  return Array.from({ length: n }, (_, i) => String((base + (i < extra ? 1 : 0)) / 100));
}

/** A variant added with the first free letter as key; the split is re-spread evenly. */
export function addVariant(form: NewTestForm): NewTestForm {
  if (form.variants.length >= MAX_VARIANTS) return form;
  const taken = new Set(form.variants.map((v) => v.key.trim().toUpperCase()));
  const key = LETTERS.split('').find((k) => !taken.has(k)) ?? '';
  const uid = Math.max(0, ...form.variants.map((v) => v.uid)) + 1;
  const variants = [...form.variants, variant(uid, key, false, '')];
  return { ...form, variants: respread(variants) };
}

/** Removes a variant (never below 2); a removed control passes to the first variant left. */
export function removeVariant(form: NewTestForm, uid: number): NewTestForm {
  if (form.variants.length <= MIN_VARIANTS) return form;
  let variants = form.variants.filter((v) => v.uid !== uid);
  if (!variants.some((v) => v.isControl)) variants = variants.map((v, i) => ({ ...v, isControl: i === 0 }));
  return { ...form, variants: respread(variants) };
}

function respread(variants: VariantDraft[]): VariantDraft[] {
  const w = evenWeights(variants.length);
  return variants.map((v, i) => ({ ...v, weight: w[i]! }));
}

export function setControl(form: NewTestForm, uid: number): NewTestForm {
  return { ...form, variants: form.variants.map((v) => ({ ...v, isControl: v.uid === uid })) };
}

export function updateVariant(form: NewTestForm, uid: number, patch: Partial<Omit<VariantDraft, 'uid'>>): NewTestForm {
  return { ...form, variants: form.variants.map((v) => (v.uid === uid ? { ...v, ...patch } : v)) };
}

/** A number typed in a field: undefined when blank, NaN when not a number (see notNumbers: never sent). */
export function parseNumber(text: string): number | undefined {
  const t = text.trim().replace(',', '.');
  if (t === '') return undefined;
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : Number.NaN;
}

export interface SplitSummary {
  /** Sum of the weights typed. */
  given: number;
  /** Variants left blank, which share the rest equally. */
  blank: number;
  /** What each blank variant gets (undefined when none is blank). */
  share?: number;
  ok: boolean;
  /** Why the API will refuse the split (INVALID_SPLIT_RATIO), in the API's terms. */
  problem?: string;
}

/** The split as the API will judge it: each typed weight > 0 and < 100; all typed → sum 100; blanks share the rest. */
export function splitSummary(variants: readonly Pick<VariantDraft, 'weight'>[]): SplitSummary {
  let given = 0;
  let blank = 0;
  let problem: string | undefined;
  variants.forEach((v, i) => {
    const w = parseNumber(v.weight);
    if (w === undefined) {
      blank += 1;
      return;
    }
    if (!(Number.isFinite(w) && w > 0 && w < 100)) problem ??= `Variant ${i + 1}: a weight must be greater than 0 and less than 100`;
    else given += w;
  });
  // Checked on the exact sum, as the API does; rounded only for reading.
  const shown = round2(given);
  if (blank === 0) {
    if (!problem && Math.abs(given - 100) > EPSILON) problem = `Weights must sum to 100 %; they sum to ${shown} %`;
    return { given: shown, blank, ok: !problem, problem };
  }
  const share = (100 - given) / blank;
  if (!problem && !(share > EPSILON)) problem = `Weights typed sum to ${shown} %, leaving nothing for the ${blank} blank variant(s)`;
  return { given: shown, blank, share: round2(share), ok: !problem, problem };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The audience fields as AudienceInput: blank fields are left out; undefined when all are blank (every contact). */
export function audienceInput(a: AudienceDraft): AudienceInput | undefined {
  const out: AudienceInput = {};
  const tags = list(a.tags);
  const segments = list(a.segments);
  if (tags.length) out.tags = tags;
  if (segments.length) out.segments = segments;
  const num = (k: 'activeInLastDays' | 'minDaysSinceContact' | 'minEngagementScore' | 'minOrderCount' | 'minTotalSpend') => {
    const n = parseNumber(a[k]);
    if (n !== undefined) out[k] = n;
  };
  num('activeInLastDays');
  num('minDaysSinceContact');
  num('minEngagementScore');
  num('minOrderCount');
  num('minTotalSpend');
  return Object.keys(out).length ? out : undefined;
}

/**
 * The variables of a reach estimate, or undefined while a field is not a number (nothing worth
 * asking the API). An empty audience asks about every contact, as the campaign would send to.
 */
export function reachVariables(form: Pick<NewTestForm, 'audience' | 'channel'>): { audience: AudienceInput; channel: Channel } | undefined {
  const audience = audienceInput(form.audience) ?? {};
  if (Object.values(audience).some((v) => typeof v === 'number' && Number.isNaN(v))) return undefined;
  return { audience, channel: form.channel };
}

/**
 * The number fields holding text that is not a number, in the form's words. They must not be sent:
 * JSON turns NaN into null, which the API reads as "not given" — its default (minimum sample 30,
 * confidence 95 %) or no filter at all (an audience field), silently.
 */
export function notNumbers(form: NewTestForm): string[] {
  const a = form.audience;
  const fields: [string, string][] = [
    ['Offer amount', form.offerAmount],
    ['Cost per message', form.costPerMessage],
    ['Confidence level', form.confidencePercent],
    ['Minimum sample per variant', form.minSampleSize],
    ['Test audience', form.testAudiencePercent],
    ['Minimum detectable effect', form.minimumDetectableEffectPercent],
    ['End the test after (hours)', form.maxTestHours],
    ...(form.type === 'BANDIT'
      ? ([
          ['Wave size', form.banditWaveSize],
          ['Minutes between waves', form.banditWaveIntervalMinutes],
        ] as [string, string][])
      : []),
    ...form.variants.map((v, i): [string, string] => [`Variant ${v.key.trim() || i + 1}: weight`, v.weight]),
    ['Active in the last (days)', a.activeInLastDays],
    ['Not messaged for (days)', a.minDaysSinceContact],
    ['Minimum engagement score', a.minEngagementScore],
    ['Minimum orders', a.minOrderCount],
    ['Minimum total spend', a.minTotalSpend],
  ];
  return fields.filter(([, text]) => Number.isNaN(parseNumber(text) ?? 0)).map(([label]) => label);
}

/** The form as createCampaign's input. Blank optional fields are left to the API's defaults. */
export function toCreateInput(form: NewTestForm): CreateCampaignInput {
  const confidence = parseNumber(form.confidencePercent);
  const mde = parseNumber(form.minimumDetectableEffectPercent);
  const experiment: NonNullable<CreateCampaignInput['experiment']> = {
    primaryMetric: form.primaryMetric,
    method: form.method,
    autoSelectWinner: form.autoSelectWinner,
  };
  if (confidence !== undefined) experiment.confidenceLevel = confidence / 100;
  if (mde !== undefined) experiment.minimumDetectableEffect = mde / 100;
  const int = (text: string) => parseNumber(text);
  const setInt = (k: 'minSampleSize' | 'testAudiencePercent' | 'maxTestHours' | 'banditWaveSize' | 'banditWaveIntervalMinutes', text: string) => {
    const n = int(text);
    if (n !== undefined) experiment[k] = n;
  };
  setInt('minSampleSize', form.minSampleSize);
  setInt('testAudiencePercent', form.testAudiencePercent);
  setInt('maxTestHours', form.maxTestHours);
  if (form.type === 'BANDIT') {
    setInt('banditWaveSize', form.banditWaveSize);
    setInt('banditWaveIntervalMinutes', form.banditWaveIntervalMinutes);
  }
  const input: CreateCampaignInput = {
    name: form.name,
    channel: form.channel,
    type: form.type,
    experiment,
    variants: form.variants.map((v) => {
      const out: CreateCampaignInput['variants'][number] = { template: v.template, isControl: v.isControl };
      if (v.key.trim()) out.key = v.key.trim();
      if (v.name.trim()) out.name = v.name.trim();
      const w = parseNumber(v.weight);
      if (w !== undefined) out.weight = w;
      if (form.channel === 'EMAIL') out.subject = v.subject;
      return out;
    }),
  };
  if (form.description.trim()) input.description = form.description.trim();
  const offer = parseNumber(form.offerAmount);
  if (offer !== undefined) input.offerAmount = offer;
  const cost = parseNumber(form.costPerMessage);
  if (cost !== undefined) input.costPerMessage = cost;
  const audience = audienceInput(form.audience);
  if (audience) input.audience = audience;
  return input;
}

/** Variables a preview needs beyond the contact's: the campaign's offer, rendered as the sender renders it (String of the number). */
export function previewVariables(form: Pick<NewTestForm, 'offerAmount'>): { offer_amount: string } | undefined {
  const offer = parseNumber(form.offerAmount);
  return offer === undefined || Number.isNaN(offer) ? undefined : { offer_amount: String(offer) };
}

/** Form fields named like the API's `extensions.field` (`input.<name>`, `input.experiment.<name>`). */
const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  description: 'Description',
  channel: 'Channel',
  type: 'Type',
  offerAmount: 'Offer amount',
  costPerMessage: 'Cost per message',
  variants: 'Variants',
  audience: 'Audience',
  'experiment.primaryMetric': 'Primary metric',
  'experiment.method': 'Method',
  'experiment.confidenceLevel': 'Confidence level',
  'experiment.minSampleSize': 'Minimum sample per variant',
  'experiment.testAudiencePercent': 'Test audience',
  'experiment.maxTestHours': 'End the test after (hours)',
  'experiment.minimumDetectableEffect': 'Minimum detectable effect',
  'experiment.banditWaveSize': 'Wave size',
  'experiment.banditWaveIntervalMinutes': 'Minutes between waves',
};
const VARIANT_FIELD_LABELS: Record<string, string> = { weight: 'weight', template: 'message', key: 'key', name: 'name', subject: 'subject', isControl: 'control' };

export interface ErrorPlace {
  /** Where, in the form's words, e.g. "Variant B: weight". */
  label: string;
  /** The variant it concerns, when it is one. */
  variantUid?: number;
  /** The form field's name (`weight`, `template`, …, or a top-level name such as `name`). */
  field: string;
}

/** Where the API's `extensions.field` points in the form (undefined when it names nothing the form shows). */
export function errorPlace(apiField: string | undefined, form: Pick<NewTestForm, 'variants'>): ErrorPlace | undefined {
  if (!apiField) return undefined;
  const path = apiField.replace(/^input\./, '');
  const m = /^variants\.(\d+)(?:\.(\w+))?/.exec(path);
  if (m) {
    const v = form.variants[Number(m[1])];
    const which = v ? `Variant ${v.key.trim() || Number(m[1]) + 1}` : `Variant ${Number(m[1]) + 1}`;
    const sub = m[2];
    return { label: sub ? `${which}: ${VARIANT_FIELD_LABELS[sub] ?? sub}` : which, variantUid: v?.uid, field: sub ?? 'variant' };
  }
  if (path.startsWith('audience')) return { label: 'Audience', field: 'audience' };
  const label = FIELD_LABELS[path];
  return label ? { label, field: path } : { label: path, field: path };
}

/** "1 segment" / "2 segments"; the encoding as the API names it, explained. */
export function describePreview(p: { characters: number; segments: number; encoding: string }): string {
  const enc = p.encoding === 'GSM7' ? 'GSM-7' : p.encoding === 'UCS2' ? 'UCS-2 (unicode)' : p.encoding;
  return `${p.characters} characters · ${p.segments} SMS ${p.segments === 1 ? 'segment' : 'segments'} · ${enc}`;
}
