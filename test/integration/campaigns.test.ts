import {
  ArchiveCampaignDocument,
  CampaignDocument,
  CampaignsDocument,
  CampaignsWithVariantsDocument,
  CreateCampaignDocument,
  DuplicateCampaignDocument,
  UpdateCampaignDocument,
  type CreateCampaignInput,
} from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const abInput = (over: Partial<CreateCampaignInput> = {}): CreateCampaignInput => ({
  name: 'Welcome offer',
  type: 'AB_TEST',
  variants: [
    { template: 'Hi {first_name|there}, 10% off: https://shop.example/a', weight: 70 },
    { template: 'Hey {first_name}! Free shipping today', weight: 30 },
  ],
  ...over,
});

describe('createCampaign', () => {
  it('creates a DRAFT A/B campaign with keys, names, weights, control and experiment defaults', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput({ description: 'Q2', costPerMessage: 0.0075, offerAmount: 5 }) });
    expect(c).toMatchObject({
      name: 'Welcome offer',
      description: 'Q2',
      channel: 'SMS',
      type: 'AB_TEST',
      status: 'DRAFT',
      costPerMessage: 0.0075,
      offerAmount: 5,
      startedAt: null,
      completedAt: null,
      experiment: {
        primaryMetric: 'CONVERSION',
        method: 'SEQUENTIAL',
        confidenceLevel: 0.95,
        minSampleSize: 30,
        autoSelectWinner: true,
        testAudiencePercent: 100,
        minimumDetectableEffect: null,
      },
    });
    expect(c.variants.map((v) => [v.key, v.name, v.weight, v.isControl])).toEqual([
      ['A', 'Variant A', 70, true],
      ['B', 'Variant B', 30, false],
    ]);
  });

  it('shares the remainder equally among variants without a weight, and honours a marked control', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, {
      input: abInput({
        variants: [
          { key: 'ctl', template: 'A', weight: 40 },
          { template: 'B' },
          { template: 'C', isControl: true },
        ],
      }),
    });
    expect(c.variants.map((v) => [v.key, v.weight, v.isControl])).toEqual([
      ['ctl', 40, false],
      ['A', 30, false],
      ['B', 30, true],
    ]);
  });

  it('gives a STANDARD campaign one variant at 100 % and no experiment', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: { name: 'Newsletter', variants: [{ template: 'News!' }] } });
    expect(c.type).toBe('STANDARD');
    expect(c.experiment).toBeNull();
    expect(c.variants).toMatchObject([{ key: 'A', weight: 100, isControl: true }]);
  });

  it('stores a validated audience and custom experiment settings', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, {
      input: abInput({
        channel: 'WHATSAPP',
        audience: { tags: ['vip', 'vip', 'new'], minDaysSinceContact: 7, attributes: { city: 'Lisbon' } },
        experiment: { primaryMetric: 'CLICK', method: 'FIXED_HORIZON', confidenceLevel: 0.99, minSampleSize: 200, testAudiencePercent: 20, minimumDetectableEffect: 0.1 },
      }),
    });
    expect(c.channel).toBe('WHATSAPP');
    expect(c.audience).toEqual({ tags: ['vip', 'new'], minDaysSinceContact: 7, attributes: { city: 'Lisbon' } });
    expect(c.experiment).toMatchObject({ primaryMetric: 'CLICK', method: 'FIXED_HORIZON', confidenceLevel: 0.99, minSampleSize: 200, testAudiencePercent: 20, minimumDetectableEffect: 0.1, autoSelectWinner: true });
  });

  const tpl = (template: string) => ({ template });
  it.each<[string, Partial<CreateCampaignInput>, string, string | undefined]>([
    ['weights not summing to 100', { variants: [{ template: 'a', weight: 60 }, { template: 'b', weight: 30 }] }, 'INVALID_SPLIT_RATIO', 'input.variants'],
    ['a zero weight', { variants: [{ template: 'a', weight: 0 }, { template: 'b', weight: 100 }] }, 'INVALID_SPLIT_RATIO', 'input.variants.0.weight'],
    ['a weight of 100 in an A/B test', { variants: [{ template: 'a', weight: 100 }, { template: 'b' }] }, 'INVALID_SPLIT_RATIO', 'input.variants.0.weight'],
    ['a negative weight', { variants: [{ template: 'a', weight: -5 }, { template: 'b' }] }, 'INVALID_SPLIT_RATIO', 'input.variants.0.weight'],
    ['one variant in an A/B test', { variants: [tpl('a')] }, 'TOO_FEW_VARIANTS', 'input.variants'],
    ['two variants in a STANDARD campaign', { type: 'STANDARD', variants: [tpl('a'), tpl('b')] }, 'TOO_MANY_VARIANTS', 'input.variants'],
    ['nine variants', { variants: Array.from({ length: 9 }, (_, i) => tpl(`v${i}`)) }, 'TOO_MANY_VARIANTS', 'input.variants'],
    ['no variants in a BANDIT', { type: 'BANDIT', variants: [] }, 'TOO_FEW_VARIANTS', 'input.variants'],
    ['an empty template', { variants: [tpl('a'), tpl('   ')] }, 'EMPTY_TEMPLATE', 'input.variants.1.template'],
    ['a misspelt variable', { variants: [tpl('Hi {frist_name}'), tpl('b')] }, 'UNKNOWN_TEMPLATE_VARIABLE', 'input.variants.0.template'],
    ['a duplicate key', { variants: [{ key: 'x', template: 'a' }, { key: 'X', template: 'b' }] }, 'DUPLICATE_VARIANT_KEY', 'input.variants.1.key'],
    ['an invalid key', { variants: [{ key: 'has space', template: 'a' }, tpl('b')] }, 'INVALID_VARIANT_KEY', 'input.variants.0.key'],
    ['two controls', { variants: [{ template: 'a', isControl: true }, { template: 'b', isControl: true }] }, 'MULTIPLE_CONTROLS', 'input.variants.1.isControl'],
    ['an empty name', { name: ' ' }, 'INVALID_NAME', 'input.name'],
    ['a negative cost', { costPerMessage: -0.01 }, 'INVALID_COST', 'input.costPerMessage'],
    ['a negative offer', { offerAmount: -1 }, 'INVALID_OFFER_AMOUNT', 'input.offerAmount'],
    ['a confidence level of 1', { experiment: { confidenceLevel: 1 } }, 'INVALID_CONFIDENCE_LEVEL', 'input.experiment.confidenceLevel'],
    ['a zero minimum sample', { experiment: { minSampleSize: 0 } }, 'INVALID_MIN_SAMPLE_SIZE', 'input.experiment.minSampleSize'],
    ['a test share over 100 %', { experiment: { testAudiencePercent: 120 } }, 'INVALID_TEST_AUDIENCE_PERCENT', 'input.experiment.testAudiencePercent'],
    ['a negative MDE', { experiment: { minimumDetectableEffect: -0.1 } }, 'INVALID_MINIMUM_DETECTABLE_EFFECT', 'input.experiment.minimumDetectableEffect'],
    ['an audience with an empty tag', { audience: { tags: [''] } }, 'INVALID_AUDIENCE', 'input.audience.tags'],
    ['an audience attribute that is an object', { audience: { attributes: { city: { eq: 'x' } } } }, 'INVALID_AUDIENCE', 'input.audience.attributes.city'],
  ])('rejects %s', async (_label, over, reason, field) => {
    const before = (await t.ok(CampaignsDocument, { first: 0 })).campaigns.totalCount;
    const r = await t.gql(CreateCampaignDocument, { input: abInput(over) });
    expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason, field });
    expect((await t.ok(CampaignsDocument, { first: 0 })).campaigns.totalCount).toBe(before); // nothing written
  });
});

