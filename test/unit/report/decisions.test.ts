import { describe, expect, it } from 'vitest';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { renderReportHtml } from '../../../functions/core/report/report-html.js';
import { aTotal } from '../../helpers/builders.js';

const asOf = '2026-05-15';
const fy = fiscalYearOf({ startMonth: 1, startDay: 1 }, asOf);

function reportHtml(over: Partial<Parameters<typeof computeBurnReport>[0]>): string {
  const totals = eachDay(fy.start, asOf).map((d) => aTotal(d, 1_000));
  const report = computeBurnReport({
    team: 'payments',
    name: 'Payments',
    budgetUsd: 400_000,
    fiscalYear: fy,
    asOf,
    totals,
    now: new Date('2026-05-16T07:00:00Z'),
    ...over,
  });
  const completeness = {
    status: 'complete' as const,
    sources: [],
    estimatedUsd: 0,
    estimatedDaily: new Map(),
    estimateSdUsd: 0,
  };
  return renderReportHtml({
    organization: 'Acme',
    asOf,
    burns: [{ report, totals, daily: [], completeness }],
    unmatched: [],
    generatedAt: '2026-05-16T07:00:00.000Z',
  });
}

describe('the report says what finance decided', () => {
  it('shows a phased budget against the quarter, a budget moved in Slack and the planned changes', () => {
    // $1,000 a day from 1 Jan; 10/40/25/25 of $400,000: Q2 is $160,000, $45,000 spent by 15 May.
    const html = reportHtml({
      budgetPhasing: [10, 40, 25, 25],
      budgetChange: {
        from: '2026-04-01',
        by: 'dana',
        reason: 'moved $20k from Web',
        at: '2026-04-01T09:00:00Z',
      },
      plans: [
        {
          id: 'p1',
          label: '+5 engineers from 1 Jun',
          text: 'hiring',
          from: '2026-06-01',
          by: 'priya',
          at: '2026-05-10T10:00:00Z',
          applied: true,
        },
      ],
    });
    expect(html).toContain('Budget $400,000 from 1 Apr (set by dana: moved $20k from Web)');
    expect(html).toContain('Q2 budget $160,000, $45,000 spent; $15,879 over the phased budget to date');
    expect(html).toContain('Planned changes in the outlook: +5 engineers from 1 Jun (priya)');
  });

  it('says nothing of budgets or plans where none were decided', () => {
    const html = reportHtml({});
    expect(html).not.toContain('phased budget');
    expect(html).not.toContain('Planned changes');
  });
});
