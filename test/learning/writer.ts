/**
 * Writes a world (test/learning/world.ts) into a workspace through the public API only:
 * updateWorkspaceSettings (its zone), upsertContacts, contacts (to learn the ids), createCampaign +
 * addRecipients (events are accepted only for a campaign's recipients; the campaign's status does
 * not matter, so campaigns stay DRAFT and the sender never sends anything), then every event with
 * its past occurredAt through `POST /v1/events` (or `trackEvents`) in batches of 1,000 — the most
 * either accepts per call. Events carry idempotency keys derived from the world, so a repeated
 * write counts nothing twice. Merchant names go through `upsertMerchants` (writeMerchantNames),
 * which is separate because that mutation is another part's API.
 */
import { print } from 'graphql';
import {
  AddRecipientsDocument,
  ContactsDocument,
  CreateCampaignDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  type ContactsQuery,
  type TrackEventInput,
} from '../generated/graphql';
import type { TestApp } from '../helpers/harness';
import type { World } from './world';

export interface WriteOptions {
  /** Transport for events: REST `POST /v1/events` (default) or GraphQL `trackEvents`. */
  via: 'rest' | 'graphql';
  /** Requests in flight at once. */
  concurrency: number;
  /** Only the first n events (for measuring a transport on a sample). */
  eventLimit?: number;
}

export interface WrittenWorld {
  /** Contact ids in world order. */
  contactIds: string[];
  /** Campaign ids in world order. */
  campaignIds: string[];
  /** The campaign holding merchant visits (no messages). */
  browsingCampaignId: string;
  events: number;
  /** Wall time of each phase, ms. */
  timings: { contacts: number; campaigns: number; events: number; total: number };
}

const EVENTS_PER_CALL = 1000;
const CONTACTS_PER_CALL = 5000;
const PAGE = 200;
const TEMPLATE = 'Hi {first_name|there}, new deals are in today. Reply STOP to opt out';

/** Runs `tasks` with at most `limit` in flight; resolves with their results in order. */
export async function inPool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Every event of the world, in the TrackEventInput shape (ids resolved). */
export function worldEvents(world: World, contactIds: readonly string[], campaignIds: readonly string[], browsingCampaignId: string): TrackEventInput[] {
  const tag = `${world.options.tag}-${world.options.seed}`;
  const events: TrackEventInput[] = [];
  world.messages.forEach((m, i) => {
    const base = { campaignId: campaignIds[m.campaign]!, contactId: contactIds[m.contact]! };
    events.push({ ...base, type: 'SENT', occurredAt: iso(m.sentAt), idempotencyKey: `${tag}-m${i}-sent` });
    if (m.engaged) events.push({ ...base, type: 'CLICKED', occurredAt: iso(m.clickedAt!), merchantId: world.merchants[m.clickMerchant!]!.id, idempotencyKey: `${tag}-m${i}-click` });
    if (m.converted) {
      events.push({ ...base, type: 'CONVERTED', occurredAt: iso(m.convertedAt!), value: m.value!, merchantId: world.merchants[m.convertMerchant!]!.id, idempotencyKey: `${tag}-m${i}-conv` });
    }
  });
  world.visits.forEach((v, i) => {
    events.push({ campaignId: browsingCampaignId, contactId: contactIds[v.contact]!, type: 'CLICKED', occurredAt: iso(v.at), merchantId: world.merchants[v.merchant]!.id, idempotencyKey: `${tag}-v${i}` });
  });
  return events;
}