describe('updateCampaign', () => {
  it('edits a DRAFT, matching variants by key so their ids stay', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput({ experiment: { minSampleSize: 500, method: 'BAYESIAN' } }) });
    const [a, b] = c.variants;
    const { updateCampaign: u } = await t.ok(UpdateCampaignDocument, {
      id: c.id,
      input: {
        name: 'Welcome offer v2',
        experiment: { confidenceLevel: 0.9 },
        variants: [
          { key: 'A', template: 'Hi {first_name|there}, 15% off', weight: 50 },
          { key: 'B', template: 'Hey! Free shipping', weight: 25, isControl: true },
          { key: 'C', template: 'Last chance', weight: 25 },
        ],
      },
    });
    expect(u.name).toBe('Welcome offer v2');
    // The experiment input replaces the whole configuration (omitted fields take their defaults).
    expect(u.experiment).toMatchObject({ confidenceLevel: 0.9, method: 'SEQUENTIAL', minSampleSize: 30 });
    expect(u.variants.map((v) => [v.key, v.weight, v.isControl])).toEqual([
      ['A', 50, false],
      ['B', 25, true],
      ['C', 25, false],
    ]);
    expect(u.variants[0]!.id).toBe(a!.id);
    expect(u.variants[1]!.id).toBe(b!.id);

    // Dropping a variant nobody was assigned to is allowed.
    const { updateCampaign: dropped } = await t.ok(UpdateCampaignDocument, { id: c.id, input: { variants: [{ key: 'A', template: 'x' }, { key: 'B', template: 'y' }] } });
    expect(dropped.variants.map((v) => [v.key, v.weight, v.isControl])).toEqual([
      ['A', 50, true],
      ['B', 50, false],
    ]);
  });

  it('validates variants on update as on create', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput() });
    const r = await t.gql(UpdateCampaignDocument, { id: c.id, input: { variants: [{ template: 'x', weight: 80 }, { template: 'y', weight: 30 }] } });
    expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_SPLIT_RATIO', field: 'input.variants' });
  });

  it('refuses to edit a campaign that is no longer DRAFT or SCHEDULED (CONFLICT)', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput() });
    await t.ok(ArchiveCampaignDocument, { id: c.id });
    const r = await t.gql(UpdateCampaignDocument, { id: c.id, input: { name: 'nope' } });
    expect(errorOf(r)).toMatchObject({ code: 'CONFLICT', reason: 'CAMPAIGN_NOT_EDITABLE' });
    expect((await t.ok(CampaignDocument, { id: c.id })).campaign?.name).toBe('Welcome offer');
  });

  it('refuses to remove a variant that already has recipients (CONFLICT)', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput() });
    const contact = await t.app.orm.em.fork().getConnection().execute(
      `insert into contacts (id, workspace_id, external_id) select gen_random_uuid(), workspace_id, 'assigned-1' from campaigns where id = ? returning id`,
      [c.id],
    );
    await t.app.orm.em.fork().getConnection().execute(
      'insert into assignments (campaign_id, contact_id, workspace_id, variant_id) select id, ?, workspace_id, ? from campaigns where id = ?',
      [contact[0].id, c.variants[1]!.id, c.id],
    );
    const r = await t.gql(UpdateCampaignDocument, { id: c.id, input: { variants: [{ key: 'A', template: 'x' }, { key: 'C', template: 'y' }] } });
    expect(errorOf(r)).toMatchObject({ code: 'CONFLICT', reason: 'VARIANT_HAS_RECIPIENTS' });
  });

  it('answers NOT_FOUND for another workspace’s campaign', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput() });
    const other = await t.newWorkspaceKey();
    expect(errorOf(await t.gql(UpdateCampaignDocument, { id: c.id, input: { name: 'hijack' } }, other))?.code).toBe('NOT_FOUND');
    expect(errorOf(await t.gql(DuplicateCampaignDocument, { id: c.id }, other))?.code).toBe('NOT_FOUND');
    expect(errorOf(await t.gql(ArchiveCampaignDocument, { id: c.id }, other))?.code).toBe('NOT_FOUND');
  });
});

