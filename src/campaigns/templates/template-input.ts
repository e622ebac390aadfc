/**
 * Validation and normalisation of a library template's input (create and update alike). Pure:
 * throws DomainError with a stable reason and the offending input path.
 */
import { badInput } from '../../errors';
import { Channel } from '../../domain/channel';
import { unknownVariables } from './render';
import { checkWhatsAppTemplate, type WhatsAppTemplateRef } from './whatsapp-template';

export interface TemplateInputLike {
  name: string;
  body: string;
  category?: string | null;
  channel?: Channel | null;
  subject?: string | null;
  html?: string | null;
  whatsappTemplate?: { name: string; language: string; parameters?: string[] | null } | null;
}

/** What a template (and each of its versions) stores. */
export interface TemplateContent {
  name: string;
  body: string;
  category: string | null;
  channel: Channel | null;
  subject: string | null;
  html: string | null;
  whatsappTemplate: WhatsAppTemplateRef | null;
}

/** Each field belongs to one channel: a template with it says it is written for that channel. */
const CHANNEL_FIELDS = [
  ['subject', Channel.EMAIL],
  ['html', Channel.EMAIL],
  ['whatsappTemplate', Channel.WHATSAPP],
] as const;

/**
 * As campaign names. The name is in a unique B-tree index, whose entries PostgreSQL caps at about
 * 2.7 kB: a longer name would fail the insert itself (a 500), so it is refused here.
 */
export const MAX_TEMPLATE_NAME_LENGTH = 200;

export function normalizeTemplateInput(input: TemplateInputLike, path = 'input'): TemplateContent {
  const name = input.name.trim();
  if (!name || name.length > MAX_TEMPLATE_NAME_LENGTH) throw badInput('INVALID_NAME', `Template name must be 1–${MAX_TEMPLATE_NAME_LENGTH} characters`, `${path}.name`);
  if (!input.body.trim()) throw badInput('EMPTY_TEMPLATE', 'Template body cannot be empty', `${path}.body`);
  checkVariables(input.body, `${path}.body`);
  for (const [field, own] of CHANNEL_FIELDS) {
    if (input[field] != null && input.channel !== own) {
      throw badInput('FIELD_NOT_FOR_CHANNEL', `${field} is for ${own} templates (set channel: ${own})`, `${path}.${field}`);
    }
  }
  if (input.subject != null) {
    if (!input.subject.trim() || /[\r\n]/.test(input.subject)) throw badInput('INVALID_SUBJECT', 'A subject is one non-empty line', `${path}.subject`);
    checkVariables(input.subject, `${path}.subject`);
  }
  if (input.html != null) checkVariables(input.html, `${path}.html`);
  return {
    name,
    body: input.body,
    category: input.category?.trim() || null,
    channel: input.channel ?? null,
    subject: input.subject?.trim() || null,
    html: input.html?.trim() ? input.html : null,
    whatsappTemplate: input.whatsappTemplate ? checkWhatsAppTemplate(input.whatsappTemplate, 'Template', `${path}.whatsappTemplate`) : null,
  };
}

function checkVariables(text: string, field: string): void {
  const unknown = unknownVariables(text);
  if (unknown.length > 0) throw badInput('UNKNOWN_TEMPLATE_VARIABLE', `Unknown variable(s): ${unknown.map((u) => `{${u}}`).join(', ')}`, field);
}
