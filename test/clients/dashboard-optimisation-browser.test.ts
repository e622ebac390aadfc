/**
 * The Optimisation section in a real browser (Debian's Chromium, driven by playwright-core),
 * offline. History written through the public API, as test/integration/recommendations.test.ts
 * does for SEGMENT: segments vip and basic (40 contacts each) received a past SMS campaign ten days
 * ago; vip converted 20/40, basic 2/40 (workspace 22/80). A draft SMS campaign to the same people
 * then gets a SEGMENT recommendation (vip) from generateRecommendations. The page shows it with its
 * basis and confidence; one click applies it and the API then reports the audience's segments; the
 * send-time chart's table holds sendTimePreview's numbers; training a model on too little data
 * shows the API's reason. axe-core: no serious or critical violation, at 1280 and 390 px.
 * Screenshots: test-artifacts/dashboard-optimisation*.png. Skipped outside CI without Chromium.
 */
import {
  AddRecipientsDocument,
  CampaignRecommendationsDocument,
  ContactsDocument,
  CreateCampaignDocument,
  GenerateRecommendationsDocument,
  ModelsDocument,
  SendTimePreviewDocument,
  TrackEventsDocument,
  UpsertContactsDocument,
  type TrackEventInput,
} from '../generated/graphql';
import { atPhoneWidth, browserIt, launchChromium, screenshot, seriousViolations, signIn, textOf as text, watchPage } from '../helpers/browser';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import type { Browser } from 'playwright-core';

const run = browserIt('dashboard optimisation browser test');
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

let t: TestApp;
let key: string;
let target: string;
let recommendationId: string;
let listed: { id: string; segment?: string | null }[];
let browser: Browser | undefined;

beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('Optimising shop');
  let i = 0;
  const contacts = (['vip', 'basic'] as const).flatMap((segment) =>
    Array.from({ length: 40 }, () => ({ externalId: `opt-${segment}-${i}`, phone: `+1415556${String(1000 + i).padStart(4, '0')}`, email: `opt${i++}@shop.example`, segment, consent: true, tags: ['opt'] })),
  );
  await t.ok(UpsertContactsDocument, { contacts }, key);
  listed = (await t.ok(ContactsDocument, { filter: { tags: ['opt'] }, first: 200 }, key)).contacts.nodes;
  expect(listed).toHaveLength(80);

  const past = (await t.ok(CreateCampaignDocument, { input: { name: 'Past newsletter', variants: [{ template: 'Hello' }] } }, key)).createCampaign.id;
  await t.ok(AddRecipientsDocument, { campaignId: past, audience: { tags: ['opt'] } }, key);
  const converted = { vip: 20, basic: 2 };
  const seen = { vip: 0, basic: 0 };
  const events: TrackEventInput[] = [];
  for (const c of listed) {
    const segment = c.segment as 'vip' | 'basic';
    events.push({ campaignId: past, contactId: c.id, type: 'SENT', occurredAt: daysAgo(10) });
    if (seen[segment]++ < converted[segment]) events.push({ campaignId: past, contactId: c.id, type: 'CONVERTED', occurredAt: daysAgo(9), value: 10 });
  }
  expect((await t.ok(TrackEventsDocument, { events }, key)).trackEvents.rejected).toEqual([]);

  target = (await t.ok(CreateCampaignDocument, { input: { name: 'Spring newsletter', audience: { tags: ['opt'] }, variants: [{ template: 'News' }] } }, key)).createCampaign.id;
  const recs = (await t.ok(GenerateRecommendationsDocument, { campaignId: target }, key)).generateRecommendations;
  const segment = recs.find((r) => r.type === 'SEGMENT');
  expect(segment).toMatchObject({ recommendedValue: 'vip', currentValue: 'all segments', confidence: 0.95 });
  recommendationId = segment!.id;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t.close();
});

