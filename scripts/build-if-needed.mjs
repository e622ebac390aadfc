// `npm start` runs this first: builds when dist/ is missing or older than any source file.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const output = join(root, 'dist', 'src', 'main.js');
// tsc rewrites its build-info file on every build that changes anything (unchanged outputs keep their old times).
const buildInfo = join(root, 'dist', '.tsbuildinfo');

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const sources = ['src', 'migrations'].map((d) => join(root, d)).filter(existsSync);
const stale =
  !existsSync(output) ||
  !existsSync(buildInfo) ||
  Math.max(...sources.map(newest), statSync(join(root, 'tsconfig.json')).mtimeMs) > statSync(buildInfo).mtimeMs;
if (stale) {
  console.log('Building Splitcast (tsc)…');
  execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
}