describe('duplicateCampaign and archiveCampaign', () => {
  it('duplicates settings and variants into a new DRAFT with new ids', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput({ audience: { segments: ['gold'] } }) });
    await t.ok(ArchiveCampaignDocument, { id: c.id });
    const { duplicateCampaign: d } = await t.ok(DuplicateCampaignDocument, { id: c.id });
    expect(d).toMatchObject({ name: 'Welcome offer (copy)', status: 'DRAFT', type: 'AB_TEST', audience: { segments: ['gold'] }, experiment: c.experiment });
    expect(d.id).not.toBe(c.id);
    expect(d.variants.map((v) => [v.key, v.template, v.weight, v.isControl])).toEqual(c.variants.map((v) => [v.key, v.template, v.weight, v.isControl]));
    expect(d.variants.map((v) => v.id)).not.toEqual(c.variants.map((v) => v.id));
    const { duplicateCampaign: named } = await t.ok(DuplicateCampaignDocument, { id: c.id, name: 'Autumn re-run' });
    expect(named.name).toBe('Autumn re-run');
  });

  it('archives a DRAFT (idempotently) and hides it from the default listing', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput({ name: 'to archive' }) });
    expect((await t.ok(ArchiveCampaignDocument, { id: c.id })).archiveCampaign.status).toBe('ARCHIVED');
    expect((await t.ok(ArchiveCampaignDocument, { id: c.id })).archiveCampaign.status).toBe('ARCHIVED');
    const listed = await t.ok(CampaignsDocument, { filter: { search: 'to archive' } });
    expect(listed.campaigns.totalCount).toBe(0);
    const archived = await t.ok(CampaignsDocument, { filter: { search: 'to archive', status: ['ARCHIVED'] } });
    expect(archived.campaigns.nodes.map((n) => n.id)).toEqual([c.id]);
  });

  it('refuses to archive a running campaign (CONFLICT)', async () => {
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: abInput() });
    await t.app.orm.em.fork().getConnection().execute(`update campaigns set status = 'RUNNING' where id = ?`, [c.id]);
    expect(errorOf(await t.gql(ArchiveCampaignDocument, { id: c.id }))).toMatchObject({ code: 'CONFLICT', reason: 'CAMPAIGN_ACTIVE' });
  });
});

