#!/usr/bin/env node
/**
 * `npm run check:layout`: the import rules of src/ (README, "Layout").
 *   1. Infrastructure folders (db, graphql, http, jobs, shared, observability) import no feature folder.
 *   2. No cycle between top-level folders, and no cycle between files.
 * Type-only imports count: a layer that knows a feature's types depends on it.
 * Exceptions live in scripts/layout-allowlist.txt, one import edge per line with its reason:
 *   <from> -> <to>   # why
 * where <from>/<to> are folders (`campaigns`) or files (`campaigns/campaign.service.ts`).
 * Exits 1 and prints every violation; prints nothing else but a summary when clean.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** LAYOUT_SRC: another tree to check (the check's own test points it at a fixture). */
const SRC = process.env.LAYOUT_SRC ? resolve(process.env.LAYOUT_SRC) : join(ROOT, 'src');
/** observability (metrics plumbing) counts as infrastructure too: it imports no feature. */
export const INFRASTRUCTURE = new Set(['db', 'graphql', 'http', 'jobs', 'shared', 'observability']);
/** Files directly in src/ that compose the app: nothing below them may import them. */
const COMPOSITION = new Set(['app.ts', 'main.ts', 'demo.ts', 'modules.ts']);
/** A top-level folder that is not infrastructure (files directly in src/ — config, errors — are shared). */
const isFeature = (node) => !node.endsWith('.ts') && !INFRASTRUCTURE.has(node);

/** Every .ts file under src/, as a path relative to src/. */
function files() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(SRC, p));
    }
  };
  walk(SRC);
  return out.sort();
}

/** The src-relative file an import specifier points at, or undefined for packages. */
function target(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(SRC, dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return relative(SRC, candidate);
  return undefined;
}

/** `campaigns/x.ts` → `campaigns`; a file directly in src/ is its own folder-level node. */
export const folderOf = (file) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : file);

export function importEdges() {
  const edges = [];
  const re = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
  const dynamic = /import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const file of files()) {
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const m of [...text.matchAll(re), ...text.matchAll(dynamic)]) {
      const to = target(file, m[1]);
      if (to && to !== file) edges.push({ from: file, to });
    }
  }
  return edges;
}

function readAllowList() {
  const path = process.env.LAYOUT_ALLOWLIST ?? join(ROOT, 'scripts', 'layout-allowlist.txt');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s*->\s*(\S+)\s*#\s*(.+)$/.exec(l);
      if (!m) throw new Error(`layout-allowlist.txt: "${l}" is not "<from> -> <to>  # reason"`);
      return { from: m[1], to: m[2], reason: m[3] };
    });
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(nodes, edges) {
  const next = new Map(nodes.map((n) => [n, []]));
  for (const { from, to } of edges) next.get(from)?.push(to);
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return out;
}

export function checkLayout() {
  const allow = readAllowList();
  const allowed = (from, to) => allow.some((a) => (a.from === from || a.from === folderOf(from)) && (a.to === to || a.to === folderOf(to)));
  const fileEdges = importEdges().filter((e) => !allowed(e.from, e.to));
  const problems = [];

  for (const e of fileEdges) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (INFRASTRUCTURE.has(a) && (isFeature(b) || COMPOSITION.has(b))) {
      problems.push(`infrastructure imports a feature: ${e.from} -> ${e.to}`);
    }
  }

  const folderEdges = new Map();
  for (const e of fileEdges) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (a !== b) folderEdges.set(`${a} -> ${b}`, { from: a, to: b, via: `${e.from} -> ${e.to}` });
  }
  const folders = [...new Set(files().map(folderOf))];
  for (const scc of cycles(folders, [...folderEdges.values()])) {
    const inside = [...folderEdges.values()].filter((e) => scc.includes(e.from) && scc.includes(e.to)).map((e) => `      ${e.from} -> ${e.to} (e.g. ${e.via})`);
    problems.push(`folders import each other in a cycle: ${scc.join(', ')}\n${inside.join('\n')}`);
  }
  for (const scc of cycles(files(), fileEdges)) {
    problems.push(`files import each other in a cycle: ${scc.join(', ')}`);
  }
  return { problems, allowList: allow.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { problems, allowList } = checkLayout();
  if (problems.length > 0) {
    console.error(`check:layout — ${problems.length} problem(s):\n\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    console.error('Fix the import, or (rarely) add the edge to scripts/layout-allowlist.txt with its reason.');
    process.exit(1);
  }
  console.log(`check:layout — clean (${allowList} allow-listed edge(s))`);
}
