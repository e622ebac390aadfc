/** Test data built through the public API (plus direct SQL only where the API has no way in yet). */
import { AddRecipientsDocument, CreateCampaignDocument, UpsertContactsDocument, ViewerDocument } from '../generated/graphql';
import type { TestApp } from './harness';

export interface CampaignFixture {
  workspaceId: string;
  campaignId: string;
  variants: { id: string; key: string }[];
  contacts: { id: string; externalId: string; phone: string; variantId: string }[];
}

/**
 * The fixture's variants, most recipients first. Assignment is a hash of random ids, so with few
 * recipients any one variant may get only one or none: a test that needs n contacts in one
 * variant takes the first of these (with 8 recipients and two variants it has at least 4).
 */
export function variantsByRecipients(f: CampaignFixture): CampaignFixture['variants'] {
  const count = (id: string) => f.contacts.filter((c) => c.variantId === id).length;
  return [...f.variants].sort((a, b) => count(b.id) - count(a.id));
}

let nextPhone = 1000;

/** An A/B campaign with `n` consenting contacts (distinct +1 415 555 xxxx phones), all recipients. */
export async function campaignWithRecipients(t: TestApp, key: string, n: number, weights = [50, 50], prefix = 'r'): Promise<CampaignFixture> {
  const { viewer } = await t.ok(ViewerDocument, {}, key);
  await t.ok(
    UpsertContactsDocument,
    { contacts: Array.from({ length: n }, (_, i) => ({ externalId: `${prefix}-${i}`, phone: `+1415555${nextPhone++}`, consent: true, tags: [prefix] })) },
    key,
  );
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: `fixture ${prefix}`, type: 'AB_TEST', variants: weights.map((weight, i) => ({ template: `v${i} https://shop.example/${i}`, weight })) } },
    key,
  );
  await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: [prefix] } }, key);
  const rows = await t.app.orm.em.fork().getConnection().execute<{ id: string; external_id: string; phone: string; variant_id: string }[]>(
    `select c.id, c.external_id, c.phone, a.variant_id from assignments a join contacts c on c.id = a.contact_id
     where a.campaign_id = ? order by c.external_id`,
    [c.id],
  );
  return {
    workspaceId: viewer.workspace.id,
    campaignId: c.id,
    variants: c.variants.map((v) => ({ id: v.id, key: v.key })),
    contacts: rows.map((r) => ({ id: r.id, externalId: r.external_id, phone: r.phone, variantId: r.variant_id })),
  };
}
