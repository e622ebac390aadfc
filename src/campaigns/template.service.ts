import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput } from '../errors';
import type { Contact } from '../contacts/contact.entity';
import { Template } from './template.entity';
import { Channel } from '../domain/channel';
import { asUuid } from '../shared/ids';
import type { VariantDraft } from './variants';
import { contactVariables, renderTemplate, unknownVariables } from './templates/render';
import { smsLength, type SmsEncoding } from './templates/sms-segments';

export interface Preview {
  rendered: string;
  missingVariables: string[];
  unknownVariables: string[];
  characters: number;
  segments: number;
  encoding: SmsEncoding;
}

/** Renders a template for a contact and/or explicit variables (which win), and measures the SMS. */
export function previewTemplate(template: string, contact?: Contact | null, variables?: unknown): Preview {
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw badInput('INVALID_VARIABLES', 'variables must be a JSON object of name → value', 'variables');
  }
  const values: Record<string, string | undefined> = contact ? contactVariables(contact) : {};
  for (const [k, v] of Object.entries((variables ?? {}) as Record<string, unknown>)) {
    // A JSON literal in the document is parsed into objects without a prototype, which String()
    // cannot convert (a TypeError, answered INTERNAL): rebuilt as the same JSON in a variable is.
    if (v !== null && v !== undefined) values[k] = String(typeof v === 'object' ? JSON.parse(JSON.stringify(v)) : v);
  }
  const { text, missing } = renderTemplate(template, values);
  const length = smsLength(text);
  return {
    rendered: text,
    missingVariables: missing,
    unknownVariables: unknownVariables(template),
    characters: length.characters,
    segments: length.segments,
    encoding: length.encoding,
  };
}

export class TemplateService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
  ) {}

  list(): Promise<Template[]> {
    return this.em.find(Template, { workspaceId: this.workspaceId }, { orderBy: { name: 'asc' } });
  }

  async create(input: { name: string; body: string; category?: string | null; channel?: Channel | null; subject?: string | null; html?: string | null }): Promise<Template> {
    const name = input.name.trim();
    if (!name) throw badInput('INVALID_NAME', 'Template name cannot be empty', 'input.name');
    if (!input.body.trim()) throw badInput('EMPTY_TEMPLATE', 'Template body cannot be empty', 'input.body');
    checkVariables(input.body, 'input.body');
    // Subject and HTML belong to email: a template for them says so.
    for (const field of ['subject', 'html'] as const) {
      const value = input[field];
      if (value == null) continue;
      if (input.channel !== Channel.EMAIL) {
        throw badInput('FIELD_NOT_FOR_CHANNEL', `${field} is for EMAIL templates (set channel: EMAIL)`, `input.${field}`);
      }
      checkVariables(value, `input.${field}`);
    }
    if (input.subject != null && (!input.subject.trim() || /[\r\n]/.test(input.subject))) {
      throw badInput('INVALID_SUBJECT', 'A subject is one non-empty line', 'input.subject');
    }
    if (await this.em.count(Template, { workspaceId: this.workspaceId, name })) {
      throw badInput('DUPLICATE_TEMPLATE_NAME', `A template named "${name}" already exists`, 'input.name');
    }
    const template = this.em.create(Template, {
      workspaceId: this.workspaceId,
      name,
      body: input.body,
      category: input.category?.trim() || null,
      channel: input.channel ?? null,
      subject: input.subject?.trim() || null,
      html: input.html?.trim() ? input.html : null,
    });
    try {
      await this.em.flush();
    } catch (e) {
      // Two requests raced past the check above: the loser gets the same answer as if it had come second.
      if (e instanceof UniqueConstraintViolationException) throw badInput('DUPLICATE_TEMPLATE_NAME', `A template named "${name}" already exists`, 'input.name');
      throw e;
    }
    return template;
  }

  /**
   * Variant drafts with `templateId` filled from the library: the template's body, and for email
   * its subject and HTML, unless the draft gives its own. The text is copied, so editing the
   * template later never changes the campaign. A template written for another channel is refused.
   */
  async fillFromLibrary<D extends VariantDraftInput>(drafts: readonly D[], channel: Channel, path = 'input.variants'): Promise<(Omit<D, 'template'> & VariantDraft)[]> {
    const ids = drafts.flatMap((d, i) => (d.templateId == null ? [] : [[i, d.templateId] as const]));
    const found = ids.length
      ? await this.em.find(Template, { workspaceId: this.workspaceId, id: { $in: ids.map(([, id]) => asUuid(id)) } })
      : [];
    const byId = new Map(found.map((t) => [t.id, t]));
    return drafts.map((d, i) => {
      if (d.templateId == null) return { ...d, template: d.template ?? '' };
      const t = byId.get(d.templateId.toLowerCase());
      if (!t) throw badInput('UNKNOWN_TEMPLATE', `No template ${d.templateId} in this workspace`, `${path}.${i}.templateId`);
      if (t.channel && t.channel !== channel) {
        throw badInput('TEMPLATE_CHANNEL_MISMATCH', `Template "${t.name}" is written for ${t.channel}; this campaign is ${channel}`, `${path}.${i}.templateId`);
      }
      const email = channel === Channel.EMAIL;
      return {
        ...d,
        templateId: t.id,
        template: d.template ?? t.body,
        subject: d.subject ?? (email ? t.subject : null) ?? null,
        html: d.html ?? (email ? t.html : null) ?? null,
      };
    });
  }
}

/** A variant as given, before the library fills it: its text may come from `templateId`. */
export type VariantDraftInput = Omit<VariantDraft, 'template'> & { template?: string | null };

function checkVariables(text: string, field: string): void {
  const unknown = unknownVariables(text);
  if (unknown.length > 0) throw badInput('UNKNOWN_TEMPLATE_VARIABLE', `Unknown variable(s): ${unknown.map((u) => `{${u}}`).join(', ')}`, field);
}
