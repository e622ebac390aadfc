/** BENCHMARKS.md rendering (bench/report.ts): every figure reaches the summary with its verdict; kept sections survive. */
import { formatRatio, markdownSection, renderBenchmarks, type BenchSection, type Machine } from '../../bench/report';

const machine: Machine = {
  date: '2026-11-30T02:00:00.000Z',
  node: 'v20.20.2',
  platform: 'linux/x64',
  cpu: 'Test CPU',
  cores: 2,
  memoryGiB: 24,
  freeGiB: 20,
  loadStart: [1, 1.5, 2],
  loadEnd: [2, 2, 2],
};

const sections: BenchSection[] = [
  {
    title: 'sender',
    command: 'node dist/bench/send.js',
    lines: ['2,000 recipients'],
    figures: [
      { name: 'messages/s', measured: '2,100 /s', baseline: 'simulator alone: 30,000 /s', ratio: 0.07, target: '≥ 2,000 /s', met: true },
      { name: '100,000 recipients', measured: '75 s', target: '< 60 s', met: false },
      { name: 'RSS | peak', measured: '300 MB' },
    ],
  },
  { title: 'dashboard', command: 'node dist/bench/dashboard.js', lines: [], figures: [], failure: 'boom' },
];

describe('renderBenchmarks', () => {
  const md = renderBenchmarks(machine, sections);

  it('states the machine, the date and the load', () => {
    expect(md).toContain('node v20.20.2 (linux/x64), 2 × Test CPU, 24 GiB memory');
    expect(md).toContain('2026-11-30 (02:00 UTC)');
    expect(md).toContain('1.0 / 1.5 / 2.0 at the start, 2.0 / 2.0 / 2.0 at the end');
  });

  it('puts every figure in the summary with its baseline, ratio and verdict', () => {
    const summary = markdownSection(md, '## Summary');
    expect(summary).toContain('| sender | messages/s | 2,100 /s | simulator alone: 30,000 /s | 0.070 | ≥ 2,000 /s | met |');
    expect(summary).toContain('| sender | 100,000 recipients | 75 s |  |  | < 60 s | **not met** |');
    // A pipe inside a cell is escaped, and a figure without a target has no verdict.
    expect(summary).toContain('| sender | RSS \\| peak | 300 MB |  |  |  | — |');
    expect(summary).toContain('| dashboard | the bench failed | boom | | | | **failed** |');
  });

  it('gives each bench its own section with the command that runs it alone', () => {
    const sender = markdownSection(md, '## sender');
    expect(sender).toContain('`node dist/bench/send.js`');
    expect(sender).toContain('- 2,000 recipients');
    expect(markdownSection(md, '## dashboard')).toContain('- **failed**: boom');
  });
});

describe('markdownSection', () => {
  const doc = '# B\n\n## One\n\na\n\n## Two\n\nb\n';
  it('returns a section up to the next one, or nothing when absent', () => {
    expect(markdownSection(doc, '## One')).toBe('## One\n\na');
    expect(markdownSection(doc, '## Two')).toBe('## Two\n\nb');
    expect(markdownSection(doc, '## Three')).toBe('');
    expect(markdownSection('## One\nx\n', '## One')).toBe('## One\nx');
  });
});

describe('formatRatio', () => {
  it('keeps about three significant digits', () => {
    expect(formatRatio(0.0112)).toBe('0.011');
    expect(formatRatio(0.256)).toBe('0.26');
    expect(formatRatio(12.34)).toBe('12.3');
    expect(formatRatio(250.4)).toBe('250');
  });
});
