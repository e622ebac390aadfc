/**
 * The template library on the real app: update and versions, campaigns keep the version they were
 * made from, delete vs archive, name reuse, filters and pagination, WhatsApp references, concurrent
 * updates, workspace isolation.
 */
import {
  CreateCampaignFromLibraryDocument,
  CreateLibraryTemplateDocument,
  DeleteLibraryTemplateDocument,
  DuplicateLibraryCampaignDocument,
  LibraryCampaignDocument,
  LibraryTemplateCategoriesDocument,
  LibraryTemplatesDocument,
  LibraryTemplateVersionsDocument,
  TemplatesDocument,
  TemplateVersionsPageDocument,
  UpdateCampaignDocument,
  UpdateLibraryTemplateDocument,
} from '../generated/graphql';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import { Migration20261209200000_template_library } from '../../migrations/Migration20261209200000_template_library';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let seq = 0;
const unique = (prefix: string) => `${prefix} ${++seq}`;
const create = async (input: Record<string, unknown>, key?: string) =>
  (await t.ok(CreateLibraryTemplateDocument, { input: { name: unique('tpl'), body: 'Hi {first_name}', ...input } as never }, key)).createTemplate;
const sms = (templateId: string) => ({ name: unique('campaign'), channel: 'SMS' as const, variants: [{ templateId }] });

