/**
 * The layout rules (scripts/check-layout.mjs, `npm run check:layout`): infrastructure imports no
 * feature, and no folders or files import each other in a cycle. Run on src/, and on a fixture that
 * breaks each rule, to show the check can fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const check = (env: Record<string, string> = {}) => spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-layout.mjs')], { encoding: 'utf8', env: { ...process.env, ...env } });

it('src/ follows the layout rules, with an empty allow-list', () => {
  const r = check();
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('clean (0 allow-listed edge(s))');
  expect(r.status).toBe(0);
});

it('fails on an infrastructure → feature import, a folder cycle and a file cycle, unless allow-listed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'splitcast-layout-'));
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  try {
    file('graphql/context.ts', "import { CampaignService } from '../campaigns/campaign.service';\nexport type X = CampaignService;\n");
    file('campaigns/campaign.service.ts', "import { x } from '../experiments/analysis';\nexport class CampaignService { y = x; }\n");
    file('experiments/analysis.ts', "import type { CampaignService } from '../campaigns/campaign.service';\nexport const x = 1; export type Z = CampaignService;\n");
    file('sending/a.ts', "import { b } from './b';\nexport const a = b;\n");
    file('sending/b.ts', "import { a } from './a';\nexport const b = () => a;\n");
    const r = check({ LAYOUT_SRC: dir, LAYOUT_ALLOWLIST: join(dir, 'none.txt') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('infrastructure imports a feature: graphql/context.ts -> campaigns/campaign.service.ts');
    expect(r.stderr).toContain('folders import each other in a cycle: campaigns, experiments');
    expect(r.stderr).toContain('files import each other in a cycle: sending/a.ts, sending/b.ts');

    writeFileSync(join(dir, 'allow.txt'), 'graphql -> campaigns  # fixture\nexperiments -> campaigns  # fixture\nsending/b.ts -> sending/a.ts  # fixture\n');
    const allowed = check({ LAYOUT_SRC: dir, LAYOUT_ALLOWLIST: join(dir, 'allow.txt') });
    expect(allowed.stdout).toContain('clean (3 allow-listed edge(s))');
    expect(allowed.status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
