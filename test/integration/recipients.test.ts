import {
  AddRecipientsDocument,
  ArchiveCampaignDocument,
  ContactVariantDocument,
  CreateCampaignDocument,
  EstimateReachDocument,
  UpdateCampaignDocument,
  UpsertContactsDocument,
  ViewerDocument,
  type AudienceInput,
  type CreateCampaignInput,
} from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) =>
  t.app.orm.em.fork().getConnection().execute<T[]>(query, params);

/** Inserts `n` consenting contacts tagged `tag` straight into the workspace (set-based, fast). */
async function seedContacts(key: string, n: number, tag: string): Promise<void> {
  const { viewer } = await t.ok(ViewerDocument, {}, key);
  await sql(
    `insert into contacts (id, workspace_id, external_id, tags, consent_channels)
     select gen_random_uuid(), ?, ? || '-' || g, array[?], array['SMS', 'WHATSAPP', 'EMAIL'] from generate_series(1, ?) g`,
    [viewer.workspace.id, tag, tag, n],
  );
}

const abTest = (weights: number[], over: Partial<CreateCampaignInput> = {}): CreateCampaignInput => ({
  name: `Split ${weights.join('/')}`,
  type: 'AB_TEST',
  variants: weights.map((weight, i) => ({ template: `variant ${i}`, weight })),
  ...over,
});

const share = (perVariant: { variantId: string; count: number }[], variantId: string) => {
  const total = perVariant.reduce((a, v) => a + v.count, 0);
  return perVariant.find((v) => v.variantId === variantId)!.count / total;
};

describe('splits', () => {
  let key: string;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('splits');
    await seedContacts(key, 10_000, 'bulk');
  });

  it('splits a 70/30 campaign over 10,000 contacts within ±2 percentage points', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([70, 30]) }, key);
    const { addRecipients: r } = await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['bulk'] } }, key);
    expect(r).toMatchObject({ added: 10_000, alreadyAssigned: 0, skippedOptedOut: 0, skippedNoConsent: 0, heldOut: 0 });
    expect(Math.abs(share(r.perVariant, c.variants[0]!.id) - 0.7)).toBeLessThan(0.02);
    expect(Math.abs(share(r.perVariant, c.variants[1]!.id) - 0.3)).toBeLessThan(0.02);
    const [row] = await sql<{ n: string }>('select count(*) as n from assignments where campaign_id = ?', [c.id]);
    expect(Number(row!.n)).toBe(10_000);
  });

  it('honours a 1/99 split', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([1, 99]) }, key);
    const { addRecipients: r } = await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['bulk'] } }, key);
    const small = share(r.perVariant, c.variants[0]!.id);
    expect(small).toBeGreaterThan(0.005);
    expect(small).toBeLessThan(0.015);
  });

  it('puts the untested share of a partial test in the remainder, with no variant yet', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50], { experiment: { testAudiencePercent: 20 } }) }, key);
    const { addRecipients: r } = await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['bulk'] } }, key);
    expect(Math.abs(r.heldOut / 10_000 - 0.8)).toBeLessThan(0.02);
    expect(r.perVariant.reduce((a, v) => a + v.count, 0) + r.heldOut).toBe(10_000);
    const [held] = await sql<{ contact_id: string }>('select contact_id from assignments where campaign_id = ? and holdout limit 1', [c.id]);
    expect((await t.ok(ContactVariantDocument, { campaignId: c.id, contactId: held!.contact_id }, key)).contactVariant).toBeNull();
  });

  it('adds each contact once: a second call reports them as already assigned', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50]) }, key);
    await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['bulk'] } }, key);
    const { addRecipients: again } = await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['bulk'] } }, key);
    expect(again).toMatchObject({ added: 0, alreadyAssigned: 10_000 });
    expect(again.perVariant.every((v) => v.count === 0)).toBe(true);
  });
});

