import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput } from '../errors';
import type { Contact } from '../contacts/contact.entity';
import { Template } from './template.entity';
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
    if (v !== null && v !== undefined) values[k] = String(v);
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

  async create(input: { name: string; body: string; category?: string | null }): Promise<Template> {
    const name = input.name.trim();
    if (!name) throw badInput('INVALID_NAME', 'Template name cannot be empty', 'input.name');
    if (!input.body.trim()) throw badInput('EMPTY_TEMPLATE', 'Template body cannot be empty', 'input.body');
    const unknown = unknownVariables(input.body);
    if (unknown.length > 0) {
      throw badInput('UNKNOWN_TEMPLATE_VARIABLE', `Unknown variable(s): ${unknown.map((u) => `{${u}}`).join(', ')}`, 'input.body');
    }
    if (await this.em.count(Template, { workspaceId: this.workspaceId, name })) {
      throw badInput('DUPLICATE_TEMPLATE_NAME', `A template named "${name}" already exists`, 'input.name');
    }
    const template = this.em.create(Template, { workspaceId: this.workspaceId, name, body: input.body, category: input.category?.trim() || null });
    try {
      await this.em.flush();
    } catch (e) {
      // Two requests raced past the check above: the loser gets the same answer as if it had come second.
      if (e instanceof UniqueConstraintViolationException) throw badInput('DUPLICATE_TEMPLATE_NAME', `A template named "${name}" already exists`, 'input.name');
      throw e;
    }
    return template;
  }
}
