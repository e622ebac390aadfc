/** The Analytics section's view logic (web/src/analytics/model.ts), against hand-computed values. */
import {
  answeredVariables,
  bucketLabel,
  campaignsLine,
  channelRows,
  cohortGrid,
  formatMoney,
  formatRankValue,
  hasTestPage,
  isEmptyPortfolio,
  kpis,
  roiPercent,
  scopeText,
  trend,
} from '../../web/src/analytics/model';
import type { DashPortfolioFragment } from '../../web/src/generated/graphql';

const portfolio = (p: Partial<DashPortfolioFragment> = {}): DashPortfolioFragment => ({
  totalCampaigns: 0,
  activeCampaigns: 0,
  sent: 0,
  converted: 0,
  overallConversionRate: 0,
  revenue: 0,
  cost: 0,
  roas: null,
  ...p,
});

describe('KPIs', () => {
  it('reads a portfolio: counts, rate, amounts, ROAS as a multiple, ROI in percent', () => {
    // 1,250 sent, 50 converted: 4 %; revenue 1,500, cost 400: ROAS 3.75×, ROI (1500 − 400) / 400 = 275 %.
    const p = portfolio({ totalCampaigns: 2, sent: 1250, converted: 50, overallConversionRate: 0.04, revenue: 1500, cost: 400, roas: 3.75 });
    expect(Object.fromEntries(kpis(p).map((k) => [k.id, k.value]))).toEqual({
      sent: '1,250',
      conversions: '50',
      'conversion-rate': '4.0 %',
      revenue: '1,500.00',
      cost: '400.00',
      roas: '3.75×',
      roi: '275.0 %',
    });
  });

  it('has no ROAS or ROI without cost (a dash, not infinity), and a loss as a negative ROI', () => {
    const free = kpis(portfolio({ totalCampaigns: 1, sent: 3, revenue: 20 }));
    expect(free.find((k) => k.id === 'roas')!.value).toBe('—');
    expect(free.find((k) => k.id === 'roi')!.value).toBe('—');
    expect(roiPercent(20, 0)).toBeNull();
    expect(roiPercent(30, 40)).toBe(-25);
  });

  it('counts campaigns in words', () => {
    expect(campaignsLine(portfolio({ totalCampaigns: 1, activeCampaigns: 1 }))).toBe('1 campaign, 1 running now.');
    expect(campaignsLine(portfolio({ totalCampaigns: 3 }))).toBe('3 campaigns, 0 running now.');
  });

  it('calls a window without campaigns and without sends empty', () => {
    expect(isEmptyPortfolio(portfolio())).toBe(true);
    expect(isEmptyPortfolio(portfolio({ totalCampaigns: 1 }))).toBe(false);
    expect(isEmptyPortfolio(portfolio({ sent: 1 }))).toBe(false);
  });
});

describe('trend', () => {
  it('turns buckets into chart series: unix seconds, counts, a rate only where something was sent', () => {
    const t = trend([
      { start: '2026-03-27T00:00:00.000Z', sent: 8, converted: 2, revenue: 30 },
      { start: '2026-03-28T00:00:00.000Z', sent: 0, converted: 1, revenue: 10 },
      { start: '2026-03-29T00:00:00.000Z', sent: 0, converted: 0, revenue: 0 },
    ]);
    expect(t.x).toEqual([1774569600, 1774656000, 1774742400]);
    expect(t.sent).toEqual([8, 0, 0]);
    expect(t.converted).toEqual([2, 1, 0]);
    expect(t.conversionRate).toEqual([0.25, null, null]);
    expect(t.revenue).toEqual([30, 10, 0]);
    expect(t.active).toBe(true);
  });

  it('is inactive when every bucket is zero (the screen says so instead of flat lines)', () => {
    expect(trend([{ start: '2026-03-27T00:00:00.000Z', sent: 0, converted: 0, revenue: 0 }]).active).toBe(false);
    expect(trend([]).active).toBe(false);
  });

  it('names buckets in the workspace time zone: 23:00Z on 29 March is 30 March in Lisbon summer time', () => {
    const monday = Date.parse('2026-03-29T23:00:00Z') / 1000;
    expect(bucketLabel(monday, 'DAY', 'Europe/Lisbon')).toBe('30 Mar 2026');
    expect(bucketLabel(monday, 'WEEK', 'Europe/Lisbon')).toBe('week of 30 Mar 2026');
    expect(bucketLabel(monday, 'DAY', 'UTC')).toBe('29 Mar 2026');
    expect(bucketLabel(Date.parse('2026-03-31T23:00:00Z') / 1000, 'MONTH', 'Europe/Lisbon')).toBe('Apr 2026');
    expect(bucketLabel(Date.parse('2026-01-05T07:00:00Z') / 1000, 'HOUR', 'UTC')).toBe('5 Jan 2026, 07:00');
  });
});

