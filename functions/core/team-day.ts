import type { IsoDay } from './dates.js';
import type { Micros } from './money.js';
import type { TeamDaySourceTotal } from './ports.js';
import { isBillable, type OutcomeCounts, type UsageRecord } from './usage.js';

/**
 * One team's spend from one source on one day, summed from its lines: the billable rule applied
 * once, here. Tokens, outcomes and active people count every line (detail lines carry them); money
 * counts only billable lines.
 */
export function summarizeTeamDay(
  source: string,
  date: IsoDay,
  team: string,
  lines: readonly UsageRecord[],
): TeamDaySourceTotal {
  let cost: Micros = 0n;
  const byModel: Record<string, Micros> = {};
  const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const outcomes: Record<string, number> = {};
  const users = new Set<string>();
  for (const l of lines) {
    if (l.identities.userEmail) users.add(l.identities.userEmail.toLowerCase());
    for (const [k, v] of Object.entries(l.outcomes ?? {})) outcomes[k] = (outcomes[k] ?? 0) + (v ?? 0);
    tokens.input += l.tokens?.input ?? 0;
    tokens.output += l.tokens?.output ?? 0;
    tokens.cacheRead += l.tokens?.cacheRead ?? 0;
    tokens.cacheWrite += l.tokens?.cacheWrite ?? 0;
    if (!isBillable(l)) continue;
    cost += l.costMicros;
    // The canonical model where the ingest found one (core/models.ts); else what the vendor wrote.
    const model = l.modelId ?? l.model ?? l.lineItem;
    byModel[model] = (byModel[model] ?? 0n) + l.costMicros;
  }
  return {
    team,
    date,
    source,
    vendor: lines[0]?.vendor ?? 'other',
    costMicros: cost,
    byModel,
    tokens,
    outcomes: outcomes as OutcomeCounts,
    activeUsers: users.size,
    lines: lines.length,
    provisional: lines.some((l) => l.provisional),
  };
}

/** Every team's total for one source-day, teams in name order. */
export function summarizeSourceDay(
  source: string,
  date: IsoDay,
  records: readonly UsageRecord[],
): TeamDaySourceTotal[] {
  const byTeam = new Map<string, UsageRecord[]>();
  for (const r of records) {
    const list = byTeam.get(r.team);
    if (list) list.push(r);
    else byTeam.set(r.team, [r]);
  }
  return [...byTeam.keys()]
    .sort()
    .map((team) => summarizeTeamDay(source, date, team, byTeam.get(team) ?? []));
}
