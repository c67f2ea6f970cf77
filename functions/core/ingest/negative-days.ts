import type { Micros } from '../money.js';
import { isBillable, type UsageRecord } from '../usage.js';

/** A team's day that credits or refunds took below zero. */
export interface NegativeDay {
  readonly team: string;
  readonly date: string;
  readonly micros: bigint;
}

/** Billable sums per team-day as records stream past; `days()` lists those below zero. */
export class NegativeDayTally {
  private readonly byTeamDay = new Map<string, { team: string; date: string; micros: Micros }>();

  add(records: readonly UsageRecord[]): void {
    for (const r of records) {
      if (!isBillable(r)) continue;
      const k = `${r.team}|${r.date}`;
      const acc = this.byTeamDay.get(k) ?? { team: r.team, date: r.date, micros: 0n };
      acc.micros += r.costMicros;
      this.byTeamDay.set(k, acc);
    }
  }

  days(): NegativeDay[] {
    return [...this.byTeamDay.values()]
      .filter((d) => d.micros < 0n)
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.team < b.team ? -1 : 1));
  }
}

/**
 * Team-days whose billable lines sum below zero (credits or refunds larger than the day's usage).
 * They are stored as the vendor or the file says, and every one is reported, never silently.
 */
export function negativeTeamDays(records: readonly UsageRecord[]): NegativeDay[] {
  const tally = new NegativeDayTally();
  tally.add(records);
  return tally.days();
}
