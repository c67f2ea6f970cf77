import { sumMicros } from '../money.js';
import { isBillable, type UsageRecord } from '../usage.js';

/** A team's day that credits or refunds took below zero. */
export interface NegativeDay {
  readonly team: string;
  readonly date: string;
  readonly micros: bigint;
}

/**
 * Team-days whose billable lines sum below zero (credits or refunds larger than the day's usage).
 * They are stored as the vendor or the file says, and every one is reported, never silently.
 */
export function negativeTeamDays(records: readonly UsageRecord[]): NegativeDay[] {
  const byTeamDay = new Map<string, { team: string; date: string; micros: bigint[] }>();
  for (const r of records) {
    if (!isBillable(r)) continue;
    const k = `${r.team}|${r.date}`;
    const acc = byTeamDay.get(k) ?? { team: r.team, date: r.date, micros: [] };
    acc.micros.push(r.costMicros);
    byTeamDay.set(k, acc);
  }
  return [...byTeamDay.values()]
    .map((d) => ({ team: d.team, date: d.date, micros: sumMicros(d.micros) }))
    .filter((d) => d.micros < 0n)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.team < b.team ? -1 : 1));
}