describe('update and versions', () => {
  it('updates as the next version and keeps every version, newest first', async () => {
    const v1 = await create({ body: 'Hi {first_name}, v1', category: 'promo' });
    expect(v1.version).toBe(1);
    const v2 = (await t.ok(UpdateLibraryTemplateDocument, { id: v1.id, input: { name: `${v1.name} renamed`, body: 'Hello {first_name}, v2' } })).updateTemplate;
    expect(v2).toMatchObject({ id: v1.id, name: `${v1.name} renamed`, body: 'Hello {first_name}, v2', category: null, version: 2 });
    const listed = (await t.ok(LibraryTemplateVersionsDocument)).templates.find((x) => x.id === v1.id)!;
    expect(listed.versions.map((v) => [v.version, v.name, v.body, v.category])).toEqual([
      [2, `${v1.name} renamed`, 'Hello {first_name}, v2', null],
      [1, v1.name, 'Hi {first_name}, v1', 'promo'],
    ]);
  });

  it('validates an update as a create, changing nothing on refusal', async () => {
    const a = await create({});
    const b = await create({});
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: ' ', body: 'x' }, 'INVALID_NAME', 'input.name'],
      [{ name: a.name, body: ' ' }, 'EMPTY_TEMPLATE', 'input.body'],
      [{ name: a.name, body: 'Hi {frist_name}' }, 'UNKNOWN_TEMPLATE_VARIABLE', 'input.body'],
      [{ name: a.name, body: 'x', subject: 'S' }, 'FIELD_NOT_FOR_CHANNEL', 'input.subject'],
      [{ name: b.name, body: 'x' }, 'DUPLICATE_TEMPLATE_NAME', 'input.name'],
    ];
    for (const [input, reason, field] of cases) {
      expect(errorOf(await t.gql(UpdateLibraryTemplateDocument, { id: a.id, input: input as never }))).toMatchObject({ code: 'BAD_USER_INPUT', reason, field });
    }
    const after = (await t.ok(LibraryTemplatesDocument, { search: a.name })).templates;
    expect(after).toEqual([expect.objectContaining({ id: a.id, body: a.body, version: 1 })]);
    // Its own name is no clash.
    expect((await t.ok(UpdateLibraryTemplateDocument, { id: a.id, input: { name: a.name, body: 'new' } })).updateTemplate.version).toBe(2);
  });

  it('refuses a name too long to index (INVALID_NAME), on create and update, instead of a database error', async () => {
    // Incompressible, so that PostgreSQL cannot squeeze it under a B-tree entry's ~2.7 kB limit.
    const long = randomBytes(6000).toString('base64');
    expect(errorOf(await t.gql(CreateLibraryTemplateDocument, { input: { name: long, body: 'b' } }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_NAME', field: 'input.name' });
    const tpl = await create({});
    expect(errorOf(await t.gql(UpdateLibraryTemplateDocument, { id: tpl.id, input: { name: long, body: 'b' } }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_NAME', field: 'input.name' });
    expect((await t.ok(CreateLibraryTemplateDocument, { input: { name: 'n'.repeat(200), body: 'b' } })).createTemplate.name).toHaveLength(200);
  });

  it('answers NOT_FOUND for an unknown id, a malformed id and another workspace’s template', async () => {
    const mine = await create({});
    const other = await t.newWorkspaceKey('templates-other');
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      expect(errorOf(await t.gql(UpdateLibraryTemplateDocument, { id, input: { name: 'x', body: 'y' } }))).toMatchObject({ code: 'NOT_FOUND' });
      expect(errorOf(await t.gql(DeleteLibraryTemplateDocument, { id }))).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(errorOf(await t.gql(UpdateLibraryTemplateDocument, { id: mine.id, input: { name: 'stolen', body: 'y' } }, other))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await t.gql(DeleteLibraryTemplateDocument, { id: mine.id }, other))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await t.gql(CreateCampaignFromLibraryDocument, { input: sms(mine.id) }, other))).toMatchObject({ reason: 'UNKNOWN_TEMPLATE' });
    expect((await t.ok(LibraryTemplatesDocument, {}, other)).templates).toEqual([]);
    expect((await t.ok(LibraryTemplatesDocument, { search: mine.name })).templates[0]).toMatchObject({ name: mine.name, version: 1 });
  });

  it('answers DUPLICATE_TEMPLATE_NAME to all but one of concurrent creates with one name', async () => {
    const name = unique('race');
    const results = await Promise.all(Array.from({ length: 6 }, () => t.gql(CreateLibraryTemplateDocument, { input: { name, body: 'b' } })));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    for (const r of results.filter((r) => r.errors)) expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'DUPLICATE_TEMPLATE_NAME' });
  });

  it('numbers concurrent updates one after the other', async () => {
    const tpl = await create({});
    const n = 8;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => t.ok(UpdateLibraryTemplateDocument, { id: tpl.id, input: { name: tpl.name, body: `parallel ${i}` } })),
    );
    expect(results.map((r) => r.updateTemplate.version).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    const rows = await t.sql<{ version: number; body: string }>('select version, body from template_versions where template_id = ? order by version', [tpl.id]);
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: n + 1 }, (_, i) => i + 1));
    // Each version row holds what its update wrote.
    for (const r of results) expect(rows.find((x) => x.version === r.updateTemplate.version)!.body).toBe(r.updateTemplate.body);
  });
});

