import { describe, expect, it } from 'vitest';
import { renderBurnupSvg } from '../../../functions/core/chart/burnup-svg.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';

describe('burn-up chart', () => {
  const fy = fiscalYearOf({ startMonth: 7, startDay: 1 }, '2026-09-30');
  const svg = renderBurnupSvg({
    title: 'Payments <FY>',
    fiscalYear: fy,
    budgetUsd: 240_000,
    actual: [
      { date: '2026-07-01', cumulativeUsd: 1000 },
      { date: '2026-09-30', cumulativeUsd: 150_000 },
    ],
    band: [
      { date: '2026-10-01', p10: 150_500, p50: 151_000, p90: 152_000 },
      { date: '2027-06-30', p10: 400_000, p50: 500_000, p90: 650_000 },
    ],
    exhaustion: { p10: '2026-11-01', p50: '2026-11-20', p90: '2026-12-15' },
  });

  it('is standalone SVG with the budget, band, actual line and exhaustion marker', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('budget $240k');
    expect(svg).toContain('<polygon'); // P10–P90 band
    expect(svg.match(/<polyline/g)).toHaveLength(2); // actual and P50
    expect(svg).toContain('runs out ~20 Nov');
    expect(svg).not.toMatch(/<script|href=/);
  });

  it('labels months from the fiscal year start and escapes text', () => {
    const months = [...svg.matchAll(/text-anchor="middle" fill="#6b7280">(\w{3})</g)].map((m) => m[1]);
    expect(months.slice(0, 3)).toEqual(['Jul', 'Aug', 'Sep']);
    expect(svg).toContain('Payments &lt;FY&gt;');
  });
});
