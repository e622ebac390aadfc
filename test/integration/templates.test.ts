import { CreateTemplateDocument, PreviewTemplateDocument, TemplatesDocument, UpsertContactsDocument, ContactsDocument } from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('templates', () => {
  it('creates templates and lists them by name with their variables', async () => {
    await t.ok(CreateTemplateDocument, { input: { name: 'welcome', body: 'Hi {first_name|there}, welcome to {attributes.store}!', category: 'onboarding' } });
    await t.ok(CreateTemplateDocument, { input: { name: 'another', body: 'Plain text' } });
    const { templates } = await t.ok(TemplatesDocument);
    expect(templates.map((x) => [x.name, x.variables, x.category])).toEqual([
      ['another', [], null],
      ['welcome', ['first_name', 'attributes.store'], 'onboarding'],
    ]);
    // Workspaces do not share templates.
    expect((await t.ok(TemplatesDocument, {}, await t.newWorkspaceKey())).templates).toEqual([]);
  });

  it.each([
    [{ name: 'x', body: '  ' }, 'EMPTY_TEMPLATE', 'input.body'],
    [{ name: 'x', body: 'Hi {firstname}' }, 'UNKNOWN_TEMPLATE_VARIABLE', 'input.body'],
    [{ name: ' ', body: 'Hi' }, 'INVALID_NAME', 'input.name'],
    [{ name: 'welcome', body: 'Hi again' }, 'DUPLICATE_TEMPLATE_NAME', 'input.name'],
  ])('rejects %j with %s', async (input, reason, field) => {
    expect(errorOf(await t.gql(CreateTemplateDocument, { input }))).toEqual({ code: 'BAD_USER_INPUT', reason, field });
  });

  it('answers DUPLICATE_TEMPLATE_NAME to every loser of a race for one name', async () => {
    const key = await t.newWorkspaceKey();
    const rs = await Promise.all(Array.from({ length: 6 }, () => t.gql(CreateTemplateDocument, { input: { name: 'raced', body: 'x' } }, key)));
    expect(rs.filter((r) => !r.errors).length).toBe(1);
    expect(rs.filter((r) => r.errors).map(errorOf)).toEqual(Array(5).fill({ code: 'BAD_USER_INPUT', reason: 'DUPLICATE_TEMPLATE_NAME', field: 'input.name' }));
  });
});

describe('previewTemplate', () => {
  it('renders for a contact, lets explicit variables win, and reports missing ones', async () => {
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'pv-1', firstName: 'Ana', attributes: { store: 'Porto' } }] });
    const id = (await t.ok(ContactsDocument, { filter: { search: 'pv-1' } })).contacts.nodes[0]!.id;
    const { previewTemplate: p } = await t.ok(PreviewTemplateDocument, {
      template: 'Hi {first_name}, your {attributes.store} store has {offer_amount} off. {last_name|}',
      contactId: id,
      variables: { offer_amount: '10%' },
    });
    expect(p).toEqual({
      rendered: 'Hi Ana, your Porto store has 10% off. ',
      missingVariables: ['last_name'],
      unknownVariables: [],
      segments: 1,
      characters: 38,
      encoding: 'GSM7',
    });
  });

  it('counts GSM-7 and UCS-2 segments', async () => {
    const gsm = (await t.ok(PreviewTemplateDocument, { template: 'a'.repeat(161) })).previewTemplate;
    expect(gsm).toMatchObject({ encoding: 'GSM7', characters: 161, segments: 2 });
    const ucs = (await t.ok(PreviewTemplateDocument, { template: `Olá 😀 ${'ç'.repeat(65)}` })).previewTemplate;
    expect(ucs).toMatchObject({ encoding: 'UCS2', characters: 71, segments: 2 });
    const euro = (await t.ok(PreviewTemplateDocument, { template: '€'.repeat(80) })).previewTemplate;
    expect(euro).toMatchObject({ encoding: 'GSM7', characters: 80, segments: 1 });
  });

  it('flags unknown variables and bad input', async () => {
    const { previewTemplate: p } = await t.ok(PreviewTemplateDocument, { template: 'Hi {frist_name}' });
    expect(p).toMatchObject({ rendered: 'Hi ', missingVariables: ['frist_name'], unknownVariables: ['frist_name'] });
    expect(errorOf(await t.gql(PreviewTemplateDocument, { template: 'x', variables: [1] }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_VARIABLES' });
    expect(errorOf(await t.gql(PreviewTemplateDocument, { template: 'x', contactId: '0190c1d2-0000-7000-8000-000000000000' }))?.code).toBe('NOT_FOUND');
  });
});
