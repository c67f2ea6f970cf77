import type { BurnReport } from '../burn-report.js';
import { addDays, diffDays } from '../dates.js';
import { fiscalYearFromStart } from '../fiscal-calendar.js';
import type { DailySpend, Forecast } from '../forecast/types.js';
import type { BurnupChartInput } from './burnup-svg.js';

/**
 * Chart input for a team: cumulative actual from its daily spend, and the outlook band from the
 * forecast (or, for the run-rate outlook, a straight line to its year-end figure).
 */
export function burnupChartInput(
  report: BurnReport,
  daily: readonly DailySpend[],
  forecast?: Forecast,
): BurnupChartInput {
  const fy = fiscalYearFromStart(report.fiscalYear.start);
  let cum = 0;
  const actual = [...daily]
    .sort((a, b) => (a.date < b.date ? -1 : 1))
    .map((d) => {
      cum += d.usd;
      return { date: d.date, cumulativeUsd: cum };
    });
  // The outlook starts from stored spend plus the estimate of days not delivered yet.
  const known = report.spentToDateUsd + report.estimatedUsd;
  const start = { date: report.asOf, p10: known, p50: known, p90: known };
  const behind = report.sources.filter((s) => s.estimatedDays > 0);
  const estimatedDays = Math.max(0, ...behind.map((s) => s.estimatedDays));
  const from = behind.map((s) => (s.completeThrough ? addDays(s.completeThrough, 1) : fy.start)).sort()[0];
  const estimated = from && estimatedDays > 0 ? { from, to: report.asOf, days: estimatedDays } : undefined;
  let band: BurnupChartInput['band'];
  if (forecast) band = [start, ...forecast.band];
  else {
    const days = diffDays(report.asOf, fy.end);
    const perDay = days > 0 ? (report.outlook.yearEndUsd.p50 - known) / days : 0;
    band = [
      start,
      ...Array.from({ length: days }, (_, i) => {
        const v = known + perDay * (i + 1);
        return { date: addDays(report.asOf, i + 1), p10: v, p50: v, p90: v };
      }),
    ];
  }
  return {
    title: `${report.name} — ${report.fiscalYear.label} burn-up`,
    fiscalYear: fy,
    budgetUsd: report.budgetUsd,
    actual,
    band,
    exhaustion: report.outlook.exhaustionDate,
    outlookLabel: report.outlook.method === 'forecast' ? 'forecast P50' : 'trailing 28-day run-rate',
    ...(estimated ? { estimated } : {}),
  };
}
