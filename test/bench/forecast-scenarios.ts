import { addDays, dayOfWeek, diffDays } from '../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../functions/core/fiscal-calendar.js';
import type { DailySpend } from '../../functions/core/forecast/types.js';
import { companyHolidays } from '../../functions/core/holidays.js';
import { hashSeed, mulberry32, normal } from '../../functions/core/random.js';

export interface Scenario {
  readonly name: string;
  readonly fiscalYearStart: string;
  readonly annualBudgetUsd: number;
  readonly actualYearEndUsd: number;
  readonly actualExhaustionDate: string | null;
  readonly quietFrom: string | null;
  readonly daily: DailySpend[];
}

/**
 * A slow wobble of a team's level (log scale): day to day it is an AR(1) with this persistence, so a
 * deviation lasts about three weeks (1 / (1 − 0.95) = 20 days), and its stationary sd is this share.
 */
const WOBBLE_PERSISTENCE = 0.95;
const WOBBLE_SD = 0.05;

/** The first day cumulative spend passes `budget` (null: never): a year's labelled exhaustion. */
export function exhaustionDate(daily: readonly DailySpend[], budget: number): string | null {
  let cum = 0;
  for (const d of daily) {
    cum += d.usd;
    if (cum > budget) return d.date;
  }
  return null;
}

/**
 * Extra scenarios, not tuned on, with other shapes and fiscal calendars (forecasting-research.md §7):
 * they guard against a method that only fits the public ten.
 *
 * `wobble`: the same years with a persistent level wobble on top of the independent day-to-day noise.
 * Real daily series of human activity drift in and out of busy weeks (a deadline, a holiday season, an
 * experiment), so their weekly levels are positively autocorrelated; with independent daily noise
 * alone a method that reacts fast (short windows, a trend read from recent weeks) looks better than it
 * is. The wobble has its own random stream, so the day-to-day noise is the same draw as without it.
 */
export function generatedScenarios({ wobble = false }: { wobble?: boolean } = {}): Scenario[] {
  const specs: Array<{
    name: string;
    start: string;
    budgetRatio: number;
    level: (t: number, r: () => number) => number;
    sigma?: number;
    quietDay?: number;
  }> = [
    { name: 'gen-flat-jul', start: '2026-07-01', budgetRatio: 1.15, level: () => 900 },
    { name: 'gen-compound-apr', start: '2026-04-01', budgetRatio: 0.75, level: (t) => 400 * 3 ** (t / 365) },
    {
      name: 'gen-scurve-late-jul',
      start: '2026-07-01',
      budgetRatio: 0.6,
      level: (t) => 300 * (1 + 4 / (1 + Math.exp(-(t - 150) / 14))),
    },
    // Over budget pace until spend drops by 70% on day 200: quiet only once the drop has had four weeks.
    {
      name: 'gen-step-down-oct',
      start: '2026-10-01',
      budgetRatio: 1.3,
      level: (t) => (t < 200 ? 1500 : 450),
      quietDay: 228,
    },
    {
      name: 'gen-decline-feb',
      start: '2026-02-01',
      budgetRatio: 1.05,
      level: (t) => 1200 * (1 - (0.5 * t) / 365),
    },
    {
      name: 'gen-new-team-apr',
      start: '2026-04-01',
      budgetRatio: 0.8,
      level: (t) => (t < 120 ? 0 : 600 * Math.min(2, 1 + (t - 120) / 56)),
    },
    {
      name: 'gen-intermittent-jan',
      start: '2027-01-01',
      budgetRatio: 1.1,
      level: (_t, r) => (r() < 0.6 ? 250 : 0),
      sigma: 0.5,
    },
    {
      name: 'gen-steps-up-jul',
      start: '2026-07-01',
      budgetRatio: 0.85,
      level: (t) => 500 * (t < 90 ? 1 : t < 200 ? 1.6 : 2.4),
    },
    { name: 'gen-linear-oct', start: '2026-10-01', budgetRatio: 0.8, level: (t) => 200 * (1 + t / 365) },
    // December dip (Dec 20 – Jan 2 at 40%) inside a fiscal year starting in April.
    {
      name: 'gen-dec-dip-apr',
      start: '2026-04-01',
      budgetRatio: 1.02,
      level: (t) => 700 * (1 + (0.2 * t) / 365) * (t >= 263 && t <= 276 ? 0.4 : 1),
    },
    // A 50% price increase on day 180: the alert must come after it, not before.
    {
      name: 'gen-price-up-jan',
      start: '2027-01-01',
      budgetRatio: 1.2,
      level: (t) => 800 * (t < 180 ? 1 : 1.5),
    },
    // Runaway agent loops: 20× spend on one day every ~70 days; flat otherwise, under budget.
    {
      name: 'gen-loops-jul',
      start: '2026-07-01',
      budgetRatio: 1.2,
      level: (t) => 600 * (t % 71 === 40 ? 20 : 1),
    },
    {
      name: 'gen-step-120-jan',
      start: '2027-01-01',
      budgetRatio: 1,
      level: (t) => 400 * (t < 120 ? 1 : 2.5),
    },
  ];
  return specs.map((spec) => {
    const fy = fiscalYearFromStart(spec.start);
    const rand = mulberry32(hashSeed(spec.name));
    const wobbleRand = mulberry32(hashSeed(`${spec.name}-wobble`));
    const innovation = WOBBLE_SD * Math.sqrt(1 - WOBBLE_PERSISTENCE ** 2);
    let drift = 0;
    const daily: DailySpend[] = [];
    const holidays = new Set(companyHolidays('us', fy.start, fy.end));
    for (let t = 0; t < fy.days; t++) {
      const date = addDays(fy.start, t);
      const dow = dayOfWeek(date);
      const rhythm = holidays.has(date) ? 0.2 : dow === 0 || dow === 6 ? 0.3 : 1;
      if (wobble) drift = WOBBLE_PERSISTENCE * drift + innovation * normal(wobbleRand);
      const usd = spec.level(t, rand) * rhythm * Math.exp((spec.sigma ?? 0.15) * normal(rand) + drift);
      daily.push({ date, usd: Math.round(usd * 100) / 100 });
    }
    const total = daily.reduce((a, d) => a + d.usd, 0);
    const budget = Math.round(total * spec.budgetRatio);
    const exhaustion = exhaustionDate(daily, budget);
    // Quiet from the day the remaining plausible spend can no longer reach the budget: for teams ending
    // under 90% of budget, from day 28; otherwise no fair quiet date.
    const quietFrom = spec.budgetRatio >= 1.1 ? addDays(fy.start, spec.quietDay ?? 27) : null;
    return {
      name: wobble ? `${spec.name}~w` : spec.name,
      fiscalYearStart: fy.start,
      annualBudgetUsd: budget,
      actualYearEndUsd: Math.round(total * 100) / 100,
      actualExhaustionDate: exhaustion && diffDays(exhaustion, fy.end) >= 0 ? exhaustion : null,
      quietFrom,
      daily,
    };
  });
}
