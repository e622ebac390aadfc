/** What /healthz answers: liveness, the running version and how long this instance has been up. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** package.json sits three levels above this file's dist/src/observability (and in the image's /app). */
export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

export interface Health {
  status: 'ok';
  version: string;
  uptimeSeconds: number;
}

export function health(startedAt: number, now = Date.now()): Health {
  return { status: 'ok', version: VERSION, uptimeSeconds: Math.max(0, Math.round((now - startedAt) / 100) / 10) };
}
