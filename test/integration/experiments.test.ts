import {
  CampaignAnalysisDocument,
  CreateCampaignDocument,
  DeclareWinnerDocument,
  EndTestDocument,
  EvaluateWinnerDocument,
  StatsWithAnalysisDocument,
  TrackEventsDocument,
  UpsertContactsDocument,
  WinnerDeclaredDocument,
  AddRecipientsDocument,
  type ExperimentConfigInput,
} from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { subscribe } from '../helpers/ws';

let t: TestApp;
let key: string;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' }); // automatic winners run with jobs
  key = await t.newWorkspaceKey('experiments');
  // 1,400 consenting contacts, enough for 500 per variant in any two-way split.
  await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 1400 }, (_, i) => ({ externalId: `x-${i}`, consent: true, tags: ['x'] })) }, key);
});
afterAll(() => t.close());

/**
 * An A/B campaign where exactly `sent[i]` recipients of variant i were sent the message and
 * `converted[i]` of them converted (events through trackEvents).
 */
async function abTest(sent: number[], converted: number[], experiment: ExperimentConfigInput = {}, status = 'RUNNING') {
  const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: { name: 'exp', type: 'AB_TEST', variants: sent.map((_, i) => ({ template: `v${i}` })), experiment } }, key);
  await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['x'] } }, key);
  const rows = await t.sql<{ contact_id: string; variant_id: string }>('select contact_id, variant_id from assignments where campaign_id = ? order by contact_id', [c.id]);
  const events: { campaignId: string; contactId: string; type: 'SENT' | 'CONVERTED' }[] = [];
  c.variants.forEach((v, i) => {
    const mine = rows.filter((r) => r.variant_id === v.id).slice(0, sent[i]);
    if (mine.length < sent[i]!) throw new Error('not enough recipients for the split');
    mine.forEach((r, j) => {
      events.push({ campaignId: c.id, contactId: r.contact_id, type: 'SENT' });
      if (j < converted[i]!) events.push({ campaignId: c.id, contactId: r.contact_id, type: 'CONVERTED' });
    });
  });
  for (let i = 0; i < events.length; i += 1000) await t.ok(TrackEventsDocument, { events: events.slice(i, i + 1000) }, key);
  await t.sql('update campaigns set status = ? where id = ?', [status, c.id]);
  return c;
}

