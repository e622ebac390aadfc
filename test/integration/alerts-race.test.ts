/**
 * Two evaluators (as on two instances) interleaved at the worst moment, on the real database: one
 * has read a condition as present, the condition goes away, the other evaluates — the first one's
 * stale read must not raise the alert again after the other cleared it. JOBS off: the app's own
 * scheduled evaluation stays out of the way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertSettingsDocument } from '../generated/graphql';
import { sourceOf, type AlertCondition } from '../../src/operations/alert-condition';
import { AlertEvaluator } from '../../src/operations/alerts';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
let receiver: Server;
let workspaceId: string;
const KEY = 'JOB_FAILING:race';

beforeAll(async () => {
  receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t = await startTestApp({ JOBS: 'off', ALLOW_CUSTOM_PROVIDER_URLS: 'true' });
  const key = await t.newWorkspaceKey('alerts-race');
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  workspaceId = (await t.ok(AlertSettingsDocument, { input: { webhookSigningSecret: 'whsec_race', alertWebhookUrl: url } }, key)).updateWorkspaceSettings.id;
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

it('a stale read of a condition does not raise its alert again after another instance cleared it', async () => {
  let present = true;
  const condition = (): AlertCondition[] => (present ? [{ workspaceId, kind: 'JOB_FAILING', key: KEY, summary: 'race', details: {} }] : []);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let paused = false;
  const deps = { sql: t.app.sql, providers: t.app.providers, config: { allowCustomProviderUrls: true }, logger: t.app.logger };
  // First: reads, then (this time) stalls before applying what it read.
  let stall = false;
  const first = new AlertEvaluator(deps, [
    sourceOf(['JOB_FAILING'], async () => {
      const read = condition();
      if (stall) {
        paused = true;
        await gate;
      }
      return read;
    }),
  ]);
  const second = new AlertEvaluator(deps, [sourceOf(['JOB_FAILING'], async () => condition())]);

  expect((await first.run()).raised).toBe(1);
  stall = true;
  const stale = first.run();
  await until(() => paused, (p) => p, 10_000);
  present = false; // the condition clears while the first evaluator holds its read
  let secondDone = false;
  const fresh = second.run().then((r) => ((secondDone = true), r));
  // The second evaluation either finishes or waits for the first one's lock; then the first goes on.
  await until(
    async () => secondDone || (await t.sql<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`))[0]!.n > 0,
    (v) => v,
    10_000,
  );
  release();
  await Promise.all([stale, fresh]);

  const rows = await t.sql<{ cleared: boolean }>(`select cleared_at is not null as cleared from alerts where workspace_id = ? and key = ? order by raised_at`, [workspaceId, KEY]);
  expect(rows).toEqual([{ cleared: true }]);
});