describe('stability', () => {
  it('keeps a contact in its variant across calls, a weight change and a server restart; new contacts follow new weights', async () => {
    const key = await t.newWorkspaceKey('stability');
    await seedContacts(key, 2_000, 'first');
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50]) }, key);
    await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['first'] } }, key);
    const before = await sql<{ contact_id: string; variant_id: string }>('select contact_id, variant_id from assignments where campaign_id = ? order by contact_id', [c.id]);
    const sample = before.slice(0, 20);
    for (const a of sample) {
      const { contactVariant } = await t.ok(ContactVariantDocument, { campaignId: c.id, contactId: a.contact_id }, key);
      expect(contactVariant?.id).toBe(a.variant_id);
    }

    await t.ok(UpdateCampaignDocument, { id: c.id, input: { variants: [{ key: 'A', template: 'a', weight: 10 }, { key: 'B', template: 'b', weight: 90 }] } }, key);
    await seedContacts(key, 5_000, 'second');
    const { addRecipients: r } = await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['first', 'second'] } }, key);
    expect(r).toMatchObject({ added: 5_000, alreadyAssigned: 2_000 });
    expect(Math.abs(share(r.perVariant, c.variants[0]!.id) - 0.1)).toBeLessThan(0.02);

    await t.restart();
    const after = await sql<{ contact_id: string; variant_id: string }>(
      `select a.contact_id, a.variant_id from assignments a join contacts c on c.id = a.contact_id
       where a.campaign_id = ? and 'first' = any(c.tags) order by a.contact_id`,
      [c.id],
    );
    expect(after).toEqual(before);
    for (const a of sample) {
      const { contactVariant } = await t.ok(ContactVariantDocument, { campaignId: c.id, contactId: a.contact_id }, key);
      expect(contactVariant?.id).toBe(a.variant_id);
    }
  });
});

