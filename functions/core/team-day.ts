import type { IsoDay } from './dates.js';
import type { Micros } from './money.js';
import type { TeamDaySourceTotal } from './ports.js';
import { isBillable, type OutcomeCounts, type UsageRecord, type Vendor } from './usage.js';

/**
 * One team's spend from one source on one day, summed from its lines as they stream past (page by
 * page, any order): the billable rule applied once, here. Tokens, outcomes and active people count
 * every line (detail lines carry them); money counts only billable lines.
 */
export class TeamDayTally {
  private cost: Micros = 0n;
  private readonly byModel: Record<string, Micros> = {};
  private readonly tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  private readonly outcomes: Record<string, number> = {};
  private readonly users = new Set<string>();
  private vendor: Vendor | undefined;
  private lines = 0;
  private provisional = false;

  constructor(
    private readonly source: string,
    private readonly date: IsoDay,
    private readonly team: string,
  ) {}

  add(l: UsageRecord): void {
    this.vendor ??= l.vendor;
    this.lines++;
    if (l.provisional) this.provisional = true;
    if (l.identities.userEmail) this.users.add(l.identities.userEmail.toLowerCase());
    for (const [k, v] of Object.entries(l.outcomes ?? {})) {
      // Acceptances make a rate only beside the suggestions shown with them: a line without that
      // count would put its acceptances over another line's suggestions (more than 100%).
      if (k === 'acceptances' && l.outcomes?.suggestionsShown === undefined) continue;
      this.outcomes[k] = (this.outcomes[k] ?? 0) + (v ?? 0);
    }
    this.tokens.input += l.tokens?.input ?? 0;
    this.tokens.output += l.tokens?.output ?? 0;
    this.tokens.cacheRead += l.tokens?.cacheRead ?? 0;
    this.tokens.cacheWrite += l.tokens?.cacheWrite ?? 0;
    if (!isBillable(l)) return;
    this.cost += l.costMicros;
    // The canonical model where the ingest found one (core/models.ts); else what the vendor wrote.
    const model = l.modelId ?? l.model ?? l.lineItem;
    this.byModel[model] = (this.byModel[model] ?? 0n) + l.costMicros;
  }

  total(): TeamDaySourceTotal {
    return {
      team: this.team,
      date: this.date,
      source: this.source,
      vendor: this.vendor ?? 'other',
      costMicros: this.cost,
      byModel: { ...this.byModel },
      tokens: { ...this.tokens },
      outcomes: { ...this.outcomes } as OutcomeCounts,
      activeUsers: this.users.size,
      lines: this.lines,
      provisional: this.provisional,
    };
  }
}

/** One team's total for one source-day from all its lines. */
export function summarizeTeamDay(
  source: string,
  date: IsoDay,
  team: string,
  lines: readonly UsageRecord[],
): TeamDaySourceTotal {
  const tally = new TeamDayTally(source, date, team);
  for (const l of lines) tally.add(l);
  return tally.total();
}

/** Every team's total for one source-day, teams in name order. */
export function summarizeSourceDay(
  source: string,
  date: IsoDay,
  records: readonly UsageRecord[],
): TeamDaySourceTotal[] {
  const tallies = new Map<string, TeamDayTally>();
  for (const r of records) {
    const tally = tallies.get(r.team) ?? new TeamDayTally(source, date, r.team);
    tallies.set(r.team, tally);
    tally.add(r);
  }
  return [...tallies.keys()].sort().map((team) => (tallies.get(team) as TeamDayTally).total());
}
