import {
  ContactDocument,
  ContactsDocument,
  ImportContactsCsvDocument,
  OptInDocument,
  OptOutDocument,
  OptOutLogDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
} from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const contactId = async (externalId: string, key?: string) => {
  const { contacts } = await t.ok(ContactsDocument, { filter: { search: externalId }, first: 1 }, key);
  return contacts.nodes[0]!.id;
};

describe('upsertContacts', () => {
  it('creates contacts with phones normalised to E.164, then updates them by externalId or phone', async () => {
    const created = await t.ok(UpsertContactsDocument, {
      contacts: [
        { externalId: 'u-1', phone: '+1 (415) 555-2671', firstName: 'Ada', tags: ['vip', 'vip', 'new'], segment: 'gold', consent: true, timezone: 'America/Los_Angeles', attributes: { city: 'SF' } },
        { phone: '+44 20 7946 0958', email: 'Bob@Example.com' },
      ],
    });
    expect(created.upsertContacts).toEqual({ created: 2, updated: 0, rejected: [] });

    const id = await contactId('u-1');
    const { contact } = await t.ok(ContactDocument, { id });
    expect(contact).toMatchObject({ externalId: 'u-1', phone: '+14155552671', firstName: 'Ada', tags: ['vip', 'new'], segment: 'gold', consent: true, optedOut: false, timezone: 'America/Los_Angeles', attributes: { city: 'SF' } });

    const updated = await t.ok(UpsertContactsDocument, {
      contacts: [
        { externalId: 'u-1', lastName: 'Lovelace', attributes: { plan: 'pro', city: null } },
        { phone: '+442079460958', externalId: 'u-2', firstName: 'Bob' },
      ],
    });
    expect(updated.upsertContacts).toEqual({ created: 0, updated: 2, rejected: [] });
    const { contact: after } = await t.ok(ContactDocument, { id });
    // Fields not given stay; attributes merge key by key and null removes one.
    expect(after).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', phone: '+14155552671', consent: true, attributes: { plan: 'pro' } });
    const { contact: bob } = await t.ok(ContactDocument, { id: await contactId('u-2') });
    expect(bob).toMatchObject({ externalId: 'u-2', email: 'bob@example.com', firstName: 'Bob', consent: false });
  });

  it('rejects bad rows one by one and keeps the good ones', async () => {
    const r = await t.ok(UpsertContactsDocument, {
      contacts: [
        { externalId: 'ok-1', phone: '+351 912 345 678' },
        { externalId: 'bad-phone', phone: '12345' },
        { firstName: 'nobody' },
        { externalId: 'bad-email', email: 'not-an-email' },
        { externalId: 'bad-tz', timezone: 'Nowhere/Land' },
        { externalId: 'bad-attrs', attributes: [1, 2] },
        { externalId: 'ok-2' },
      ],
    });
    expect(r.upsertContacts.created).toBe(2);
    expect(r.upsertContacts.rejected.map((x) => [x.index, x.code])).toEqual([
      [1, 'INVALID_PHONE'],
      [2, 'MISSING_IDENTIFIER'],
      [3, 'INVALID_EMAIL'],
      [4, 'INVALID_TIMEZONE'],
      [5, 'INVALID_ATTRIBUTES'],
    ]);
    expect((await t.ok(ContactsDocument, { filter: { search: 'bad-' } })).contacts.totalCount).toBe(0);
  });

  it('refuses to move a phone number that belongs to another contact', async () => {
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'p-1', phone: '+14155550101' }, { externalId: 'p-2', phone: '+14155550102' }] });
    const r = await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'p-1', phone: '+14155550102' }] });
    expect(r.upsertContacts.rejected).toMatchObject([{ index: 0, code: 'PHONE_IN_USE' }]);
  });

  it('refuses a phone that belongs to a contact with another externalId', async () => {
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'm-1', phone: '+14155550177' }] });
    const r = await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'm-2', phone: '+14155550177' }] });
    expect(r.upsertContacts).toMatchObject({ created: 0, updated: 0, rejected: [{ index: 0, code: 'EXTERNAL_ID_MISMATCH' }] });
  });

  it('refuses batches over 10,000 contacts and CSVs over 50,000 rows as a whole', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ externalId: `big-${i}` }));
    expect(errorOf(await t.gql(UpsertContactsDocument, { contacts: many }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_CONTACTS' });
    const csv = `external_id\n${Array.from({ length: 50_001 }, (_, i) => `r${i}`).join('\n')}`;
    expect(errorOf(await t.gql(ImportContactsCsvDocument, { csv }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_ROWS' });
    expect((await t.ok(ContactsDocument, { filter: { search: 'big-' } })).contacts.totalCount).toBe(0);
  });

  it('reads national numbers in the workspace default country', async () => {
    const key = await t.newWorkspaceKey('pt-shop');
    expect((await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'pt', phone: '912 345 678' }] }, key)).upsertContacts.rejected[0]?.code).toBe('INVALID_PHONE');
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { defaultCountry: 'PT' } }, key);
    expect((await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'pt', phone: '912 345 678' }] }, key)).upsertContacts.created).toBe(1);
    expect((await t.ok(ContactsDocument, {}, key)).contacts.nodes[0]?.phone).toBe('+351912345678');
  });
});