describe('campaigns listing', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await t.newWorkspaceKey('listing');
    for (let i = 0; i < 7; i++) {
      await t.ok(CreateCampaignDocument, { input: abInput({ name: `Listing ${i}`, type: i % 2 ? 'BANDIT' : 'AB_TEST' }) }, ws);
    }
    await t.ok(CreateCampaignDocument, { input: { name: 'Plain news', variants: [{ template: 'News' }] } }, ws);
  });

  it('pages newest first with a cursor and a total count', async () => {
    const seen: string[] = [];
    let after: string | null | undefined = null;
    let pages = 0;
    do {
      const { campaigns }: { campaigns: { totalCount: number; nodes: { name: string }[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } } } =
        await t.ok(CampaignsDocument, { first: 3, after }, ws);
      expect(campaigns.totalCount).toBe(8);
      seen.push(...campaigns.nodes.map((n) => n.name));
      after = campaigns.pageInfo.hasNextPage ? campaigns.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(['Plain news', ...Array.from({ length: 7 }, (_, i) => `Listing ${6 - i}`)]);
  });

  it('filters by type, status and search', async () => {
    const bandits = await t.ok(CampaignsDocument, { filter: { type: ['BANDIT'] } }, ws);
    expect(bandits.campaigns.totalCount).toBe(3);
    expect(bandits.campaigns.nodes.every((n) => n.type === 'BANDIT')).toBe(true);
    expect((await t.ok(CampaignsDocument, { filter: { status: ['DRAFT'], search: 'listing 4' } }, ws)).campaigns.nodes.map((n) => n.name)).toEqual(['Listing 4']);
    expect((await t.ok(CampaignsDocument, { filter: { status: ['RUNNING'] } }, ws)).campaigns.totalCount).toBe(0);
    expect((await t.ok(CampaignsDocument, { filter: { search: '100%_' } }, ws)).campaigns.totalCount).toBe(0); // LIKE wildcards are literal
  });

  it('rejects a forged cursor and an oversized page', async () => {
    expect(errorOf(await t.gql(CampaignsDocument, { after: 'garbage' }, ws))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
    expect(errorOf(await t.gql(CampaignsDocument, { first: 500 }, ws))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE_SIZE' });
  });

  it('loads variants for a whole page in one query, whatever the page size (dataloader)', async () => {
    const count = async (first: number) => {
      const before = await t.metric('splitcast_db_queries_total');
      const { campaigns } = await t.ok(CampaignsWithVariantsDocument, { first }, ws);
      expect(campaigns.nodes.length).toBe(Math.min(first, 8));
      expect(campaigns.nodes.every((n) => n.variants.length >= 1)).toBe(true);
      return (await t.metric('splitcast_db_queries_total')) - before;
    };
    const small = await count(2);
    const large = await count(8);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(4); // key lookup, page, count, variants
  });
});
