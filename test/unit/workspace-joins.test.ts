/**
 * No raw SQL joins two workspaces' rows: every `join <distributed table> … on …` in src/ also
 * matches workspace_id (to the other side, or to the workspace parameter). On a sharded database
 * (src/db/distribution.ts) such a join stays on one node; here it costs one more equality. A
 * static scan of the SQL text in the sources: a join it cannot see (built from pieces) is not
 * checked, the catalog test checks the schema side.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tablesOf } from '../../src/db/distribution';

const ROOT = join(__dirname, '..', '..', '..');
const DISTRIBUTED = new Set(tablesOf('distributed'));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `file:line: join …` for every join of a distributed table whose condition leaves workspace_id out. Pure (given the text). */
export function joinsWithoutWorkspace(text: string, file: string, distributed: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const re = /\bjoin\s+(\w+)\s+(?:as\s+)?(\w+)\s+on\s+([\s\S]*?)(?=\b(?:left\s+join|join|where|group|order|limit|for|returning|union)\b|\)|`|$)/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (!distributed.has(m[1]!) || /workspace_id/.test(m[3]!)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    found.push(`${file}:${line}: join ${m[1]} ${m[2]} on ${m[3]!.trim().replace(/\s+/g, ' ')}`);
  }
  return found;
}

it('finds a join that does not match the workspace, and accepts one that does', () => {
  const tables = new Set(['contacts', 'assignments']);
  expect(joinsWithoutWorkspace('select 1 from assignments a join contacts c on c.id = a.contact_id where a.campaign_id = $1', 'x.ts', tables)).toEqual([
    'x.ts:1: join contacts c on c.id = a.contact_id',
  ]);
  expect(joinsWithoutWorkspace('from assignments a\n  join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id\n where', 'x.ts', tables)).toEqual([]);
  expect(joinsWithoutWorkspace('from contacts c join workspaces w on w.id = c.workspace_id', 'x.ts', tables)).toEqual([]); // reference table
});

it('no raw SQL in src/ joins a distributed table without matching workspace_id', () => {
  const found = files(join(ROOT, 'src')).flatMap((f) => joinsWithoutWorkspace(readFileSync(f, 'utf8'), relative(ROOT, f), DISTRIBUTED));
  expect(found).toEqual([]);
});
