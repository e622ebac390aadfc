import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, notFound } from '../errors';
import type { Contact } from '../contacts/contact.entity';
import { selectPlain } from '../graphql/plain-rows';
import { Template } from './template.entity';
import { TemplateVersion } from './template-version.entity';
import { Variant } from './variant.entity';
import { Channel } from '../domain/channel';
import { asUuid } from '../shared/ids';
import type { VariantDraft } from './variants';
import { contactVariables, renderTemplate, unknownVariables } from './templates/render';
import { smsLength, type SmsEncoding } from './templates/sms-segments';
import { normalizeTemplateInput, type TemplateInputLike } from './templates/template-input';
import { templateListFilter, type TemplateListArgs } from './templates/template-list';

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

/** Most categories a workspace's `templateCategories` lists (the largest first). */
export const MAX_CATEGORIES = 200;

/**
 * The live-name unique index, as opposed to another key (a version number, which the row lock keeps
 * unique). Told by the constraint name PostgreSQL reports (copied onto the driver exception), not by
 * the message text, which is the server's wording and language.
 */
export const isNameClash = (e: unknown) => e instanceof UniqueConstraintViolationException && (e as { constraint?: string }).constraint === 'templates_live_name_uq';

const duplicateName = (name: string) => badInput('DUPLICATE_TEMPLATE_NAME', `A template named "${name}" already exists`, 'input.name');

/**
 * The template library. Archived templates (deleted while some campaign used them) are invisible
 * here except to `fillFromLibrary`, which refuses them with TEMPLATE_ARCHIVED.
 */
export class TemplateService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
  ) {}

  /**
   * Live templates by name (then id), filtered; at most `first` (≤ 200, default 200). A channel
   * filter also lists the templates written for any channel (channel null): they fit every campaign.
   */
  list(args: TemplateListArgs = {}): Promise<Template[]> {
    const f = templateListFilter(args);
    let where = 'where workspace_id = ? and archived_at is null';
    const params: unknown[] = [this.workspaceId];
    if (f.category) {
      where += ' and category = ?';
      params.push(f.category);
    }
    if (f.channel) {
      where += ' and (channel = ? or channel is null)';
      params.push(f.channel);
    }
    if (f.pattern) {
      where += ' and (name ilike ? or body ilike ?)';
      params.push(f.pattern, f.pattern);
    }
    if (f.after) {
      where += ' and (name, id) > (?, ?::uuid)';
      params.push(f.after.name, f.after.id);
    }
    return selectPlain(this.em, Template, `${where} order by name, id limit ?`, [...params, f.first]);
  }

  /** Categories of live templates and how many each has, most first (then by name); uncategorised ones are not listed. */
  async categories(): Promise<{ key: string; count: number }[]> {
    const rows = await this.em.execute<{ key: string; count: string }[]>(
      `select category as key, count(*) as count from templates where workspace_id = ? and archived_at is null and category is not null
       group by category order by count(*) desc, category limit ?`,
      [this.workspaceId, MAX_CATEGORIES],
    );
    return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
  }

  async create(input: TemplateInputLike): Promise<Template> {
    const content = normalizeTemplateInput(input);
    if (await this.em.count(Template, { workspaceId: this.workspaceId, name: content.name, archivedAt: null })) throw duplicateName(content.name);
    try {
      return await this.em.transactional(async (tx) => {
        const template = tx.create(Template, { workspaceId: this.workspaceId, ...content });
        // The version row references the template, and the ORM knows no relation between them to order the inserts by.
        await tx.flush();
        this.writeVersion(tx, template);
        return template;
      });
    } catch (e) {
      // Two requests raced past the check above: the loser gets the same answer as if it had come second.
      if (isNameClash(e)) throw duplicateName(content.name);
      throw e;
    }
  }

  /**
   * Replaces the template's content (same validation as create) as its next version. The row is
   * locked for the transaction, so concurrent updates are serialised and number their versions
   * one after the other. Campaigns made from it keep their copy.
   */
  async update(id: string, input: TemplateInputLike): Promise<Template> {
    const content = normalizeTemplateInput(input);
    try {
      return await this.em.transactional(async (tx) => {
        const template = await this.lockLive(tx, id);
        const clash = await tx.count(Template, { workspaceId: this.workspaceId, name: content.name, archivedAt: null, id: { $ne: template.id } });
        if (clash) throw duplicateName(content.name);
        Object.assign(template, content);
        template.version += 1;
        this.writeVersion(tx, template);
        return template;
      });
    } catch (e) {
      if (isNameClash(e)) throw duplicateName(content.name);
      throw e;
    }
  }

  /**
   * Deletes a template no campaign used (with its versions); archives one that some campaign used,
   * so that its variants' templateId and templateVersion still name something. Either way the
   * name is free again. Unknown, foreign and already deleted ids: NOT_FOUND.
   */
  async delete(id: string): Promise<boolean> {
    return this.em.transactional(async (tx) => {
      const template = await this.lockLive(tx, id);
      // Under the row lock: a variant inserted concurrently waits for it (its foreign key check)
      // and then fails, rather than pointing at a deleted template.
      if (await tx.count(Variant, { workspaceId: this.workspaceId, templateId: template.id })) {
        template.archivedAt = new Date();
      } else {
        await tx.nativeDelete(Template, { id: template.id, workspaceId: this.workspaceId });
      }
      return true;
    });
  }

  private async lockLive(tx: EntityManager, id: string): Promise<Template> {
    const template = await tx.findOne(Template, { id: asUuid(id), workspaceId: this.workspaceId, archivedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!template) throw notFound('Template', id);
    return template;
  }

  private writeVersion(tx: EntityManager, t: Template): void {
    tx.create(TemplateVersion, {
      workspaceId: this.workspaceId,
      templateId: t.id,
      version: t.version,
      name: t.name,
      body: t.body,
      category: t.category ?? null,
      channel: t.channel ?? null,
      subject: t.subject ?? null,
      html: t.html ?? null,
      whatsappTemplate: t.whatsappTemplate ?? null,
    });
  }

  /**
   * Variant drafts with `templateId` filled from the library: the template's body, for email its
   * subject and HTML, for WhatsApp its approved-template reference, unless the draft gives its own;
   * and the version they were copied from. The text is copied, so editing or deleting the template
   * later never changes the campaign. A template written for another channel, or archived, is refused.
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
      if (t.archivedAt) throw badInput('TEMPLATE_ARCHIVED', `Template "${t.name}" was deleted; campaigns made from it keep their copy, new variants cannot use it`, `${path}.${i}.templateId`);
      if (t.channel && t.channel !== channel) {
        throw badInput('TEMPLATE_CHANNEL_MISMATCH', `Template "${t.name}" is written for ${t.channel}; this campaign is ${channel}`, `${path}.${i}.templateId`);
      }
      const email = channel === Channel.EMAIL;
      return {
        ...d,
        templateId: t.id,
        templateVersion: t.version,
        template: d.template ?? t.body,
        subject: d.subject ?? (email ? t.subject : null) ?? null,
        html: d.html ?? (email ? t.html : null) ?? null,
        whatsappTemplate: d.whatsappTemplate ?? (channel === Channel.WHATSAPP ? t.whatsappTemplate : null) ?? null,
      };
    });
  }
}

/** A variant as given, before the library fills it: its text may come from `templateId`. */
export type VariantDraftInput = Omit<VariantDraft, 'template'> & { template?: string | null };
