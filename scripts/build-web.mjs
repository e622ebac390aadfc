// Bundles the dashboard (web/) into dist/dashboard: index.html plus content-hashed, minified assets
// under assets/ (the server caches those for a year and index.html not at all). Type-checking is
// `tsc -p web/tsconfig.json` (npm run build:web runs both). Prints the gzipped size of the JavaScript.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist', 'dashboard');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: { app: join(root, 'web', 'src', 'index.tsx') },
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  // No source maps in what is served: the sources are in the repository.
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
if (!js) throw new Error('esbuild produced no JavaScript');
const template = readFileSync(join(root, 'web', 'index.html'), 'utf8');
const html = template
  .replace('<!--styles-->', css ? `<link rel="stylesheet" href="/assets/${css}">` : '')
  .replace('<!--scripts-->', `<script type="module" src="/assets/${js}"></script>`);
writeFileSync(join(out, 'index.html'), html);

const jsBytes = readFileSync(join(out, 'assets', js));
const gz = gzipSync(jsBytes, { level: 9 }).length;
console.log(`dashboard: dist/dashboard/assets/${js} ${(jsBytes.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped${css ? `; ${css}` : ''}`);
