import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
});
afterAll(() => t.close());

it('schedules the nightly rollup at 02:00 UTC in the database, once, across restarts', async () => {
  const jobs = async () =>
    t.app.orm.em.fork().getConnection().execute<{ name: string; next_run_at: string; repeat_interval: string }[]>(
      `select name, next_run_at, repeat_interval from agenda_jobs where name = 'analytics: nightly rollup'`,
    );
  const [job] = await jobs();
  expect(job!.repeat_interval).toBe('0 2 * * *');
  const next = new Date(job!.next_run_at);
  expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([2, 0]);
  expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
  await t.restart();
  expect(await jobs()).toHaveLength(1);
});

it('runs the rollup job on demand', async () => {
  await expect(t.app.scheduler!.runNow('analytics: nightly rollup')).resolves.toBeUndefined();
});

it('registers the maintenance jobs: test evaluation every 5 minutes, merchant affinity every 6 hours, the webhook retry queue every minute, event partitions daily', async () => {
  const rows = await t.app.orm.em.fork().getConnection().execute<{ name: string; repeat_interval: string }[]>(`select name, repeat_interval from agenda_jobs order by name`);
  expect(rows).toEqual([
    { name: 'analytics: nightly rollup', repeat_interval: '0 2 * * *' },
    { name: 'events: partitions and retention', repeat_interval: '20 0 * * *' },
    { name: 'experiments: evaluate running tests', repeat_interval: '*/5 * * * *' },
    { name: 'operations: alerts', repeat_interval: '* * * * *' },
    { name: 'operations: reconcile messages', repeat_interval: '30 3 * * *' },
    { name: 'operations: webhook health snapshots', repeat_interval: '0 * * * *' },
    { name: 'optimization: conversion model', repeat_interval: '0 3 * * 1' },
    { name: 'optimization: merchant affinity', repeat_interval: '0 */6 * * *' },
    { name: 'optimization: recommendations', repeat_interval: '0 5 * * *' },
    { name: 'optimization: send time', repeat_interval: '0 4 * * *' },
    { name: 'orders: engagement scores', repeat_interval: '15 2 * * *' },
    { name: 'reports: scheduled reports', repeat_interval: '* * * * *' },
    { name: 'webhooks: retry queue', repeat_interval: '* * * * *' },
  ]);
  await expect(t.app.scheduler!.runNow('experiments: evaluate running tests')).resolves.toBeUndefined();
  await expect(t.app.scheduler!.runNow('webhooks: retry queue')).resolves.toBeUndefined();
  await expect(t.app.scheduler!.runNow('optimization: merchant affinity')).resolves.toBeUndefined();
  await expect(t.app.scheduler!.runNow('events: partitions and retention')).resolves.toBeUndefined();
  await expect(t.app.scheduler!.runNow('operations: webhook health snapshots')).resolves.toBeUndefined();
  await expect(t.app.scheduler!.runNow('orders: engagement scores')).resolves.toBeUndefined();
});

it('starts no scheduler with JOBS=off', async () => {
  const off = await startTestApp({ JOBS: 'off' });
  try {
    expect(off.app.scheduler).toBeUndefined();
  } finally {
    await off.close();
  }
});
