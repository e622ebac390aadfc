/**
 * Validation and normalisation of a campaign's variants. Pure: throws DomainError with a
 * stable reason and the offending input path.
 */
import { badInput } from '../errors';
import { CampaignType } from './enums';
import { Channel } from '../domain/channel';
import { unknownVariables } from './templates/render';
import { checkWhatsAppTemplate } from './templates/whatsapp-template';

export const MIN_TEST_VARIANTS = 2;
export const MAX_VARIANTS = 8;
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const EPSILON = 1e-6;

export interface VariantDraft {
  key?: string | null;
  name?: string | null;
  template: string;
  weight?: number | null;
  isControl?: boolean | null;
  subject?: string | null;
  html?: string | null;
  whatsappTemplate?: { name: string; language: string; parameters?: string[] | null } | null;
  /** The library template the draft was filled from (resolved by TemplateService.fillFromLibrary). */
  templateId?: string | null;
  /** … and the version of it whose text was copied. */
  templateVersion?: number | null;
}

export interface NormalizedVariant {
  key: string;
  name: string;
  template: string;
  subject: string | null;
  html: string | null;
  whatsappTemplate: { name: string; language: string; parameters: string[] } | null;
  templateId: string | null;
  templateVersion: number | null;
  weight: number;
  isControl: boolean;
  position: number;
}

export function normalizeVariants(type: CampaignType, drafts: readonly VariantDraft[], path = 'input.variants', channel: Channel = Channel.SMS): NormalizedVariant[] {
  const [min, max] = type === CampaignType.STANDARD ? [1, 1] : [MIN_TEST_VARIANTS, MAX_VARIANTS];
  if (drafts.length < min) {
    throw badInput('TOO_FEW_VARIANTS', `A ${type} campaign needs at least ${min} variant(s); got ${drafts.length}`, path);
  }
  if (drafts.length > max) {
    throw badInput('TOO_MANY_VARIANTS', `A ${type} campaign allows at most ${max} variant(s); got ${drafts.length}`, path);
  }

  drafts.forEach((d, i) => {
    const at = `${path}.${i}.template`;
    if (!d.template || d.template.trim() === '') throw badInput('EMPTY_TEMPLATE', `Variant ${i + 1} has an empty template`, at);
    checkVariables(d.template, i, at);
    checkChannelFields(d, i, `${path}.${i}`, channel);
  });

  const weights = splitWeights(drafts, path);
  const keys = variantKeys(drafts, path);

  const controls = drafts.flatMap((d, i) => (d.isControl ? [i] : []));
  if (controls.length > 1) {
    throw badInput('MULTIPLE_CONTROLS', 'Exactly one variant can be the control', `${path}.${controls[1]}.isControl`);
  }
  const control = controls[0] ?? 0;

  return drafts.map((d, i) => ({
    key: keys[i]!,
    name: d.name?.trim() || `Variant ${keys[i]}`,
    template: d.template,
    subject: channel === Channel.EMAIL ? d.subject!.trim() : null,
    html: channel === Channel.EMAIL && d.html?.trim() ? d.html : null,
    whatsappTemplate:
      channel === Channel.WHATSAPP && d.whatsappTemplate
        ? { name: d.whatsappTemplate.name, language: d.whatsappTemplate.language, parameters: d.whatsappTemplate.parameters ?? [] }
        : null,
    templateId: d.templateId ?? null,
    templateVersion: d.templateId == null ? null : (d.templateVersion ?? null),
    weight: weights[i]!,
    isControl: i === control,
    position: i,
  }));
}

function checkVariables(text: string, i: number, at: string): void {
  const unknown = unknownVariables(text);
  if (unknown.length > 0) {
    throw badInput('UNKNOWN_TEMPLATE_VARIABLE', `Variant ${i + 1} uses unknown variable(s): ${unknown.map((u) => `{${u}}`).join(', ')}`, at);
  }
}