describe('analysis through GraphQL', () => {
  it('reports chi-square, p-value and lift equal to scipy for 500 vs 500 with 50 vs 75 conversions', async () => {
    const c = await abTest([500, 500], [50, 75], { method: 'FIXED_HORIZON', autoSelectWinner: false });
    const { campaign } = await t.ok(CampaignAnalysisDocument, { id: c.id }, key);
    const a = campaign!.analysis!;
    // scipy.stats.chi2_contingency([[50, 450], [75, 425]], correction=False)
    expect(a.chiSquare).toBeCloseTo(5.714285714285714, 9);
    expect(a.pValue).toBeCloseTo(0.01682740948275682, 9);
    expect(a.degreesOfFreedom).toBe(1);
    const cmp = a.comparisons[0]!;
    expect(cmp).toMatchObject({ rate: 0.15, controlRate: 0.1 });
    expect(cmp.absoluteLift).toBeCloseTo(0.05, 12);
    expect(cmp.relativeLift).toBeCloseTo(50, 9);
    expect(cmp.zScore).toBeCloseTo(2.3904572186687867, 9); // z² = χ² for two variants
    expect(cmp.pValue).toBeCloseTo(0.016827409482756867, 9);
    expect(a.sampleRatioMismatch).toMatchObject({ detected: false, observed: [500, 500], expectedShares: [0.5, 0.5] });
    // Fixed horizon: 686 per variant are needed to detect +10 % at 80 % power; 500 is not enough to decide.
    expect(a).toMatchObject({ method: 'FIXED_HORIZON', status: 'COLLECTING', noWinnerReason: 'INSUFFICIENT_SAMPLE', significant: false, winner: null, leader: { key: 'B' } });
    expect(a.requiredSampleSizePerVariant).toBeGreaterThan(500);
    expect(a.recommendations.join(' ')).toMatch(/more recipients per variant/);
  });

  it.each<[string, number[], number[], ExperimentConfigInput, Record<string, unknown>]>([
    ['nothing sent', [0, 0], [0, 0], {}, { status: 'NOT_STARTED', noWinnerReason: 'NOT_STARTED', pValue: 1, significant: false }],
    ['no responses', [100, 100], [0, 0], {}, { status: 'COLLECTING', noWinnerReason: 'NO_RESPONSES', pValue: 1, chiSquare: 0 }],
    ['too few per variant', [100, 100], [10, 30], { minSampleSize: 200 }, { noWinnerReason: 'INSUFFICIENT_SAMPLE', insufficientSampleSize: true, significant: false }],
    ['identical rates', [300, 300], [30, 30], { minSampleSize: 30 }, { noWinnerReason: 'TIED_RESULTS', pValue: 1, significant: false, winner: null }],
  ])('handles %s without NaN', async (_label, sent, converted, experiment, expected) => {
    const c = await abTest(sent, converted, { autoSelectWinner: false, ...experiment });
    const { campaign } = await t.ok(CampaignAnalysisDocument, { id: c.id }, key);
    expect(campaign!.analysis).toMatchObject(expected);
    expect(JSON.stringify(campaign!.analysis)).not.toMatch(/NaN|Infinity/);
  });

  it('gives no analysis for a STANDARD campaign', async () => {
    const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: 'plain', variants: [{ template: 'x' }] } }, key);
    expect((await t.ok(CampaignAnalysisDocument, { id: createCampaign.id }, key)).campaign!.analysis).toBeNull();
    expect(errorOf(await t.gql(EvaluateWinnerDocument, { campaignId: createCampaign.id }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NO_EXPERIMENT' });
  });
});

