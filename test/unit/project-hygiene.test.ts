/**
 * The project's own promises about itself: every declared dependency is used, npm scripts need
 * nothing outside the repository, and every error reason the code produces is documented.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };

function sources(dir: string, exts = ['.ts', '.tsx', '.mjs', '.js']): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(join(ROOT, d))) {
      const p = join(d, f);
      if (f === 'generated' || f === 'node_modules') continue;
      if (statSync(join(ROOT, p)).isDirectory()) walk(p);
      else if (exts.some((e) => p.endsWith(e))) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Used without an import: tools run by name, type packages, plugins named in a config, files served by path. */
const USED_BY_NAME: Record<string, string> = {
  typescript: 'tsc (npm run compile)',
  jest: 'npm test',
  '@types/jest': 'test types',
  '@types/node': 'Node types',
  '@types/pg': 'pg types',
  '@types/pg-cursor': 'pg-cursor types',
  '@types/ws': 'ws types',
  '@types/react': "the dashboard's types (web/tsconfig.json)",
  '@types/react-dom': "the dashboard's types (web/tsconfig.json)",
  '@graphql-codegen/typescript': 'codegen.yml plugin',
  '@graphql-codegen/typescript-operations': 'codegen.yml plugin',
  '@graphql-codegen/typed-document-node': 'codegen.yml plugin',
  graphiql: 'served by src/http/explorer.ts (resolved by path)',
  react: 'served by src/http/explorer.ts (resolved by path)',
  'react-dom': 'served by src/http/explorer.ts (resolved by path)',
  rxjs: 'peer of @apollo/client',
};

describe('project hygiene', () => {
  it('uses every dependency it declares', () => {
    const code = ['src', 'test', 'bench', 'scripts', 'web'].flatMap((d) => sources(d)).map(read).join('\n') + read('codegen.yml');
    const imported = (dep: string) => new RegExp(`['"]${dep.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(['"/])`).test(code);
    const unused = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)].filter((dep) => !USED_BY_NAME[dep] && !imported(dep));
    expect(unused).toEqual([]);
  });

  it('has npm scripts that need nothing outside the repository', () => {
    expect(Object.entries(pkg.scripts).filter(([, cmd]) => cmd.includes('../'))).toEqual([]);
  });

  it('documents in the README every error reason the code produces', () => {
    const readme = read('README.md');
    const reasons = new Map<string, string>();
    for (const file of sources('src', ['.ts'])) {
      const text = read(file);
      for (const re of [/(?:badInput|conflict)\(\s*'([A-Z][A-Z0-9_]+)'/g, /\b(?:code|reason): '([A-Z][A-Z0-9_]+)'/g, /\breject\('([A-Z][A-Z0-9_]+)'/g]) {
        for (const m of text.matchAll(re)) reasons.set(m[1]!, file);
      }
    }
    expect(reasons.size).toBeGreaterThan(50);
    expect([...reasons].filter(([r]) => !readme.includes(r)).map(([r, f]) => `${r} (${f})`)).toEqual([]);
  });
});