describe('audiences', () => {
  let key: string;
  let ids: Record<string, string>;
  const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

  beforeAll(async () => {
    key = await t.newWorkspaceKey('audiences');
    await t.ok(UpsertContactsDocument, {
      contacts: [
        { externalId: 'ana', tags: ['vip'], segment: 'gold', attributes: { city: 'Porto', plan: 'pro' }, consent: true },
        { externalId: 'bo', tags: ['vip', 'new'], segment: 'silver', attributes: { city: 'Lisbon' }, consent: true },
        { externalId: 'cy', tags: ['new'], segment: 'gold', attributes: { city: 'Porto', plan: 'free' }, consent: true },
        { externalId: 'di', tags: [], segment: null, attributes: { age: 30 }, consent: true },
        { externalId: 'ed', tags: ['vip'], segment: 'gold', consent: false },
        { externalId: 'fay', tags: ['vip'], segment: 'gold', consent: true },
      ],
    }, key);
    const rows = await sql<{ id: string; external_id: string }>(
      `select c.id, c.external_id from contacts c join api_keys k on k.workspace_id = c.workspace_id where k.key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex')`,
      [key],
    );
    ids = Object.fromEntries(rows.map((r) => [r.external_id, r.id]));
    await sql(`update contacts set opted_out_channels = array['SMS', 'WHATSAPP', 'EMAIL'], opted_out_at = now() where id = ?`, [ids.fay]);
    // Activity: ana messaged 2 days ago, bo 30 days ago, cy never. Events: ana 1 day ago, cy 10 days ago.
    await sql(`update contacts set last_messaged_at = ?, last_event_at = ? where id = ?`, [days(2), days(1), ids.ana]);
    await sql(`update contacts set last_messaged_at = ? where id = ?`, [days(30), ids.bo]);
    await sql(`update contacts set last_event_at = ? where id = ?`, [days(10), ids.cy]);
  });

  /** Who addRecipients assigns for the audience, checked against estimateReach. */
  async function select(audience: AudienceInput): Promise<string[]> {
    const { estimateReach } = await t.ok(EstimateReachDocument, { audience }, key);
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50]) }, key);
    const { addRecipients: r } = await t.ok(AddRecipientsDocument, { campaignId: c.id, audience }, key);
    expect(r.added).toBe(estimateReach.withConsent);
    expect(r.added + r.skippedNoConsent + r.skippedOptedOut).toBe(estimateReach.total);
    const rows = await sql<{ external_id: string }>('select c.external_id from assignments a join contacts c on c.id = a.contact_id where a.campaign_id = ?', [c.id]);
    return rows.map((x) => x.external_id).sort();
  }

  it.each<[string, AudienceInput, string[]]>([
    ['everyone', {}, ['ana', 'bo', 'cy', 'di']],
    ['tags, any of', { tags: ['vip'] }, ['ana', 'bo']],
    ['two tags, any of', { tags: ['vip', 'new'] }, ['ana', 'bo', 'cy']],
    ['segments', { segments: ['gold'] }, ['ana', 'cy']],
    ['several segments', { segments: ['gold', 'silver'] }, ['ana', 'bo', 'cy']],
    ['not messaged for 7 days (never counts)', { minDaysSinceContact: 7 }, ['bo', 'cy', 'di']],
    ['active in the last 3 days', { activeInLastDays: 3 }, ['ana']],
    ['active in the last 14 days', { activeInLastDays: 14 }, ['ana', 'cy']],
    ['an attribute', { attributes: { city: 'Porto' } }, ['ana', 'cy']],
    ['two attributes', { attributes: { city: 'Porto', plan: 'free' } }, ['cy']],
    ['a numeric attribute (typed)', { attributes: { age: 30 } }, ['di']],
    ['a numeric attribute as a string does not match', { attributes: { age: '30' } }, []],
    ['tags and segment', { tags: ['vip'], segments: ['gold'] }, ['ana']],
    ['segment, attribute and recency', { segments: ['gold'], attributes: { city: 'Porto' }, minDaysSinceContact: 7 }, ['cy']],
    ['nobody', { tags: ['nobody'] }, []],
  ])('selects exactly the intended contacts: %s', async (_label, audience, expected) => {
    expect(await select(audience)).toEqual(expected);
  });

  it('skips and counts opted-out and no-consent contacts', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50]) }, key);
    const { addRecipients: r } = await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { segments: ['gold'] } }, key);
    expect(r).toMatchObject({ added: 2, skippedNoConsent: 1, skippedOptedOut: 1, alreadyAssigned: 0 });
    expect((await t.ok(EstimateReachDocument, { audience: { segments: ['gold'] } }, key)).estimateReach).toEqual({ total: 4, withConsent: 2 });
  });

  it('adds explicit contacts, alone or together with an audience (union)', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50]) }, key);
    const only = await t.ok(AddRecipientsDocument, { campaignId: c.id, contactIds: [ids.di!, ids.ed!, ids.di!] }, key);
    expect(only.addRecipients).toMatchObject({ added: 1, skippedNoConsent: 1 });
    const both = await t.ok(AddRecipientsDocument, { campaignId: c.id, contactIds: [ids.di!], audience: { tags: ['new'] } }, key);
    expect(both.addRecipients).toMatchObject({ added: 2, alreadyAssigned: 1 });
    expect((await t.ok(ContactVariantDocument, { campaignId: c.id, contactId: ids.ana! }, key)).contactVariant).toBeNull();
    expect((await t.ok(ContactVariantDocument, { campaignId: c.id, contactId: ids.bo! }, key)).contactVariant?.key).toMatch(/^[AB]$/);
  });

  it("uses the campaign's own audience when none is given", async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50], { audience: { tags: ['vip'] } }) }, key);
    expect((await t.ok(AddRecipientsDocument, { campaignId: c.id }, key)).addRecipients.added).toBe(2);
    const { createCampaign: none } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50]) }, key);
    expect(errorOf(await t.gql(AddRecipientsDocument, { campaignId: none.id }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NO_RECIPIENTS_GIVEN' });
  });

  it('refuses another workspace’s contact (NOT_FOUND) and does not count it in estimateReach', async () => {
    const other = await t.newWorkspaceKey('other');
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'ana', tags: ['vip'], consent: true }] }, other);
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50]) }, other);
    const r = await t.gql(AddRecipientsDocument, { campaignId: c.id, contactIds: [ids.ana!] }, other);
    expect(errorOf(r)?.code).toBe('NOT_FOUND');
    expect((await t.ok(EstimateReachDocument, { audience: { tags: ['vip'] } }, other)).estimateReach).toEqual({ total: 1, withConsent: 1 });
    expect(errorOf(await t.gql(ContactVariantDocument, { campaignId: c.id, contactId: ids.ana! }, other))?.code).toBe('NOT_FOUND');
    // Nor can a campaign be reached from another workspace.
    expect(errorOf(await t.gql(AddRecipientsDocument, { campaignId: c.id, audience: {} }, key))?.code).toBe('NOT_FOUND');
    expect(errorOf(await t.gql(AddRecipientsDocument, { campaignId: c.id, contactIds: ['not-a-uuid'] }, other))?.code).toBe('NOT_FOUND');
  });

  it('refuses recipients for a campaign that is not DRAFT, SCHEDULED or RUNNING (CONFLICT)', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abTest([50, 50]) }, key);
    await t.ok(ArchiveCampaignDocument, { id: c.id }, key);
    expect(errorOf(await t.gql(AddRecipientsDocument, { campaignId: c.id, audience: {} }, key))).toMatchObject({ code: 'CONFLICT', reason: 'CAMPAIGN_NOT_ACCEPTING_RECIPIENTS' });
  });

  it('validates the audience', async () => {
    expect(errorOf(await t.gql(EstimateReachDocument, { audience: { activeInLastDays: 0 } }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_AUDIENCE', field: 'audience.activeInLastDays' });
  });
});