describe('versions are bounded', () => {
  it('lists the newest `first` of each template (default 20, 0–200)', async () => {
    const many = await create({ name: unique('bounded many'), body: 'v1' });
    const one = await create({ name: unique('bounded one'), body: 'only' });
    // 25 versions, written directly: the list's bound is under test, not 24 updates.
    await t.sql(
      `insert into template_versions (workspace_id, template_id, version, name, body)
       select workspace_id, id, g, name, 'v' || g from templates, generate_series(2, 25) g where id = ?`,
      [many.id],
    );
    await t.sql('update templates set version = 25 where id = ?', [many.id]);
    const versions = async (first?: number) =>
      Object.fromEntries((await t.ok(TemplateVersionsPageDocument, { search: 'bounded', first })).templates.map((x) => [x.id, x.versions.map((v) => v.version)]));
    const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => from - i);
    expect(await versions()).toEqual({ [many.id]: range(25, 6), [one.id]: [1] });
    // Per template, not over the whole list.
    expect(await versions(3)).toEqual({ [many.id]: [25, 24, 23], [one.id]: [1] });
    expect(await versions(0)).toEqual({ [many.id]: [], [one.id]: [] });
    expect(await versions(200)).toEqual({ [many.id]: range(25, 1), [one.id]: [1] });
    for (const first of [-1, 201]) {
      expect(errorOf(await t.gql(TemplateVersionsPageDocument, { search: 'bounded', first }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE_SIZE' });
    }
  });
});

describe('campaigns keep the version they were made from', () => {
  it('a campaign from v1 keeps v1 after the update; a new one gets v2; a copy keeps v1', async () => {
    const tpl = await create({ body: 'Offer one {first_name}' });
    const c1 = (await t.ok(CreateCampaignFromLibraryDocument, { input: sms(tpl.id) })).createCampaign;
    expect(c1.variants[0]).toMatchObject({ template: 'Offer one {first_name}', templateId: tpl.id, templateVersion: 1 });
    await t.ok(UpdateLibraryTemplateDocument, { id: tpl.id, input: { name: tpl.name, body: 'Offer two {first_name}' } });
    expect((await t.ok(LibraryCampaignDocument, { id: c1.id })).campaign!.variants[0]).toMatchObject({ template: 'Offer one {first_name}', templateVersion: 1 });
    const c2 = (await t.ok(CreateCampaignFromLibraryDocument, { input: sms(tpl.id) })).createCampaign;
    expect(c2.variants[0]).toMatchObject({ template: 'Offer two {first_name}', templateId: tpl.id, templateVersion: 2 });
    const copy = (await t.ok(DuplicateLibraryCampaignDocument, { id: c1.id })).duplicateCampaign;
    expect(copy.variants[0]).toMatchObject({ template: 'Offer one {first_name}', templateId: tpl.id, templateVersion: 1 });
  });
});

describe('delete', () => {
  it('deletes an unused template with its versions, and its name can be reused', async () => {
    const tpl = await create({});
    expect((await t.ok(DeleteLibraryTemplateDocument, { id: tpl.id })).deleteTemplate).toBe(true);
    expect(await t.sql('select 1 from templates where id = ?', [tpl.id])).toEqual([]);
    expect(await t.sql('select 1 from template_versions where template_id = ?', [tpl.id])).toEqual([]);
    expect(errorOf(await t.gql(DeleteLibraryTemplateDocument, { id: tpl.id }))).toMatchObject({ code: 'NOT_FOUND' });
    const again = await create({ name: tpl.name });
    expect(again).toMatchObject({ name: tpl.name, version: 1 });
  });

  it('archives a used template: hidden, the campaign intact, refused for new variants, name free, versions kept', async () => {
    const tpl = await create({ body: 'Used {first_name}' });
    const c = (await t.ok(CreateCampaignFromLibraryDocument, { input: sms(tpl.id) })).createCampaign;
    expect((await t.ok(DeleteLibraryTemplateDocument, { id: tpl.id })).deleteTemplate).toBe(true);
    expect((await t.ok(TemplatesDocument)).templates.map((x) => x.id)).not.toContain(tpl.id);
    expect((await t.ok(LibraryCampaignDocument, { id: c.id })).campaign!.variants[0]).toMatchObject({ template: 'Used {first_name}', templateId: tpl.id, templateVersion: 1 });
    expect(await t.sql('select version from template_versions where template_id = ?', [tpl.id])).toEqual([{ version: 1 }]);
    expect(errorOf(await t.gql(CreateCampaignFromLibraryDocument, { input: sms(tpl.id) }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TEMPLATE_ARCHIVED', field: 'input.variants.0.templateId' });
    expect(errorOf(await t.gql(UpdateLibraryTemplateDocument, { id: tpl.id, input: { name: tpl.name, body: 'x' } }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await t.gql(DeleteLibraryTemplateDocument, { id: tpl.id }))).toMatchObject({ code: 'NOT_FOUND' });
    const reused = await create({ name: tpl.name, body: 'New one' });
    expect(reused.id).not.toBe(tpl.id);
    // The new template is a different one: a campaign made from it does not touch the archived one.
    expect((await t.ok(CreateCampaignFromLibraryDocument, { input: sms(reused.id) })).createCampaign.variants[0]).toMatchObject({ template: 'New one', templateId: reused.id, templateVersion: 1 });
  });
});

describe('a template deleted while a campaign takes it', () => {
  /**
   * Holds the template's row lock in a transaction of our own, runs `mutate` until its variant
   * insert waits for that lock (its foreign key check), then deletes the template and commits:
   * the insert then finds no template, deterministically, without any timing margin.
   */
  async function deleteWhileWaiting<R>(templateId: string, mutate: () => Promise<R>): Promise<R> {
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await db.query('begin');
      await db.query('select id from templates where id = $1 for update', [templateId]);
      const pending = mutate();
      const waiting = await until(
        async () => (await db.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`)).rows[0].n as number,
        (n) => n > 0,
      );
      expect(waiting).toBeGreaterThan(0);
      await db.query('delete from templates where id = $1', [templateId]);
      await db.query('commit');
      return await pending;
    } finally {
      await db.end();
    }
  }

  it('createCampaign answers UNKNOWN_TEMPLATE and stores nothing', async () => {
    const tpl = await create({});
    const name = unique('raced create');
    const r = await deleteWhileWaiting(tpl.id, () => t.gql(CreateCampaignFromLibraryDocument, { input: { ...sms(tpl.id), name } }));
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_TEMPLATE' });
    expect(await t.sql('select 1 from campaigns where name = ?', [name])).toEqual([]);
  });

  it('updateCampaign swapping in its variants answers UNKNOWN_TEMPLATE and changes nothing', async () => {
    const c = (await t.ok(CreateCampaignFromLibraryDocument, { input: { name: unique('raced update'), channel: 'SMS', variants: [{ template: 'Own text' }] } })).createCampaign;
    const tpl = await create({ body: 'Library text' });
    const r = await deleteWhileWaiting(tpl.id, () => t.gql(UpdateCampaignDocument, { id: c.id, input: { variants: [{ templateId: tpl.id }] } }));
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_TEMPLATE' });
    expect((await t.ok(LibraryCampaignDocument, { id: c.id })).campaign!.variants).toEqual([expect.objectContaining({ template: 'Own text', templateId: null, templateVersion: null })]);
  });
});

describe('listing', () => {
  let key: string;
  const names: string[] = [];
  beforeAll(async () => {
    key = await t.newWorkspaceKey('templates-listing');
    const defs: Record<string, unknown>[] = [
      { name: 'Alpha', body: 'Spring sale {first_name}', category: 'promo' },
      { name: 'Beta', body: 'Your order shipped', category: 'transactional', channel: 'SMS' },
      { name: 'Gamma', body: 'Welcome aboard', category: 'promo', channel: 'EMAIL', subject: 'Hi' },
      { name: 'Delta 100%_off', body: 'Big news', category: 'promo', channel: 'WHATSAPP' },
      { name: 'Epsilon', body: 'SPRING is here: 100% fun' },
    ];
    for (const d of defs) names.push((await create(d, key)).name);
  });

  it('without arguments lists every live template by name', async () => {
    expect((await t.ok(TemplatesDocument, undefined, key)).templates.map((x) => x.name)).toEqual(['Alpha', 'Beta', 'Delta 100%_off', 'Epsilon', 'Gamma']);
  });

  it('filters by category, by channel (with any-channel templates) and by search (case-insensitive, wildcards literal)', async () => {
    const list = async (v: Record<string, unknown>) => (await t.ok(LibraryTemplatesDocument, v as never, key)).templates.map((x) => x.name);
    expect(await list({ category: 'promo' })).toEqual(['Alpha', 'Delta 100%_off', 'Gamma']);
    expect(await list({ channel: 'SMS' })).toEqual(['Alpha', 'Beta', 'Epsilon']);
    expect(await list({ channel: 'EMAIL', category: 'promo' })).toEqual(['Alpha', 'Gamma']);
    expect(await list({ search: 'spring' })).toEqual(['Alpha', 'Epsilon']);
    expect(await list({ search: '%' })).toEqual(['Delta 100%_off', 'Epsilon']);
    expect(await list({ search: '_' })).toEqual(['Alpha', 'Delta 100%_off']); // Alpha's body has {first_name}
    expect(await list({ search: 'ALPH' })).toEqual(['Alpha']);
  });

  it('pages with first and after', async () => {
    const page1 = (await t.ok(LibraryTemplatesDocument, { first: 2 }, key)).templates;
    expect(page1.map((x) => x.name)).toEqual(['Alpha', 'Beta']);
    const page2 = (await t.ok(LibraryTemplatesDocument, { first: 2, after: page1[1]!.cursor }, key)).templates;
    expect(page2.map((x) => x.name)).toEqual(['Delta 100%_off', 'Epsilon']);
    const page3 = (await t.ok(LibraryTemplatesDocument, { first: 2, after: page2[1]!.cursor }, key)).templates;
    expect(page3.map((x) => x.name)).toEqual(['Gamma']);
    for (const [v, reason] of [
      [{ first: 0 }, 'INVALID_PAGE_SIZE'],
      [{ first: 201 }, 'INVALID_PAGE_SIZE'],
      [{ after: 'garbage' }, 'INVALID_CURSOR'],
      // Decodes, but with a name PostgreSQL cannot take as a parameter (it answered INTERNAL).
      [{ after: Buffer.from(JSON.stringify({ n: 'a\u0000b', id: page1[0]!.id })).toString('base64url') }, 'INVALID_CURSOR'],
      [{ search: 'x'.repeat(201) }, 'INVALID_SEARCH'],
    ] as const) {
      expect(errorOf(await t.gql(LibraryTemplatesDocument, v, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
  });

  it('counts categories of live templates, most first', async () => {
    expect((await t.ok(LibraryTemplateCategoriesDocument, undefined, key)).templateCategories).toEqual([
      { key: 'promo', count: 3 },
      { key: 'transactional', count: 1 },
    ]);
  });
});

describe('WhatsApp approved-template references', () => {
  const ref = { name: 'spring_offer', language: 'en_US', parameters: ['{first_name}'] };

  it('stores one on a WHATSAPP template, versions it, and copies it to WhatsApp variants unless the variant gives its own', async () => {
    const tpl = await create({ channel: 'WHATSAPP', body: 'Hi {first_name}', whatsappTemplate: ref });
    expect(tpl.whatsappTemplate).toEqual(ref);
    const made = (await t.ok(CreateCampaignFromLibraryDocument, {
      input: {
        name: unique('wa'),
        channel: 'WHATSAPP',
        type: 'AB_TEST',
        variants: [{ templateId: tpl.id }, { templateId: tpl.id, whatsappTemplate: { name: 'own_one', language: 'pt_BR' } }],
      },
    })).createCampaign;
    expect(made.variants.map((v) => v.whatsappTemplate)).toEqual([ref, { name: 'own_one', language: 'pt_BR', parameters: [] }]);
    const listed = (await t.ok(LibraryTemplateVersionsDocument)).templates.find((x) => x.id === tpl.id)!;
    expect(listed.versions[0]!.whatsappTemplate).toEqual(ref);
  });

  it('refuses one on a template not written for WHATSAPP, and an invalid one', async () => {
    for (const channel of ['SMS', 'EMAIL', null]) {
      const r = await t.gql(CreateLibraryTemplateDocument, { input: { name: unique('x'), body: 'b', channel: channel as never, whatsappTemplate: ref } });
      expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FIELD_NOT_FOR_CHANNEL', field: 'input.whatsappTemplate' });
    }
    const smsTpl = await create({ channel: 'SMS' });
    expect(errorOf(await t.gql(UpdateLibraryTemplateDocument, { id: smsTpl.id, input: { name: smsTpl.name, body: 'b', channel: 'SMS', whatsappTemplate: ref } }))).toMatchObject({
      reason: 'FIELD_NOT_FOR_CHANNEL',
      field: 'input.whatsappTemplate',
    });
    const bad = await t.gql(CreateLibraryTemplateDocument, { input: { name: unique('x'), body: 'b', channel: 'WHATSAPP', whatsappTemplate: { name: 'Bad Name', language: 'en' } } });
    expect(errorOf(bad)).toMatchObject({ reason: 'INVALID_WHATSAPP_TEMPLATE', field: 'input.whatsappTemplate.name' });
  });
});

describe('the migration', () => {
  it('makes every existing template its version 1 and every variant made from one point at it; names unique among live ones only', async () => {
    // The migration's own statements, run on old-shape tables in a schema of their own.
    const migration = new Migration20261209200000_template_library(t.app.orm.em.getDriver() as never, t.app.orm.config);
    await migration.up();
    const ws = '00000000-0000-4000-8000-0000000000aa';
    const [t1, t2] = ['00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000b2'];
    const [v1, v2] = ['00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000c2'];
    const out = await t.app.orm.em.fork().transactional(async (tx) => {
      const run = (q: string, p: unknown[] = []) => tx.execute(q, p);
      await run('drop schema if exists old_templates cascade');
      await run('create schema old_templates');
      await run('set local search_path to old_templates');
      await run(`create table templates (id uuid, workspace_id uuid not null, name text not null, body text not null, category text, channel text, subject text, html text,
                 created_at timestamptz not null default now(), primary key (id, workspace_id), unique (workspace_id, name))`);
      await run(`create table variants (id uuid primary key, workspace_id uuid not null, template_id uuid,
                 constraint variants_template_id_fkey foreign key (template_id, workspace_id) references templates (id, workspace_id) on delete set null (template_id))`);
      await run(`insert into templates values (?, ?, 'Used', 'Hi {first_name}', 'promo', 'EMAIL', 'Subject', '<p>Hi</p>', '2026-01-02T03:04:05Z'), (?, ?, 'Unused', 'Bye', null, null, null, null, '2026-01-03T00:00:00Z')`, [t1, ws, t2, ws]);
      await run('insert into variants values (?, ?, ?), (?, ?, null)', [v1, ws, t1, v2, ws]);
      for (const q of migration.getQueries()) await run(String(q));
      const versions = await run('select template_id, version, name, body, category, channel, subject, html, whatsapp_template, created_at from template_versions order by name');
      const templates = await run('select name, version, archived_at from templates order by name');
      const variants = await run('select id, template_id, template_version from variants order by id');
      // Name reuse: free once archived, a clash while live.
      await run(`update templates set archived_at = now() where id = ?`, [t1]);
      await run(`insert into templates (id, workspace_id, name, body) values (gen_random_uuid(), ?, 'Used', 'again')`, [ws]);
      await run('savepoint clash');
      const clash = await run(`insert into templates (id, workspace_id, name, body) values (gen_random_uuid(), ?, 'Used', 'twice')`, [ws]).then(
        () => null,
        (e: { constraint?: string }) => e.constraint,
      );
      await run('rollback to savepoint clash');
      await run('drop schema old_templates cascade');
      return { versions, templates, variants, clash };
    });
    expect(out.versions.map((v) => ({ ...v, created_at: new Date(v.created_at as string).toISOString() }))).toEqual([
      { template_id: t2, version: 1, name: 'Unused', body: 'Bye', category: null, channel: null, subject: null, html: null, whatsapp_template: null, created_at: '2026-01-03T00:00:00.000Z' },
      { template_id: t1, version: 1, name: 'Used', body: 'Hi {first_name}', category: 'promo', channel: 'EMAIL', subject: 'Subject', html: '<p>Hi</p>', whatsapp_template: null, created_at: '2026-01-02T03:04:05.000Z' },
    ]);
    expect(out.templates).toEqual([
      { name: 'Unused', version: 1, archived_at: null },
      { name: 'Used', version: 1, archived_at: null },
    ]);
    expect(out.variants).toEqual([
      { id: v1, template_id: t1, template_version: 1 },
      { id: v2, template_id: null, template_version: null },
    ]);
    expect(out.clash).toBe('templates_live_name_uq');
  });
});