describe('importContactsCsv', () => {
  it('imports rows, maps known columns, keeps others as attributes and reports rejected lines', async () => {
    const key = await t.newWorkspaceKey('csv');
    const csv = [
      'External ID,Phone,First Name,email,tags,consent,city',
      'c-1,+14155550111,Ana,ana@example.com,vip;new,yes,Porto',
      'c-2,not a phone,Rui,,,no,Faro',
      'c-3,+14155550113,Eva,,,maybe,Braga',
      '"c-4","+1 415 555 0114","Quoted, Name",,"a|b",1,',
    ].join('\n');
    const { importContactsCsv: r } = await t.ok(ImportContactsCsvDocument, { csv }, key);
    expect(r.created).toBe(2);
    expect(r.updated).toBe(0);
    expect(r.rejected).toEqual([
      { index: 1, code: 'INVALID_PHONE', message: expect.stringMatching(/^line 3: /) },
      { index: 2, code: 'INVALID_CONSENT', message: expect.stringMatching(/^line 4: /) },
    ]);
    const { contacts } = await t.ok(ContactsDocument, {}, key);
    const byId = Object.fromEntries(contacts.nodes.map((c) => [c.externalId, c]));
    expect(byId['c-1']).toMatchObject({ phone: '+14155550111', firstName: 'Ana', email: 'ana@example.com', tags: ['vip', 'new'], consent: true, attributes: { city: 'Porto' } });
    expect(byId['c-4']).toMatchObject({ firstName: 'Quoted, Name', tags: ['a', 'b'], consent: true, attributes: {} });

    // Importing again updates instead of duplicating.
    const again = await t.ok(ImportContactsCsvDocument, { csv: 'external_id,segment\nc-1,gold\nc-4,silver' }, key);
    expect(again.importContactsCsv).toEqual({ created: 0, updated: 2, rejected: [] });
  });

  it.each([
    ['an empty file', ''],
    ['no id or phone column', 'name,city\nAna,Porto'],
    ['broken quoting', 'external_id,phone\n"c-1,+14155550111'],
  ])('rejects %s with INVALID_CSV', async (_label, csv) => {
    expect(errorOf(await t.gql(ImportContactsCsvDocument, { csv }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CSV', field: 'csv' });
  });
});

describe('contacts query', () => {
  let key: string;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('filters');
    await t.ok(UpsertContactsDocument, {
      contacts: [
        { externalId: 'f-1', firstName: 'Maria', tags: ['vip'], segment: 'gold' },
        { externalId: 'f-2', firstName: 'Mario', tags: ['new'], segment: 'gold' },
        { externalId: 'f-3', firstName: 'Zoe', tags: ['vip', 'churn-risk'], segment: 'silver' },
        { externalId: 'f-4', firstName: 'Ana', email: 'ana@shop.example' },
      ],
    }, key);
    await t.ok(OptOutDocument, { contactId: await contactId('f-3', key) }, key);
  });

  const names = async (filter: Record<string, unknown>) =>
    (await t.ok(ContactsDocument, { filter }, key)).contacts.nodes.map((c) => c.firstName).sort();

  it('filters by tags (any of), segment, opt-out state and search', async () => {
    expect(await names({ tags: ['vip'] })).toEqual(['Maria', 'Zoe']);
    expect(await names({ tags: ['new', 'churn-risk'] })).toEqual(['Mario', 'Zoe']);
    expect(await names({ segment: 'gold' })).toEqual(['Maria', 'Mario']);
    expect(await names({ optedOut: true })).toEqual(['Zoe']);
    expect(await names({ optedOut: false, tags: ['vip'] })).toEqual(['Maria']);
    expect(await names({ search: 'mari' })).toEqual(['Maria', 'Mario']);
    expect(await names({ search: 'shop.example' })).toEqual(['Ana']);
  });

  it('pages with a cursor and counts the whole filtered set', async () => {
    const first = await t.ok(ContactsDocument, { first: 3 }, key);
    expect(first.contacts.totalCount).toBe(4);
    expect(first.contacts.pageInfo.hasNextPage).toBe(true);
    const second = await t.ok(ContactsDocument, { first: 3, after: first.contacts.pageInfo.endCursor }, key);
    expect(second.contacts.nodes).toHaveLength(1);
    expect(second.contacts.pageInfo.hasNextPage).toBe(false);
    const all = [...first.contacts.nodes, ...second.contacts.nodes].map((c) => c.externalId);
    expect(all).toEqual(['f-4', 'f-3', 'f-2', 'f-1']);
  });

  it('does not show contacts across workspaces', async () => {
    const id = await contactId('f-1', key);
    expect(errorOf(await t.gql(ContactDocument, { id }))?.code).toBe('NOT_FOUND');
    expect((await t.ok(ContactsDocument, { filter: { search: 'f-1' } })).contacts.totalCount).toBe(0);
    expect(errorOf(await t.gql(OptOutDocument, { contactId: id }))?.code).toBe('NOT_FOUND');
  });
});

describe('optOut / optIn and the opt-out log', () => {
  it('records each change once, newest first, with source and reason', async () => {
    const key = await t.newWorkspaceKey('optouts');
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'o-1', phone: '+14155550199', consent: true }] }, key);
    const id = await contactId('o-1', key);

    const out = await t.ok(OptOutDocument, { contactId: id, reason: 'asked by phone' }, key);
    expect(out.optOut.optedOut).toBe(true);
    expect(out.optOut.optedOutAt).toEqual(expect.any(String));
    await t.ok(OptOutDocument, { contactId: id }, key); // already out: no second entry
    const back = await t.ok(OptInDocument, { contactId: id }, key);
    expect(back.optIn).toMatchObject({ optedOut: false, optedOutAt: null });

    const { optOutLog } = await t.ok(OptOutLogDocument, {}, key);
    expect(optOutLog.nodes.map((n) => [n.action, n.source, n.contact.externalId])).toEqual([
      ['OPTED_IN', 'api', 'o-1'],
      ['OPTED_OUT', 'api', 'o-1'],
    ]);
    const page = await t.ok(OptOutLogDocument, { first: 1 }, key);
    expect(page.optOutLog.pageInfo.hasNextPage).toBe(true);
    const rest = await t.ok(OptOutLogDocument, { first: 1, after: page.optOutLog.pageInfo.endCursor }, key);
    expect(rest.optOutLog.nodes.map((n) => n.action)).toEqual(['OPTED_OUT']);
    // Another workspace sees none of it.
    expect((await t.ok(OptOutLogDocument, {})).optOutLog.nodes.some((n) => n.contact.externalId === 'o-1')).toBe(false);
  });
});
