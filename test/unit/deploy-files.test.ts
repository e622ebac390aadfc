/**
 * The deploy files, checked by parsing (no Docker engine here): a multi-stage Dockerfile on a
 * supported Node.js LTS image whose production stage holds no tests, benches or dev dependencies,
 * and a compose file whose default path (PostgreSQL for data and jobs) starts the app once its
 * database is healthy and restarts it, with MongoDB only behind an optional profile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = join(__dirname, '..', '..', '..');
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

interface Stage {
  image: string;
  name?: string;
  instructions: { op: string; args: string }[];
}

/** Dockerfile → stages (line continuations joined, comments dropped, ARG defaults substituted in FROM). */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const upper = op!.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [k, v] = rest!.split('=');
      if (v !== undefined) args.set(k!, v);
    } else if (upper === 'FROM') {
      const [image, as, name] = rest!.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '').split(/\s+/);
      stages.push({ image: image!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)!.instructions.push({ op: upper, args: rest! });
    }
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const final = stages.at(-1)!;
  const build = stages.find((s) => s.instructions.some((i) => i.op === 'RUN' && /\bnpm run build\b/.test(i.args)));
  const of = (s: Stage, op: string) => s.instructions.filter((i) => i.op === op).map((i) => i.args);

  it('is multi-stage on a supported Node.js LTS slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      const m = /^node:(\d+)(?:\.\d+)*-bookworm-slim$/.exec(s.image);
      expect(m).not.toBeNull();
      // Node 20 leaves LTS in April 2026; 22 and 24 are the supported LTS lines.
      expect([22, 24]).toContain(Number(m![1]));
    }
  });

  it('builds in a stage of its own, with the dev dependencies', () => {
    expect(build).toBeDefined();
    expect(build).not.toBe(final);
    expect(of(build!, 'RUN').some((r) => /npm (install|ci)\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
  });

  it('ships only the compiled server, the dashboard bundle and production dependencies in the final stage', () => {
    const runs = of(final, 'RUN');
    expect(runs.some((r) => /npm (install|ci)\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /npm run (build|compile)|\btsc\b/.test(r))).toBe(false);
    const copies = of(final, 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      const sources = c.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1);
      for (const src of sources) {
        expect(src).not.toMatch(/(^|\/)(test|bench)(\/|$)|^(\.\/)?(src|node_modules)(\/|$)|^\.\/?$/);
        expect(['package.json', 'package-lock.json', '/app/dist/src', '/app/dist/migrations', '/app/dist/dashboard']).toContain(src);
      }
    }
    expect(of(final, 'ENV').join(' ')).toMatch(/NODE_ENV=production/);
  });

  it('runs as a non-root user, checks its health through /healthz, starts the server', () => {
    const user = of(final, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const health = of(final, 'HEALTHCHECK').join(' ');
    expect(health).toMatch(/CMD .*node.*\/healthz/);
    expect(health).not.toMatch(/curl|wget/);
    expect(of(final, 'CMD').at(-1)).toBe('["node", "dist/src/main.js"]');
  });

  it('keeps tests, benches and local artefacts out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.data', '.git', 'test', 'bench']) expect(ignored).toContain(p);
  });
});

describe('docker-compose.yml', () => {
  type Service = {
    image?: string;
    build?: unknown;
    environment?: Record<string, string>;
    depends_on?: Record<string, { condition?: string }>;
    healthcheck?: { test?: string[] | string };
    restart?: string;
    profiles?: string[];
  };
  const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, Service> };
  const { app, postgres, mongo } = compose.services;
  const defaults = Object.entries(compose.services).filter(([, s]) => !s.profiles?.length);

  it('starts the app once PostgreSQL is healthy', () => {
    expect(app?.build).toBeDefined();
    expect(app!.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(String(postgres!.healthcheck?.test)).toMatch(/pg_isready/);
    // Every dependency of the app on the default path waits for health.
    for (const [name, dep] of Object.entries(app!.depends_on ?? {})) {
      expect({ name, condition: dep.condition }).toEqual({ name, condition: 'service_healthy' });
      expect(compose.services[name]?.healthcheck).toBeDefined();
    }
  });

  it('gives every service a health check and a restart policy', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, healthcheck: Boolean(s.healthcheck?.test) }).toEqual({ name, healthcheck: true });
      expect({ name, restart: s.restart }).toEqual({ name, restart: expect.stringMatching(/^(unless-stopped|always|on-failure(:\d+)?)$/) });
    }
    expect(String(app!.healthcheck!.test)).toMatch(/\/(readyz|healthz)/);
  });

  it('uses PostgreSQL for jobs by default; MongoDB only behind the optional profile', () => {
    expect(defaults.map(([n]) => n).sort()).toEqual(['app', 'postgres']);
    expect(app!.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(app!.environment).not.toHaveProperty('MONGODB_URL');
    expect(app!.environment?.JOBS ?? 'on').toBe('on');
    expect(app!.depends_on).not.toHaveProperty('mongo');
    expect(mongo?.profiles).toEqual(['mongo']);
  });

  it('has an override that points the app at MongoDB and waits for it', () => {
    const override = parseYaml(read('deploy', 'compose.mongo.yml')) as { services: Record<string, Service> };
    expect(override.services.app?.environment?.MONGODB_URL).toMatch(/^mongodb:\/\/mongo:27017\//);
    expect(override.services.app?.depends_on?.mongo?.condition).toBe('service_healthy');
  });
});
