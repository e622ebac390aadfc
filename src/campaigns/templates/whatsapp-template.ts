/**
 * Validation of a WhatsApp approved-template reference, shared by variants and library templates.
 * Pure: throws DomainError INVALID_WHATSAPP_TEMPLATE / UNKNOWN_TEMPLATE_VARIABLE with the path.
 */
import { badInput } from '../../errors';
import { unknownVariables } from './render';

export interface WhatsAppTemplateRef {
  name: string;
  language: string;
  parameters: string[];
}

/**
 * A WhatsApp template is named as its provider knows it: the Meta template name (lowercase
 * letters, digits and underscores) for the Cloud API, the Content SID (HX + 32 hex) for Twilio.
 * Languages: en, en_US, pt_BR, …
 */
const WHATSAPP_TEMPLATE_NAME = /^(?:[a-z0-9_]{1,512}|HX[0-9a-fA-F]{32})$/;
const WHATSAPP_LANGUAGE = /^[a-z]{2,3}(_[A-Z]{2})?$/;
/** Meta allows far fewer body parameters than this; the bound only keeps input sane. */
const MAX_WHATSAPP_PARAMETERS = 100;

/**
 * Checks a reference and returns it normalised (parameters default to none). `label` starts the
 * messages ("Variant 2", "Template"); `at` is the path of the reference itself.
 */
export function checkWhatsAppTemplate(wt: { name: string; language: string; parameters?: string[] | null }, label: string, at: string): WhatsAppTemplateRef {
  const bad = (field: string, message: string) => badInput('INVALID_WHATSAPP_TEMPLATE', `${label}: ${message}`, `${at}.${field}`);
  if (!WHATSAPP_TEMPLATE_NAME.test(wt.name)) throw bad('name', 'name must be the template name registered with Meta (lowercase letters, digits and underscores) or, with Twilio, its Content SID (HX followed by 32 hex digits)');
  if (!WHATSAPP_LANGUAGE.test(wt.language)) throw bad('language', 'language must be a WhatsApp language code such as en or en_US');
  const params = wt.parameters ?? [];
  if (params.length > MAX_WHATSAPP_PARAMETERS) throw bad('parameters', `at most ${MAX_WHATSAPP_PARAMETERS} parameters`);
  params.forEach((p, j) => {
    const unknown = unknownVariables(p);
    if (unknown.length > 0) {
      throw badInput('UNKNOWN_TEMPLATE_VARIABLE', `${label} uses unknown variable(s): ${unknown.map((u) => `{${u}}`).join(', ')}`, `${at}.parameters.${j}`);
    }
  });
  return { name: wt.name, language: wt.language, parameters: [...params] };
}