describe('winners', () => {
  it('declares the winner automatically when the method allows it, and announces it', async () => {
    const c = await abTest([500, 500], [50, 100], { method: 'BAYESIAN', confidenceLevel: 0.95 }, 'DRAFT');
    await t.sql(`update campaigns set status = 'RUNNING' where id = ?`, [c.id]);
    const winners = await subscribe(t.url, key, WinnerDeclaredDocument, { campaignId: c.id });
    const stats = await subscribe(t.url, key, StatsWithAnalysisDocument, { campaignId: c.id });
    try {
      // One more event: the counter change triggers the (debounced) automatic evaluation.
      const [row] = await t.sql<{ contact_id: string }>('select contact_id from assignments where campaign_id = ? and sent_at is null limit 1', [c.id]);
      await t.ok(TrackEventsDocument, { events: [{ campaignId: c.id, contactId: row!.contact_id, type: 'OPENED' }] }, key);
      const event = await winners.waitFor(() => true, 4000);
      expect(event.winnerDeclared).toMatchObject({ campaignId: c.id, winner: { source: 'AUTOMATIC', variant: { key: 'B' } } });
      await stats.waitFor((u) => u.variantStatsUpdated.analysis?.status === 'WINNER_DECLARED', 2000);
      const { campaign } = await t.ok(CampaignAnalysisDocument, { id: c.id }, key);
      expect(campaign!.winner).toMatchObject({ source: 'AUTOMATIC', variant: { key: 'B' } });
      expect(campaign!.winner!.confidenceLevel).toBeGreaterThanOrEqual(0.95);
      expect(campaign!.analysis).toMatchObject({ status: 'WINNER_DECLARED', winner: { key: 'B' } });
    } finally {
      await winners.close();
      await stats.close();
    }
  });

  it('records manual declarations with their reason; a new one replaces the old, both stay in history', async () => {
    const c = await abTest([60, 60], [6, 7], { autoSelectWinner: false });
    const [a, b] = c.variants;
    const first = await t.ok(DeclareWinnerDocument, { campaignId: c.id, variantId: b!.id, reason: 'Brand team prefers the tone' }, key);
    expect(first.declareWinner).toMatchObject({ source: 'MANUAL', reason: 'Brand team prefers the tone', variant: { key: 'B' } });
    await t.ok(DeclareWinnerDocument, { campaignId: c.id, variantId: a!.id, reason: 'Legal asked for the control' }, key);
    const { campaign } = await t.ok(CampaignAnalysisDocument, { id: c.id }, key);
    expect(campaign!.winner).toMatchObject({ source: 'MANUAL', variant: { key: 'A' } });
    expect(campaign!.winnerHistory.map((w) => [w.variant.key, w.supersededAt === null])).toEqual([
      ['A', true],
      ['B', false],
    ]);
    expect(campaign!.analysis).toMatchObject({ status: 'WINNER_DECLARED', winner: { key: 'A' }, noWinnerReason: null });
  });

  it('validates declarations', async () => {
    const c = await abTest([10, 10], [1, 1], { autoSelectWinner: false });
    const other = await abTest([10, 10], [1, 1], { autoSelectWinner: false });
    expect(errorOf(await t.gql(DeclareWinnerDocument, { campaignId: c.id, variantId: other.variants[0]!.id, reason: 'x' }, key))?.code).toBe('NOT_FOUND');
    expect(errorOf(await t.gql(DeclareWinnerDocument, { campaignId: c.id, variantId: c.variants[0]!.id, reason: '  ' }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_REASON' });
    const draft = await abTest([10, 10], [1, 1], {}, 'DRAFT');
    expect(errorOf(await t.gql(DeclareWinnerDocument, { campaignId: draft.id, variantId: draft.variants[0]!.id, reason: 'x' }, key))).toMatchObject({ code: 'CONFLICT', reason: 'CAMPAIGN_NOT_STARTED' });
    const stranger = await t.newWorkspaceKey('stranger');
    expect(errorOf(await t.gql(DeclareWinnerDocument, { campaignId: c.id, variantId: c.variants[0]!.id, reason: 'x' }, stranger))?.code).toBe('NOT_FOUND');
  });
});

describe('endTest', () => {
  it('completes a full test, keeping the control when nothing is significant', async () => {
    const c = await abTest([50, 50], [5, 6], { autoSelectWinner: false });
    const { endTest } = await t.ok(EndTestDocument, { campaignId: c.id }, key);
    expect(endTest).toMatchObject({ status: 'COMPLETED', remainderRequestedAt: null });
    const { campaign } = await t.ok(CampaignAnalysisDocument, { id: c.id }, key);
    expect(campaign!.winner).toMatchObject({ source: 'AUTOMATIC', variant: { key: 'A' } });
    expect(campaign!.winner!.reason).toMatch(/control is kept/);
    expect(errorOf(await t.gql(EndTestDocument, { campaignId: c.id }, key))).toMatchObject({ code: 'CONFLICT', reason: 'TEST_ALREADY_ENDED' });
  });

  it('hands the remainder of a partial test to sending with the declared winner', async () => {
    const c = await abTest([50, 50], [5, 6], { autoSelectWinner: false, testAudiencePercent: 100 });
    await t.sql(`update campaigns set experiment = jsonb_set(experiment, '{testAudiencePercent}', '30') where id = ?`, [c.id]);
    await t.ok(DeclareWinnerDocument, { campaignId: c.id, variantId: c.variants[1]!.id, reason: 'clear favourite' }, key);
    const { endTest } = await t.ok(EndTestDocument, { campaignId: c.id, sendWinnerToRemainder: true }, key);
    expect(endTest.status).toBe('RUNNING');
    expect(endTest.remainderRequestedAt).toEqual(expect.any(String));
    const [row] = await t.sql<{ remainder_variant_id: string }>('select remainder_variant_id from campaigns where id = ?', [c.id]);
    expect(row!.remainder_variant_id).toBe(c.variants[1]!.id);
  });

  it('refuses to end a test that is not running', async () => {
    const c = await abTest([10, 10], [1, 1], {}, 'DRAFT');
    expect(errorOf(await t.gql(EndTestDocument, { campaignId: c.id }, key))).toMatchObject({ code: 'CONFLICT', reason: 'TEST_NOT_RUNNING' });
  });
});