/**
 * Email variants need a subject (subject-line tests are the most common email test) and may have
 * HTML; WhatsApp variants may name an approved template. A field of another channel is refused
 * rather than silently dropped.
 */
function checkChannelFields(d: VariantDraft, i: number, at: string, channel: Channel): void {
  const notFor = (field: string, own: Channel) =>
    badInput('FIELD_NOT_FOR_CHANNEL', `Variant ${i + 1}: ${field} is for ${own} campaigns; this one is ${channel}`, `${at}.${field}`);
  if (channel !== Channel.EMAIL && d.subject != null) throw notFor('subject', Channel.EMAIL);
  if (channel !== Channel.EMAIL && d.html != null) throw notFor('html', Channel.EMAIL);
  if (channel !== Channel.WHATSAPP && d.whatsappTemplate != null) throw notFor('whatsappTemplate', Channel.WHATSAPP);
  if (channel === Channel.EMAIL) {
    if (!d.subject?.trim()) throw badInput('MISSING_SUBJECT', `Variant ${i + 1} of an EMAIL campaign needs a subject`, `${at}.subject`);
    if (/[\r\n]/.test(d.subject)) throw badInput('INVALID_SUBJECT', `Variant ${i + 1}: a subject is one line`, `${at}.subject`);
    checkVariables(d.subject, i, `${at}.subject`);
    if (d.html) checkVariables(d.html, i, `${at}.html`);
  }
  if (channel === Channel.WHATSAPP && d.whatsappTemplate) checkWhatsAppTemplate(d.whatsappTemplate, `Variant ${i + 1}`, `${at}.whatsappTemplate`);
}

/** Given weights are kept; omitted ones share what is left of 100 equally. */
export function splitWeights(drafts: readonly Pick<VariantDraft, 'weight'>[], path = 'input.variants'): number[] {
  const single = drafts.length === 1;
  let given = 0;
  let omitted = 0;
  drafts.forEach((d, i) => {
    if (d.weight === undefined || d.weight === null) {
      omitted += 1;
      return;
    }
    const ok = Number.isFinite(d.weight) && (single ? Math.abs(d.weight - 100) < EPSILON : d.weight > 0 && d.weight < 100);
    if (!ok) {
      const rule = single ? 'must be 100 for a single variant' : 'must be greater than 0 and less than 100';
      throw badInput('INVALID_SPLIT_RATIO', `Weight ${d.weight} of variant ${i + 1} ${rule}`, `${path}.${i}.weight`);
    }
    given += d.weight;
  });
  if (omitted === 0) {
    if (Math.abs(given - 100) > EPSILON) throw badInput('INVALID_SPLIT_RATIO', `Weights must sum to 100; they sum to ${given}`, path);
    return drafts.map((d) => d.weight!);
  }
  const share = (100 - given) / omitted;
  if (!(share > EPSILON)) {
    throw badInput('INVALID_SPLIT_RATIO', `Given weights sum to ${given}, leaving nothing for the ${omitted} variant(s) without a weight`, path);
  }
  return drafts.map((d) => d.weight ?? share);
}

/** Given keys must be valid and unique; omitted ones take the first free letter (A, B, …). */
export function variantKeys(drafts: readonly Pick<VariantDraft, 'key'>[], path = 'input.variants'): string[] {
  const taken = new Set<string>();
  drafts.forEach((d, i) => {
    if (d.key === undefined || d.key === null) return;
    const key = d.key.trim();
    if (!KEY_PATTERN.test(key)) {
      throw badInput('INVALID_VARIANT_KEY', `Variant key "${d.key}" must be 1–32 letters, digits, _ or -`, `${path}.${i}.key`);
    }
    if (taken.has(key.toUpperCase())) {
      throw badInput('DUPLICATE_VARIANT_KEY', `Variant key "${key}" is used twice`, `${path}.${i}.key`);
    }
    taken.add(key.toUpperCase());
  });
  const free = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').filter((k) => !taken.has(k));
  return drafts.map((d) => (d.key === undefined || d.key === null ? free.shift()! : d.key.trim()));
}
