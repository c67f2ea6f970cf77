import { cumulativePath } from '../../functions/core/forecast/combination.js';
import { forecastParts } from '../../functions/core/forecast/engine.js';
import { backtestOrigins, baseline, median } from './forecast-metrics.js';
import type { Scenario } from './forecast-scenarios.js';

/**
 * `npm run bench:forecast -- --members`: why the combination wins or loses, per scenario. At the same
 * as-of dates as the backtest, the median year-end error of each member on its own (spend to date +
 * its path + recurring spikes, what the combination weighs), of the combination and of the trailing-28
 * run-rate, each member's mean weight, and the median signed log(truth ÷ forecast) of the combination
 * and the run-rate (positive: under-forecast). A member that is right alone but weighed little is a
 * weighting problem; a scenario where every member loses to the run-rate needs a better member.
 */
export function memberReport(title: string, scenarios: readonly Scenario[]): void {
  console.log(`\n${title}`);
  let names: string[] = [];
  const pooled = new Map<string, number[]>();
  const push = (key: string, v: number) => pooled.set(key, [...(pooled.get(key) ?? []), v]);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(8);
  const width = Math.max(26, ...scenarios.map((s) => s.name.length + 1));
  scenarios.forEach((sc, index) => {
    const { fy, holidays, origins } = backtestOrigins(sc);
    const errors = new Map<string, number[]>();
    const add = (key: string, v: number) => errors.set(key, [...(errors.get(key) ?? []), v]);
    const weights: number[] = [];
    const bias = { bw: [] as number[], rr28: [] as number[] };
    let dates = 0;
    for (const asOf of origins) {
      const parts = forecastParts({
        daily: sc.daily,
        budgetUsd: sc.annualBudgetUsd,
        fiscalYear: fy,
        asOf,
        holidays,
      });
      if (!parts) continue;
      const { series: s, combination: c } = parts;
      const future = s.N - s.n;
      const truth = sc.actualYearEndUsd;
      const ape = (v: number) => Math.abs(v - truth) / truth;
      names = c.members.map((m) => m.name);
      c.members.forEach((m, j) => {
        const path = future > 0 ? (cumulativePath(m.path, s.mult, s.n, future)[future - 1] ?? 0) : 0;
        add(m.name, ape(s.spent + path + s.recurringSpikes * future));
        weights[j] = (weights[j] ?? 0) + m.weight;
      });
      const bw = s.spent + (c.cumulative[future - 1] ?? 0);
      const rr = baseline('rr-28', sc.daily, fy.start, asOf, fy.days);
      add('combination', ape(bw));
      add('rr-28', ape(rr));
      bias.bw.push(Math.log(truth / bw));
      bias.rr28.push(Math.log(truth / rr));
      dates++;
    }
    const columns = [...names, 'combination', 'rr-28'];
    if (index === 0)
      console.log(
        `${'scenario'.padEnd(width)}${columns.map((n) => n.padStart(16)).join('')}   ${'mean weights'.padEnd(names.length * 5)}  bias bw   rr-28`,
      );
    for (const key of columns) for (const v of errors.get(key) ?? []) push(key, v);
    console.log(
      `${sc.name.padEnd(width)}${columns.map((n) => pct(median(errors.get(n) ?? [])).padStart(16)).join('')}   ${weights.map((w) => (w / Math.max(dates, 1)).toFixed(2)).join('/')}  ${pct(median(bias.bw))}${pct(median(bias.rr28))}`,
    );
  });
  const columns = [...names, 'combination', 'rr-28'];
  console.log(
    `${'OVERALL'.padEnd(width)}${columns.map((n) => pct(median(pooled.get(n) ?? [])).padStart(16)).join('')}`,
  );
}