describe('channels', () => {
  it('lists channels with campaigns, most sent first', () => {
    const rows = channelRows({
      sms: portfolio({ totalCampaigns: 2, sent: 10, converted: 1, overallConversionRate: 0.1 }),
      whatsapp: portfolio(),
      email: portfolio({ totalCampaigns: 1, sent: 40, converted: 2, overallConversionRate: 0.05, revenue: 9, cost: 3, roas: 3 }),
    });
    expect(rows.map((r) => [r.channel, r.label, r.campaigns, r.sent, r.roas])).toEqual([
      ['EMAIL', 'Email', 1, 40, 3],
      ['SMS', 'SMS', 2, 10, null],
    ]);
  });
});

describe('rankings', () => {
  it('formats each metric as it reads', () => {
    expect(formatRankValue('CONVERSION_RATE', 1 / 3)).toBe('33.3 %');
    expect(formatRankValue('RESPONSE_RATE', 0)).toBe('0.0 %');
    expect(formatRankValue('REVENUE', 1234.5)).toBe('1,234.50');
    expect(formatRankValue('ROAS', 150 / 4.07)).toBe('36.86×');
    expect(formatRankValue('ROI', 3585.5)).toBe('3585.5 %');
    expect(formatMoney(0.005)).toBe('0.01');
  });

  it('links experiments to their test page, not standard campaigns', () => {
    expect(hasTestPage('AB_TEST')).toBe(true);
    expect(hasTestPage('BANDIT')).toBe(true);
    expect(hasTestPage('STANDARD')).toBe(false);
  });
});

describe('cohorts', () => {
  it('builds the triangle oldest first; weeks a cohort has not reached are empty, not 0 %', () => {
    const grid = cohortGrid([
      { weekStart: '2026-03-30T00:00:00Z', contacts: 4, weeks: [{ week: 0, converted: 1, rate: 0.25 }] },
      {
        weekStart: '2026-03-23T00:00:00Z',
        contacts: 3,
        weeks: [
          { week: 0, converted: 0, rate: 0 },
          { week: 1, converted: 2, rate: 2 / 3 },
        ],
      },
    ]);
    expect(grid.columns).toBe(2);
    expect(grid.rows).toEqual([
      { weekStart: '2026-03-23T00:00:00Z', contacts: 3, cells: ['0.0 % (0)', '66.7 % (2)'] },
      { weekStart: '2026-03-30T00:00:00Z', contacts: 4, cells: ['25.0 % (1)', null] },
    ]);
    expect(cohortGrid([])).toEqual({ columns: 0, rows: [] });
  });
});

describe('labels of the shown result', () => {
  it('names the period and channel as people write them', () => {
    expect(scopeText(30, null)).toBe('the last 30 days');
    expect(scopeText(7, 'WHATSAPP')).toBe('the last 7 days, WhatsApp only');
  });

  it('takes the variables of the result on screen, not the newly chosen ones, while the next one loads', () => {
    // Chose 7 days; the 30-day result (its operation) is still shown.
    expect(answeredVariables({ variables: { days: 30, channel: null } }, { days: 7, channel: null })).toEqual({ days: 30, channel: null });
    // Nothing answered yet: the chosen variables.
    expect(answeredVariables(undefined, { days: 7, channel: 'SMS' })).toEqual({ days: 7, channel: 'SMS' });
  });
});
