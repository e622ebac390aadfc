/**
 * What a bench reports: its lines (printed as they come) and its figures, each beside the baseline
 * measured in the same run, the ratio and the target. `npm run bench` renders every section into
 * BENCHMARKS.md (`renderBenchmarks`, pure). The machine is shared and noisy, so the ratio to a
 * same-run baseline is the figure to compare across runs and machines; absolute figures come with
 * the machine they were measured on.
 */
import { cpus, freemem, loadavg, totalmem } from 'node:os';

export interface Figure {
  /** What was measured, e.g. "dashboard query, 50 connections". */
  name: string;
  /** The figure with its unit, e.g. "1,234 req/s". */
  measured: string;
  /** The same-run baseline with its unit and what it is, e.g. "bare fastify, same JSON: 4,321 req/s". */
  baseline?: string;
  /** measured / baseline in the direction that makes sense for the figure (said in `name` or `baseline`). */
  ratio?: number;
  /** The target as written in the issue or DESIGN.md, e.g. "≥ 0.25 of the bare endpoint". */
  target?: string;
  /** Whether the target is met; undefined when there is no target. */
  met?: boolean;
}

export interface BenchSection {
  title: string;
  command: string;
  lines: string[];
  figures: Figure[];
  /** Set when the bench threw: what it said. */
  failure?: string;
}

const sections: BenchSection[] = [];

/** The sections recorded in this process, in order (what `npm run bench` renders). */
export function recordedSections(): readonly BenchSection[] {
  return sections;
}

export interface Section {
  log(line: string): void;
  figure(figure: Figure): void;
  fail(error: unknown): void;
}

/** Starts a bench's section: prints its title and command, then records what it logs and measures. */
export function section(title: string, command: string): Section {
  const s: BenchSection = { title, command, lines: [], figures: [] };
  sections.push(s);
  console.log(`\n== ${title}\n   command: ${command}`);
  return {
    log(line) {
      s.lines.push(line);
      console.log(`   ${line}`);
    },
    figure(f) {
      s.figures.push(f);
      console.log(`   ${figureLine(f)}`);
    },
    fail(error) {
      s.failure = error instanceof Error ? error.message : String(error);
      console.log(`   FAILED: ${s.failure}`);
    },
  };
}

export function verdict(f: Figure): string {
  if (f.met === undefined) return '—';
  return f.met ? 'met' : '**not met**';
}

export function formatRatio(ratio: number): string {
  return ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio >= 0.1 ? ratio.toFixed(2) : ratio.toFixed(3);
}

export function figureLine(f: Figure): string {
  const parts = [`${f.name}: ${f.measured}`];
  if (f.baseline) parts.push(`baseline ${f.baseline}`);
  if (f.ratio !== undefined) parts.push(`ratio ${formatRatio(f.ratio)}`);
  if (f.target) parts.push(`target ${f.target}: ${f.met === undefined ? '—' : f.met ? 'met' : 'NOT met'}`);
  return parts.join('; ');
}

export interface Machine {
  date: string;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeGiB: number;
  /** Load average (1 / 5 / 15 min) when the run started and ended: how shared the machine was. */
  loadStart: number[];
  loadEnd?: number[];
}

export function machine(now = new Date()): Machine {
  const list = cpus();
  return {
    date: now.toISOString(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: totalmem() / 2 ** 30,
    freeGiB: freemem() / 2 ** 30,
    loadStart: loadavg(),
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');

/** BENCHMARKS.md from a run's sections: the machine, one summary table of every figure, then each section's details. */
export function renderBenchmarks(m: Machine, list: readonly BenchSection[], command = 'npm run bench'): string {
  const out: string[] = [
    '# Benchmarks',
    '',
    `Written by \`${command}\` on ${m.date.slice(0, 10)} (${m.date.slice(11, 16)} UTC): node ${m.node} (${m.platform}), ${m.cores} × ${m.cpu}, ` +
      `${m.memoryGiB.toFixed(0)} GiB memory, embedded PostgreSQL on the same machine. Load average (1 / 5 / 15 min) ${load(m.loadStart)} at the start` +
      `${m.loadEnd ? `, ${load(m.loadEnd)} at the end` : ''}.`,
    '',
    'Each baseline runs in the same process run as its figure, on the same machine, so the **ratio** is the',
    'figure to compare across runs and machines: the machine is shared and the absolute numbers move with its load.',
    'Each section names the command that runs it alone.',
    '',
    '## Summary',
    '',
    '| bench | figure | measured | baseline (same run) | ratio | target | verdict |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of list) {
    if (s.failure) out.push(`| ${cell(s.title)} | the bench failed | ${cell(s.failure)} | | | | **failed** |`);
    for (const f of s.figures) {
      out.push(
        `| ${cell(s.title)} | ${cell(f.name)} | ${cell(f.measured)} | ${cell(f.baseline ?? '')} | ${f.ratio === undefined ? '' : formatRatio(f.ratio)} | ${cell(f.target ?? '')} | ${verdict(f)} |`,
      );
    }
  }
  for (const s of list) {
    out.push('', `## ${s.title}`, '', `\`${s.command}\``, '');
    for (const line of s.lines) out.push(`- ${line}`);
    if (s.failure) out.push(`- **failed**: ${s.failure}`);
    if (s.figures.length) {
      if (s.lines.length || s.failure) out.push('');
      out.push('| figure | measured | baseline | ratio | target | verdict |', '|---|---|---|---|---|---|');
      for (const f of s.figures) {
        out.push(`| ${cell(f.name)} | ${cell(f.measured)} | ${cell(f.baseline ?? '')} | ${f.ratio === undefined ? '' : formatRatio(f.ratio)} | ${cell(f.target ?? '')} | ${verdict(f)} |`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** The `## heading` section of a markdown file (up to the next `## `), or '' when absent. */
export function markdownSection(markdown: string, heading: string): string {
  const start = markdown.startsWith(`${heading}\n`) ? 0 : markdown.indexOf(`\n${heading}\n`) + 1;
  if (start === 0 && !markdown.startsWith(`${heading}\n`)) return '';
  const next = markdown.indexOf('\n## ', start + heading.length);
  return markdown.slice(start, next < 0 ? undefined : next + 1).trimEnd();
}