run(
  'shows the recommendation with basis and confidence, applies it in one click, the send-time chart matches the API; accessible; offline',
  async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { external, problems } = watchPage(page, t.url);
    await signIn(page, t.url, key, '/optimisation');
    await page.getByRole('heading', { level: 1, name: 'Optimisation' }).waitFor({ timeout: 20_000 });

    // The recommendation, under its type, with what it rests on and how sure it is.
    const card = page.locator(`[data-recommendation-id="${recommendationId}"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await page.locator('#recs-SEGMENT').textContent()).toBe('Segments (1)');
    const cardText = (await card.textContent())!;
    expect(cardText).toContain('Spring newsletter');
    expect(cardText).toContain('Based on: conversion on STANDARD SMS campaigns in the last');
    expect(cardText).toContain('vip 20/40, basic 2/40; workspace 22/80');
    expect(await card.locator('.rec-confidence').textContent()).toBe('95.0 %');
    // 20/40 − 22/80 = 0.225
    expect(await card.locator('.rec-impact').textContent()).toBe('+22.5 percentage points');

    // The send-time chart's table: one row per hour, the API's counts.
    const preview = (await t.ok(SendTimePreviewDocument, { channel: 'SMS' }, key)).sendTimePreview;
    expect(preview.total).toBe(80);
    // (uPlot's legend is a table too: the numbers' table is the one in the figure's <details>.)
    const table = page.locator('.send-time details table tbody tr');
    await table.first().waitFor({ state: 'attached', timeout: 20_000 });
    const [hours, counts] = [await table.locator('th').allTextContents(), await table.locator('td').allTextContents()];
    const rows = hours.map((h, i) => [h, counts[i]]);
    const expected = Array.from({ length: 24 }, (_, h) => [`${String(h).padStart(2, '0')}:00`, String(preview.hours.find((x) => x.hour === h)?.contacts ?? 0)]);
    expect(rows).toEqual(expected);
    expect(await text(page, '.preview-total')).toBe('80');
    expect(await text(page, '.preview-own')).toContain(String(preview.withOwnHistory));

    // No model yet: the empty state says what to do.
    expect(await text(page, '.models .empty')).toContain('No model trained yet');

    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard-optimisation');

    // One click: progress, then the applied state and what changed, as the API reports it.
    await card.getByRole('button', { name: 'Apply' }).click();
    const changed = await until(
      () => card.textContent(),
      (s) => !!s && s.includes('Audience segments: all segments → vip'),
      30_000,
    );
    expect(changed).toContain('Applied');
    expect(changed).toContain('What applying changed on Spring newsletter');
    expect(await card.getByRole('button', { name: 'Apply' }).count()).toBe(0);
    // The focused Apply button was replaced: focus is on this card's "Applied" status, not lost to <body>.
    const focused = String(
      await page.evaluate("(() => { const e = document.activeElement; return e && e.classList.contains('applied') ? e.closest('[data-recommendation-id]')?.getAttribute('data-recommendation-id') ?? '' : (e?.tagName ?? ''); })()"),
    );
    expect(focused).toBe(recommendationId);
    const after = (await t.ok(CampaignRecommendationsDocument, { id: target }, key)).campaign!;
    expect(after.audience).toEqual({ tags: ['opt'], segments: ['vip'] });
    expect(after.recommendations.find((r) => r.id === recommendationId)!.appliedAt).not.toBeNull();

    // Refresh: generateRecommendations from the page. The audience is vip now, so nothing new; the applied row stays.
    await page.getByRole('button', { name: 'Refresh recommendations for Spring newsletter' }).click();
    const refreshed = await until(
      () => text(page, `.refresh-list li[data-campaign-id="${target}"] [role="status"]`),
      (s) => !!s && s !== 'Computing…',
      30_000,
    );
    const listedNow = (await t.ok(CampaignRecommendationsDocument, { id: target }, key)).campaign!.recommendations;
    const open = listedNow.filter((r) => !r.appliedAt && !r.supersededAt).length;
    expect(refreshed).toBe(open === 0 ? 'Nothing to recommend for it now.' : `${open} computed.`);
    expect(listedNow.map((r) => r.id)).toContain(recommendationId);
    await card.waitFor({ timeout: 20_000 });

    // Another channel: the chart follows the select, with the API's numbers for it.
    const email = (await t.ok(SendTimePreviewDocument, { channel: 'EMAIL' }, key)).sendTimePreview;
    await page.getByLabel('Channel').selectOption('EMAIL');
    const caption = await until(
      () => text(page, '.send-time figcaption'),
      (s) => !!s && s.startsWith('Email:'),
      20_000,
    );
    expect(caption).toBe('Email: reachable contacts per recommended local hour');
    expect(await text(page, '.preview-total')).toBe(email.total.toLocaleString('en-US'));

    // Training on 80 messages: the API's reason, not a generic failure.
    await page.getByRole('button', { name: 'Train a new version now' }).click();
    const reason = await until(
      () => text(page, '.models [role="alert"]'),
      (s) => !!s,
      60_000,
    );
    expect(reason).toContain('NOT_ENOUGH_DATA');

    // More history (a past email campaign: another channel, so the SMS segment figures above stay),
    // then training succeeds and the model's metrics are the API's.
    const mail = (await t.ok(CreateCampaignDocument, { input: { name: 'Past mailing', channel: 'EMAIL', variants: [{ template: 'Hi', subject: 'Hi' }] } }, key)).createCampaign.id;
    await t.ok(AddRecipientsDocument, { campaignId: mail, audience: { tags: ['opt'] } }, key);
    const mailEvents: TrackEventInput[] = listed.flatMap((c, n) => [
      { campaignId: mail, contactId: c.id, type: 'SENT' as const, occurredAt: daysAgo(12) },
      ...(n % 3 === 0 ? [{ campaignId: mail, contactId: c.id, type: 'CONVERTED' as const, occurredAt: daysAgo(11), value: 10 }] : []),
    ]);
    expect((await t.ok(TrackEventsDocument, { events: mailEvents }, key)).trackEvents.rejected).toEqual([]);
    await page.getByRole('button', { name: 'Train a new version now' }).click();
    const trained = await until(
      () => text(page, '.models [role="status"]'),
      (s) => !!s && s.startsWith('Version'),
      90_000,
    );
    const [model] = (await t.ok(ModelsDocument, {}, key)).models;
    expect(trained).toBe(`Version ${model!.version} trained on ${model!.samples} messages.`);
    expect(model!.samples).toBe(160);
    const modelTable = page.locator(`[data-model-id="${model!.id}"]`);
    await modelTable.waitFor({ timeout: 20_000 });
    expect(await modelTable.locator('caption').textContent()).toContain(`version ${model!.version}`);
    const metrics = model!.metrics as Record<string, number>;
    const aucRow = modelTable.locator('tbody tr', { hasText: /^AUC/ });
    expect(await aucRow.locator('td').textContent()).toBe(metrics.auc!.toFixed(3));
    expect(await modelTable.locator('tbody tr', { hasText: 'Held-out contacts' }).locator('td').textContent()).toBe(String(metrics.holdoutContacts));
    expect(await page.locator('.models [role="alert"]').count()).toBe(0);

    expect(await atPhoneWidth(page)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard-optimisation-390');
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
  },
  300_000,
);
