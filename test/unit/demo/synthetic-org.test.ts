import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAttributor } from '../../../functions/core/attribution.js';
import { parseConfigText } from '../../../functions/core/config/load.js';
import { dayOfWeek, eachDay } from '../../../functions/core/dates.js';
import { SyntheticOrg } from '../../../functions/demo/synthetic-org.js';

const config = parseConfigText(readFileSync('burnwatch.config.example.json', 'utf8'));

/** Billable spend per team per day from every source, attributed with the example config's rules. */
function teamDaily(org: SyntheticOrg, from: string, to: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const source of config.sources) {
    const attribute = createAttributor(source.attribution);
    for (const line of org.lines(source.type as 'anthropic', { from, to })) {
      if (line.billable === false) continue;
      const team = attribute(line.identities);
      const days = out.get(team) ?? new Map<string, number>();
      days.set(line.date, (days.get(line.date) ?? 0) + Number(line.costMicros) / 1e6);
      out.set(team, days);
    }
  }
  return out;
}

describe('synthetic org', () => {
  it('gives the same lines for a day whatever range it is asked for', () => {
    const org = new SyntheticOrg({ config, seed: 7 });
    const alone = org.lines('cursor', { from: '2026-03-10', to: '2026-03-10' });
    const inRange = org
      .lines('cursor', { from: '2026-03-01', to: '2026-03-31' })
      .filter((l) => l.date === '2026-03-10');
    expect(inRange).toEqual(alone);
  });

  it('has the shapes the demo promises: a four-month surge, a spike, weekday rhythm, unallocated spend', () => {
    const daily = teamDaily(new SyntheticOrg({ config }), '2026-01-01', '2026-06-30');
    // Payments exhausts its budget in about four months.
    let cum = 0;
    let exhausted: string | undefined;
    for (const day of eachDay('2026-01-01', '2026-06-30')) {
      cum += daily.get('payments')?.get(day) ?? 0;
      if (!exhausted && cum > 240_000) exhausted = day;
    }
    expect(exhausted && exhausted >= '2026-04-15' && exhausted <= '2026-05-20').toBe(true);
    // The runaway agent loop: search spends far above its usual level on two days in March.
    const search = daily.get('search') ?? new Map<string, number>();
    const spikeDays = [...search].filter(([, usd]) => usd > 20_000).map(([d]) => d);
    expect(spikeDays).toHaveLength(2);
    // Weekends are quieter than weekdays.
    const platform = [...(daily.get('platform') ?? new Map<string, number>())];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const weekend = mean(platform.filter(([d]) => [0, 6].includes(dayOfWeek(d))).map(([, v]) => v));
    const weekday = mean(platform.filter(([d]) => ![0, 6].includes(dayOfWeek(d))).map(([, v]) => v));
    expect(weekend / weekday).toBeLessThan(0.4);
    // Some spend matches no rule.
    expect([...(daily.get('unallocated') ?? new Map()).values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(
      1000,
    );
  });
});
