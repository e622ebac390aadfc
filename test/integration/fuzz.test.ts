/**
 * A bounded fuzz run inside `npm test` (a few hundred cases; `npm run fuzz` runs thousands).
 * FUZZ_SEED replays a run; a failure names the case index and request.
 */
import { prepareTarget, runFuzz, type FuzzTarget } from '../fuzz/fuzz';
import { startTestApp, type TestApp } from '../helpers/harness';

const PUBLIC_URL = 'https://hooks.splitcast.test';
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const CASES = Number(process.env.FUZZ_CASES ?? 400);

let t: TestApp;
let target: FuzzTarget;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL, ALLOW_CUSTOM_PROVIDER_URLS: 'true' }); // the fuzz workspace's Cloud API URL is local
  target = await prepareTarget(t.app, t.adminKey, PUBLIC_URL);
});
afterAll(() => t.close());

it(`${CASES} hostile requests (seed ${SEED}): no 5xx, no INTERNAL, rejections store nothing, healthy afterwards`, async () => {
  const failures = await runFuzz(target, SEED, CASES);
  expect(failures).toEqual([]);
}, 240_000);
