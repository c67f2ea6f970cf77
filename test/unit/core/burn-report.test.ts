import { describe, expect, it } from 'vitest';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { outlookSentence } from '../../../functions/core/burn-text.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { aTotal } from '../../helpers/builders.js';

const fy = fiscalYearOf({ startMonth: 1, startDay: 1 }, '2026-03-31');

describe('burn report', () => {
  it('projects the trailing 28-day run-rate and dates exhaustion when no forecast is given', () => {
    // Prepare: $1,000/day for 90 days against a $120,000 budget
    const totals = eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, 1000));
    // Act
    const r = computeBurnReport({
      team: 'payments',
      name: 'Payments',
      budgetUsd: 120_000,
      fiscalYear: fy,
      asOf: '2026-03-31',
      totals,
      now: new Date(0),
    });
    // Assess
    expect(r.spentToDateUsd).toBe(90_000);
    expect(r.percentUsed).toBe(75);
    expect(r.outlook).toMatchObject({
      method: 'trailing-run-rate',
      status: 'critical',
      probabilityOfExhaustion: null,
    });
    expect(r.outlook.yearEndUsd.p50).toBe(365_000);
    expect(r.outlook.exhaustionDate.p50).toBe('2026-04-30');
    expect(outlookSentence(r)).toBe(
      'Payments will exhaust its $120,000 budget around 30 Apr, 245 days before year end.',
    );
  });

  it('ignores rows after the as-of date and splits by vendor exactly', () => {
    const totals = [
      aTotal('2026-03-30', 10.01),
      aTotal('2026-03-31', 0.02, { source: 'cursor', vendor: 'cursor', byModel: { composer: 20_000n } }),
      aTotal('2026-04-01', 999),
    ];
    const r = computeBurnReport({
      team: 'payments',
      name: 'Payments',
      budgetUsd: 1000,
      fiscalYear: fy,
      asOf: '2026-03-31',
      totals,
      now: new Date(0),
    });
    expect(r.spentToDateUsd).toBe(10.03);
    expect(r.byVendor).toEqual([
      { vendor: 'anthropic', usd: 10.01, share: 0.998 },
      { vendor: 'cursor', usd: 0.02, share: 0.002 },
    ]);
    expect(r.dataThrough).toBe('2026-03-31');
  });

  it('has no budget figures for unallocated spend', () => {
    const r = computeBurnReport({
      team: 'unallocated',
      name: 'Unallocated',
      budgetUsd: null,
      fiscalYear: fy,
      asOf: '2026-03-31',
      totals: [aTotal('2026-03-31', 5)],
      now: new Date(0),
    });
    expect(r.percentUsed).toBeNull();
    expect(r.outlook.status).toBe('ok');
  });
});