async function must<T>(p: Promise<{ data?: T | null; errors?: unknown[] }>, what: string): Promise<T> {
  const r = await p;
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

export async function writeWorld(t: TestApp, key: string, world: World, options: Partial<WriteOptions> = {}): Promise<WrittenWorld> {
  const o: WriteOptions = { via: 'rest', concurrency: 4, ...options };
  const start = Date.now();
  const tag = world.options.tag;

  await must(t.gql(UpdateWorkspaceSettingsDocument, { input: { timezone: world.options.workspaceZone } }, key), 'updateWorkspaceSettings');

  // Contacts, then their ids (matched by externalId).
  for (const batch of chunks(world.contacts, CONTACTS_PER_CALL)) {
    const { upsertContacts } = await must(
      t.gql(UpsertContactsDocument, { contacts: batch.map((c) => ({ externalId: c.externalId, segment: c.segment, timezone: c.timezone, tags: [tag], consent: true })) }, key),
      'upsertContacts',
    );
    if (upsertContacts.rejected.length) throw new Error(`upsertContacts rejected ${JSON.stringify(upsertContacts.rejected.slice(0, 3))}`);
  }
  const idByExternal = new Map<string, string>();
  for (let after: string | null = null; ; ) {
    const page: ContactsQuery = await must(t.gql(ContactsDocument, { filter: { tags: [tag] }, first: PAGE, after }, key), 'contacts');
    const { contacts } = page;
    for (const c of contacts.nodes) idByExternal.set(c.externalId!, c.id);
    if (!contacts.pageInfo.hasNextPage) break;
    after = contacts.pageInfo.endCursor ?? null;
  }
  const contactIds = world.contacts.map((c) => {
    const id = idByExternal.get(c.externalId);
    if (!id) throw new Error(`contact ${c.externalId} was not found after upsertContacts`);
    return id;
  });
  const contactsDone = Date.now();

  // Campaigns (DRAFT, one variant) and their recipients.
  const recipients = world.campaigns.map(() => [] as string[]);
  for (const m of world.messages) recipients[m.campaign]!.push(contactIds[m.contact]!);
  const create = async (name: string, offerAmount: number | null, ids: string[]): Promise<string> => {
    const { createCampaign } = await must(
      t.gql(CreateCampaignDocument, { input: { name, type: 'STANDARD', channel: 'SMS', offerAmount, variants: [{ template: TEMPLATE }] } }, key),
      'createCampaign',
    );
    for (const part of chunks(ids, 10_000)) {
      const { addRecipients } = await must(t.gql(AddRecipientsDocument, { campaignId: createCampaign.id, contactIds: part }, key), 'addRecipients');
      if (addRecipients.added !== part.length) throw new Error(`addRecipients added ${addRecipients.added} of ${part.length} to ${name}: ${JSON.stringify(addRecipients)}`);
    }
    return createCampaign.id;
  };
  const campaignIds = await inPool(
    o.concurrency,
    world.campaigns.map((c, i) => () => create(c.name, world.options.offers[c.offerIndex]!, recipients[i]!)),
  );
  const browsingCampaignId = await create(`${tag} merchant visits (no messages)`, null, [...new Set(world.visits.map((v) => contactIds[v.contact]!))]);
  const campaignsDone = Date.now();

  // Events.
  let events = worldEvents(world, contactIds, campaignIds, browsingCampaignId);
  if (o.eventLimit !== undefined) events = events.slice(0, o.eventLimit);
  const send = async (batch: TrackEventInput[]) => {
    let result: { accepted: number; duplicates: number; rejected: { index: number; code: string; message: string }[] };
    if (o.via === 'rest') {
      const res = await fetch(`${t.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      if (res.status !== 200) throw new Error(`POST /v1/events answered ${res.status}: ${await res.text()}`);
      result = (await res.json()) as typeof result;
    } else {
      result = (await must(t.raw<{ trackEvents: typeof result }>(print(TrackEventsDocument), { events: batch }, key), 'trackEvents')).trackEvents;
    }
    if (result.rejected.length) throw new Error(`events rejected: ${JSON.stringify(result.rejected.slice(0, 3))}`);
    return result.accepted + result.duplicates;
  };
  const counted = (await inPool(o.concurrency, chunks(events, EVENTS_PER_CALL).map((b) => () => send(b)))).reduce((a, b) => a + b, 0);
  if (counted !== events.length) throw new Error(`${counted} of ${events.length} events stored`);
  const end = Date.now();

  return {
    contactIds,
    campaignIds,
    browsingCampaignId,
    events: events.length,
    timings: { contacts: contactsDone - start, campaigns: campaignsDone - contactsDone, events: end - campaignsDone, total: end - start },
  };
}

/** Merchant names through `upsertMerchants` (another part's API: untyped until it is merged). */
export async function writeMerchantNames(t: TestApp, key: string, world: World): Promise<void> {
  const r = await t.raw(
    'mutation($m: [MerchantInput!]!) { upsertMerchants(merchants: $m) { __typename } }',
    { m: world.merchants.map((m) => ({ id: m.id, name: m.name })) },
    key,
  );
  if (r.errors?.length) throw new Error(`upsertMerchants failed: ${JSON.stringify(r.errors)}`);
}
