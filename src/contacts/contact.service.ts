import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { badInput, notFound } from '../errors';
import { containsPattern, countedPage, keysetPage, type Page } from '../db/keyset';
import { asUuid } from '../shared/ids';
import { EventType } from '../domain/event-type';
import { Workspace } from '../workspaces/workspace.entity';
import { Contact } from './contact.entity';
import { isRejection, normalizeContact, type ContactFields, type ContactPatch } from './contact-input';
import { parseContactsCsv } from './csv';
import { OptOutEntry } from './opt-out-entry.entity';
import { applyConsentPatch, applyOptOut } from './channel-consent';
import { CHANNELS, type Channel } from '../domain/channel';

export const MAX_UPSERT_BATCH = 10_000;

export interface ContactFilterArgs {
  tags?: string[] | null;
  segment?: string | null;
  optedOut?: boolean | null;
  search?: string | null;
}

export interface UpsertResult {
  created: number;
  updated: number;
  rejected: { index: number; code: string; message: string }[];
}

export interface ConsentChange {
  source: string;
  keyword?: string | null;
  reason?: string | null;
}

export class ContactService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
  ) {}

  async get(id: string): Promise<Contact> {
    const contact = await this.em.findOne(Contact, { id: asUuid(id), workspaceId: this.workspaceId });
    if (!contact) throw notFound('Contact', id);
    return contact;
  }

  async list(filter: ContactFilterArgs | null | undefined, first: number, after?: string | null): Promise<Page<Contact> & { totalCount: number }> {
    const where = this.filterQuery(filter);
    return countedPage(this.em, Contact, where, 'createdAt', first, after);
  }

  private filterQuery(filter: ContactFilterArgs | null | undefined): FilterQuery<Contact> {
    const where: FilterQuery<Contact> & Record<string, unknown> = { workspaceId: this.workspaceId };
    if (filter?.tags?.length) where.tags = { $overlap: filter.tags };
    if (filter?.segment) where.segment = filter.segment;
    // Opted out of at least one channel (the same meaning as Contact.optedOut).
    if (filter?.optedOut === true) where.optedOutChannels = { $overlap: [...CHANNELS] };
    if (filter?.optedOut === false) where.$not = { optedOutChannels: { $overlap: [...CHANNELS] } };
    const q = filter?.search?.trim();
    if (q) {
      const like = containsPattern(q);
      where.$or = ['firstName', 'lastName', 'email', 'phone', 'externalId'].map((f) => ({ [f]: { $ilike: like } }));
    }
    return where;
  }

  /**
   * Creates or updates contacts matched by externalId, else by phone. Rows that fail validation
   * are rejected one by one; the valid rest is written in one transaction. A concurrent writer
   * creating the same contact makes the batch retry once against the fresh state.
   */
  async upsert(inputs: readonly ContactFields[]): Promise<UpsertResult> {
    if (inputs.length > MAX_UPSERT_BATCH) {
      throw badInput('TOO_MANY_CONTACTS', `At most ${MAX_UPSERT_BATCH} contacts per call`, 'contacts');
    }
    const ws = await this.em.findOneOrFail(Workspace, { id: this.workspaceId });
    const rejected: UpsertResult['rejected'] = [];
    const patches: { index: number; patch: ContactPatch }[] = [];
    inputs.forEach((input, index) => {
      const r = normalizeContact(input, ws.settings.defaultCountry);
      if (isRejection(r)) rejected.push({ index, ...r });
      else patches.push({ index, patch: r });
    });
    for (let attempt = 0; ; attempt++) {
      try {
        const fork = this.em.fork();
        const result = await fork.transactional((tx) => this.applyPatches(tx, patches));
        return { ...result, rejected: [...rejected, ...result.rejected].sort((a, b) => a.index - b.index) };
      } catch (e) {
        if (attempt === 0 && e instanceof UniqueConstraintViolationException) continue;
        throw e;
      }
    }
  }

  private async applyPatches(tx: EntityManager, patches: { index: number; patch: ContactPatch }[]): Promise<UpsertResult> {
    const externalIds = patches.flatMap((p) => (p.patch.externalId ? [p.patch.externalId] : []));
    const phones = patches.flatMap((p) => (p.patch.phone ? [p.patch.phone] : []));
    const existing = patches.length
      ? await tx.find(Contact, {
          workspaceId: this.workspaceId,
          $or: [{ externalId: { $in: externalIds } }, { phone: { $in: phones } }],
        })
      : [];
    const byExternalId = new Map<string, Contact>();
    const byPhone = new Map<string, Contact>();
    const remember = (c: Contact) => {
      if (c.externalId) byExternalId.set(c.externalId, c);
      if (c.phone) byPhone.set(c.phone, c);
    };
    existing.forEach(remember);

    const result: UpsertResult = { created: 0, updated: 0, rejected: [] };
    for (const { index, patch } of patches) {
      let contact = (patch.externalId && byExternalId.get(patch.externalId)) || undefined;
      const phoneOwner = patch.phone ? byPhone.get(patch.phone) : undefined;
      if (!contact) contact = phoneOwner;
      if (contact && phoneOwner && phoneOwner !== contact) {
        result.rejected.push({ index, code: 'PHONE_IN_USE', message: `${patch.phone} belongs to another contact` });
        continue;
      }
      if (contact && patch.externalId && contact.externalId && contact.externalId !== patch.externalId) {
        result.rejected.push({ index, code: 'EXTERNAL_ID_MISMATCH', message: `${patch.phone} belongs to the contact with externalId ${contact.externalId}` });
        continue;
      }
      const isNew = !contact;
      contact ??= tx.create(Contact, { workspaceId: this.workspaceId });
      applyPatch(contact, patch);
      remember(contact);
      if (isNew) result.created++;
      else result.updated++;
    }
    return result;
  }

  async importCsv(csv: string): Promise<UpsertResult> {
    const rows = parseContactsCsv(csv);
    const inputs: ContactFields[] = [];
    const lineOf: number[] = [];
    const rejected: UpsertResult['rejected'] = [];
    rows.forEach((row, index) => {
      if ('rejection' in row) rejected.push({ index, code: row.rejection.code, message: `line ${row.line}: ${row.rejection.message}` });
      else {
        lineOf.push(index);
        inputs.push(row.fields);
      }
    });
    const result = await this.upsert(inputs);
    // Report rows by their position in the CSV, with the line number in the message.
    for (const r of result.rejected) {
      const index = lineOf[r.index]!;
      rejected.push({ index, code: r.code, message: `line ${rows[index]!.line}: ${r.message}` });
    }
    return { created: result.created, updated: result.updated, rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  /**
   * Opts the contact out of `channel` (or back in), null = every channel, and appends one entry to
   * the opt-out log (with that channel); a call that changes nothing logs nothing. `optedOutAt`
   * is the latest opt-out on any channel, null once no channel is opted out.
   */
  async setOptedOut(id: string, channel: Channel | null, optedOut: boolean, change: ConsentChange): Promise<Contact> {
    return this.em.transactional(async (tx) => {
      const contact = await tx.findOne(Contact, { id: asUuid(id), workspaceId: this.workspaceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!contact) throw notFound('Contact', id);
      const next = applyOptOut(contact.optedOutChannels, channel, optedOut);
      if (next.join() === contact.optedOutChannels.join()) return contact;
      const at = new Date();
      contact.optedOutChannels = next;
      if (optedOut) contact.optedOutAt = at;
      else if (next.length === 0) contact.optedOutAt = null;
      tx.create(OptOutEntry, {
        workspaceId: this.workspaceId,
        contactId: contact.id,
        action: optedOut ? EventType.OPTED_OUT : EventType.OPTED_IN,
        channel,
        source: change.source,
        keyword: change.keyword ?? null,
        reason: change.reason ?? null,
        at,
      });
      return contact;
    });
  }

  async optOutLog(first: number, after?: string | null): Promise<Page<OptOutEntry>> {
    return keysetPage(this.em, OptOutEntry, { workspaceId: this.workspaceId }, 'at', first, after);
  }
}

function applyPatch(contact: Contact, patch: ContactPatch): void {
  const { attributes, consent, channelConsent, ...fields } = patch;
  // A new address has not bounced: the suppression belonged to the old one.
  if (fields.email !== undefined && fields.email !== contact.email) contact.emailBouncedAt = null;
  Object.assign(contact, fields);
  if (consent !== undefined || channelConsent !== undefined) contact.consentChannels = applyConsentPatch(contact.consentChannels, consent, channelConsent);
  if (attributes) {
    // Attributes merge key by key; a null value removes the key.
    const merged: Record<string, unknown> = { ...contact.attributes };
    for (const [k, v] of Object.entries(attributes)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    contact.attributes = merged;
  }
}
