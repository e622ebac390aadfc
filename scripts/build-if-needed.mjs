// `npm start` runs this first: builds when dist/ is missing or older than any source file
// (the server's, compiled by tsc, or the dashboard's under web/, bundled into dist/dashboard).
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
const dashboard = join(root, 'dist', 'dashboard', 'index.html');
const webStale =
  existsSync(join(root, 'web')) &&
  (!existsSync(dashboard) || Math.max(newest(join(root, 'web')), statSync(join(root, 'scripts', 'build-web.mjs')).mtimeMs) > statSync(dashboard).mtimeMs);
if (stale) {
  console.log('Building Splitcast (tsc, then the dashboard)…');
  execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
} else if (webStale) {
  console.log('Building the dashboard…');
  execSync('npm run build:web --silent', { cwd: root, stdio: 'inherit' });
}
