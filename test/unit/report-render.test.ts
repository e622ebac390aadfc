import { reportEmail, type ReportJson } from '../../src/reports/report';

const report: ReportJson = {
  scheduleId: '018f0000-0000-7000-8000-000000000001',
  generatedAt: '2026-10-19T07:00:00.000Z',
  days: 7,
  since: '2026-10-12T07:00:00.000Z',
  portfolio: { totalCampaigns: 3, activeCampaigns: 1, sent: 200, converted: 13, overallConversionRate: 0.065, revenue: 420.5, cost: 10, roas: 42.05 },
  topCampaignsMetric: 'CONVERSION_RATE',
  topCampaigns: [
    { campaign: { id: 'c1', name: 'Autumn sale' }, value: 0.1 },
    { campaign: { id: 'c2', name: 'Welcome' }, value: 0.03 },
  ],
  winners: [
    { campaign: { id: 'c1', name: 'Autumn sale' }, variant: { id: 'v2', name: 'B' }, source: 'AUTOMATIC', confidenceLevel: 0.97, reason: 'BAYESIAN test on CONVERSION_RATE at 95 % confidence', decidedAt: '2026-10-15T10:00:00.000Z' },
    // A manual winner's stored confidence is the evidence for the declared variant (0 here: it does not lead); it is not printed.
    { campaign: { id: 'c2', name: 'Welcome' }, variant: { id: 'v3', name: 'A' }, source: 'MANUAL', confidenceLevel: 0, reason: 'brand\n  voice', decidedAt: '2026-10-14T09:00:00.000Z' },
  ],
  optOuts: { total: 2, byChannel: [{ key: 'SMS', count: 2 }], bySource: [{ key: 'api', count: 1 }, { key: 'sms:twilio', count: 1 }], byKeyword: [{ key: '(none)', count: 1 }, { key: 'STOP', count: 1 }] },
};

describe('reportEmail', () => {
  it('renders subject and plain text from the report', () => {
    const { subject, text } = reportEmail(report);
    expect(subject).toBe('Splitcast report, last 7 days: 200 sent, 13 converted, 2 opt-outs');
    expect(text).toBe(
      [
        'Splitcast report: the last 7 days (2026-10-12 to 2026-10-19)',
        '',
        'Portfolio',
        '  Campaigns:        3 (1 running)',
        '  Sent:             200',
        '  Converted:        13 (6.50 %)',
        '  Revenue:          420.50',
        '  Cost:             10.00',
        '  ROAS:             42.05',
        '',
        'Top campaigns by conversion rate',
        '  1. Autumn sale: 10.00 %',
        '  2. Welcome: 3.00 %',
        '',
        'Tests decided',
        '  Autumn sale: B won (automatic, confidence 97.00 %) on 2026-10-15',
        '  Welcome: A won (declared manually: brand voice) on 2026-10-14',
        '',
        'Opt-outs: 2',
        '  By channel: SMS 2',
        '  By source:  api 1, sms:twilio 1',
        '  By keyword: (none) 1, STOP 1',
        '',
        'Generated at 2026-10-19T07:00:00.000Z.',
        '',
      ].join('\n'),
    );
  });
  it('says so when a section is empty, and uses the singular', () => {
    const empty: ReportJson = { ...report, days: 1, portfolio: { ...report.portfolio, roas: null }, topCampaigns: [], winners: [], optOuts: { total: 1, byChannel: [], bySource: [], byKeyword: [] } };
    const { subject, text } = reportEmail(empty);
    expect(subject).toBe('Splitcast report, last 1 day: 200 sent, 13 converted, 1 opt-out');
    expect(text).toContain('the last 1 day (');
    expect(text).toContain('  ROAS:             n/a');
    expect(text).toContain('Top campaigns by conversion rate\n  (no campaign sent in the window)');
    expect(text).toContain('Tests decided\n  (none)');
  });
});
