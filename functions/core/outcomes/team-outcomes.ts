import type { BurnReportInput } from '../burn-report.js';
import type { TeamCompleteness } from '../completeness.js';
import type { BurnwatchConfig } from '../config/schema.js';
import { addDays, type IsoDay } from '../dates.js';
import type { SourceDayManifest, TeamDaySourceTotal } from '../ports.js';
import { collectOrgActivity, idleSeatsByTeam, loadIdentityResolver, type OutcomeStore } from './collect.js';
import { computeTeamOutcomes, distinctActive } from './metrics.js';

export type { OutcomeStore } from './collect.js';

/**
 * What the burn report takes from the outcomes (issue 17) for one team. Who is over the per-engineer
 * cap is not an outcome: team-reports.ts reads it from the team's person costs.
 */
export type TeamOutcomeInput = Pick<
  BurnReportInput,
  'outcomes' | 'activeEngineers28d' | 'mergedPullRequestsReported'
> & { readonly people: Omit<NonNullable<BurnReportInput['people']>, 'overCap'> };

/**
 * Every team's outcomes as of `asOf`: the day totals each team's burn is computed from, plus the
 * people active per day and the idle seats, read once for the organization (collect.ts).
 */
export async function outcomesOfOrg(opts: {
  readonly config: BurnwatchConfig;
  readonly store: OutcomeStore;
  readonly asOf: IsoDay;
  readonly teams: ReadonlyArray<{ readonly id: string; readonly headcount?: number }>;
  readonly totalsByTeam: ReadonlyMap<string, readonly TeamDaySourceTotal[]>;
  readonly completenessByTeam: ReadonlyMap<string, TeamCompleteness>;
  readonly manifests: readonly SourceDayManifest[];
  /** The teams not in `teams`, for seat activity only (collectOrgActivity's `otherTeamsTotals`). */
  readonly otherTeamsTotals?: ReadonlyMap<string, readonly TeamDaySourceTotal[]>;
}): Promise<Map<string, TeamOutcomeInput>> {
  const { config, asOf } = opts;
  const resolver = await loadIdentityResolver(config, opts.store);
  const activity = await collectOrgActivity({
    config,
    store: opts.store,
    asOf,
    totalsByTeam: opts.totalsByTeam,
    resolver,
    manifests: opts.manifests,
    ...(opts.otherTeamsTotals ? { otherTeamsTotals: opts.otherTeamsTotals } : {}),
  });
  const seats = await idleSeatsByTeam({
    config,
    store: opts.store,
    asOf,
    manifests: opts.manifests,
    activity,
  });
  const github = new Set(config.sources.filter((s) => s.enabled && s.type === 'github').map((s) => s.id));
  const out = new Map<string, TeamOutcomeInput>();
  for (const team of opts.teams) {
    const days = activity.byTeam.get(team.id) ?? new Map<IsoDay, ReadonlySet<string>>();
    const unmatched = activity.unmatched.get(team.id) ?? [];
    const teamSeats = seats.get(team.id);
    const outcomes = computeTeamOutcomes({
      asOf,
      headcount: team.headcount ?? null,
      totals: opts.totalsByTeam.get(team.id) ?? [],
      estimatedDaily: opts.completenessByTeam.get(team.id)?.estimatedDaily ?? new Map(),
      mergedPullRequestsReported: github.size > 0,
      activity: days,
      idleSeats: teamSeats?.summary ?? [],
      unmatchedIdentities: unmatched.length,
    });
    out.set(team.id, {
      outcomes,
      activeEngineers28d: distinctActive(days, addDays(asOf, -27), asOf),
      mergedPullRequestsReported: github.size > 0,
      people: {
        idleSeats: teamSeats?.holders ?? [],
        unmatchedIdentities: [...unmatched],
      },
    });
  }
  return out;
}
