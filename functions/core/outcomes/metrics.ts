import * as z from 'zod';
import { addDays, eachDay, type IsoDay, isIsoDay } from '../dates.js';
import { resolveModel } from '../models.js';
import { type Micros, microsToCentsNumber, usdToMicros } from '../money.js';
import type { TeamDaySourceTotal } from '../ports.js';

/**
 * What a team's AI spend bought, per week, as defined in docs/outcomes.md: spend per merged pull
 * request (and the AI-assisted share of them), per accepted AI line, per active engineer, adoption,
 * the flagship-model share of model spend, and idle paid seats. Figures are per team, never per
 * person; the only per-person detail (who holds an idle seat) goes to `people` in the burn report,
 * for the viewers config.privacy allows, in name order.
 */

const isoDay = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
const ratio = z.number().nullable();

/** The figures of one window (a week, or four of them). Ratios are null where the divisor is 0. */
export const outcomeFiguresSchema = z.object({
  /** The team's AI spend in the window, all vendors, estimated days included (USD). */
  spendUsd: z.number(),
  /** Pull requests merged by the team's members (the `github` source); null without one. */
  mergedPullRequests: z.number().int().nullable(),
  /** Of them, the ones a vendor marks AI-assisted (or an AI agent opened). */
  aiAssistedPullRequests: z.number().int().nullable(),
  /** AI-assisted ÷ merged, 0–1. */
  aiAssistedShare: ratio,
  /** Lines added from AI suggestions or agent edits the developer kept (Cursor, Copilot, Claude Code). */
  acceptedLines: z.number().int(),
  /** Distinct people with any AI activity, across all vendors (a week: that week). */
  activeEngineers: z.number().int(),
  spendPerMergedPrUsd: ratio,
  spendPerAcceptedLineUsd: ratio,
  /** Spend ÷ active engineers of each week (for four weeks: ÷ the sum of the weekly counts). */
  spendPerActiveEngineerUsd: ratio,
  /** Active engineers ÷ headcount (four weeks: the mean of the weeks); null without a headcount. */
  adoption: ratio,
  /** Spend on flagship-tier models ÷ spend that names a model of known tier (core/models.ts). */
  flagshipShare: ratio,
  /**
   * Agent edits kept: edits an AI agent proposed that were accepted ÷ those accepted or rejected
   * (Claude Code's edit tools, Cursor's agent diffs). Null where no vendor reports them (and in
   * summaries stored before the figure existed).
   */
  editAcceptance: ratio.default(null),
  /** AI suggestions accepted ÷ suggestions shown (Copilot, Cursor Tab); null where none reported. */
  suggestionAcceptance: ratio.default(null),
});
export type OutcomeFigures = z.infer<typeof outcomeFiguresSchema>;

export const outcomeWeekSchema = outcomeFiguresSchema.extend({ weekStart: isoDay, weekEnd: isoDay });
export type OutcomeWeek = z.infer<typeof outcomeWeekSchema>;

export const SEAT_VENDORS = ['copilot', 'cursor'] as const;
export type SeatVendor = (typeof SEAT_VENDORS)[number];

export const idleSeatsSchema = z.object({
  vendor: z.enum(SEAT_VENDORS),
  /** Paid seats the team holds as of as-of. */
  seats: z.number().int(),
  /** Of them, seats with no activity with that vendor in the 30 days to as-of. */
  idle: z.number().int(),
  /** What the idle seats cost a month (seats × the configured monthly price). */
  monthlyUsd: z.number(),
});
export type IdleSeats = z.infer<typeof idleSeatsSchema>;

/** Last four weeks ÷ the four before, less one (0.38 = up 38%); null where either side is null or 0. */
export const outcomeChangeSchema = z.object({
  spend: ratio,
  spendPerMergedPr: ratio,
  spendPerAcceptedLine: ratio,
  spendPerActiveEngineer: ratio,
  adoption: ratio,
  aiAssistedShare: ratio,
  flagshipShare: ratio,
  editAcceptance: ratio.default(null),
  suggestionAcceptance: ratio.default(null),
});

export const teamOutcomesSchema = z.object({
  /** The 12 weeks (7 days each) ending on as-of, oldest first. */
  weeks: z.array(outcomeWeekSchema),
  /** The last 4 weeks together, and the 4 before them. */
  last4Weeks: outcomeFiguresSchema,
  previous4Weeks: outcomeFiguresSchema,
  change: outcomeChangeSchema,
  /** Copilot and Cursor seats; a vendor is left out where burnwatch cannot tell idle from active. */
  idleSeats: z.array(idleSeatsSchema),
  /** People whose activity came under a vendor id no identity rule or GitHub email maps to a person. */
  unmatchedIdentities: z.number().int(),
  headcount: z.number().int().nullable(),
});
export type TeamOutcomes = z.infer<typeof teamOutcomesSchema>;

export interface OutcomeInput {
  readonly asOf: IsoDay;
  readonly headcount: number | null;
  /** The team's day totals (any sources; days outside the 12 weeks are ignored). */
  readonly totals: readonly TeamDaySourceTotal[];
  /** Estimated spend of days sources have not delivered (USD per day), as the trend reads it. */
  readonly estimatedDaily?: ReadonlyMap<IsoDay, number>;
  /** Whether a `github` source reports this team's merged pull requests. */
  readonly mergedPullRequestsReported: boolean;
  /** People (identity.ts keys) with AI activity on each day. */
  readonly activity: ReadonlyMap<IsoDay, ReadonlySet<string>>;
  readonly idleSeats: readonly IdleSeats[];
  readonly unmatchedIdentities: number;
}

export const WEEKS = 12;

interface Acc {
  spend: Micros;
  merged: number;
  ai: number;
  lines: number;
  people: Set<string>;
  /** Σ of each week's distinct count (for the four-week "per active engineer-week"). */
  engineerWeeks: number;
  weeks: number;
  flagship: Micros;
  modelSpend: Micros;
  editsAccepted: number;
  editsRejected: number;
  suggestionsAccepted: number;
  suggestionsShown: number;
}

const emptyAcc = (): Acc => ({
  spend: 0n,
  merged: 0,
  ai: 0,
  lines: 0,
  people: new Set(),
  engineerWeeks: 0,
  weeks: 0,
  flagship: 0n,
  modelSpend: 0n,
  editsAccepted: 0,
  editsRejected: 0,
  suggestionsAccepted: 0,
  suggestionsShown: 0,
});

const div = (a: number, b: number) => (b > 0 ? a / b : null);
const money = (usd: number | null) => (usd === null ? null : Math.round(usd * 100) / 100);
const share = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

function figures(acc: Acc, headcount: number | null, reported: boolean): OutcomeFigures {
  const spend = microsToCentsNumber(acc.spend);
  return {
    spendUsd: spend,
    mergedPullRequests: reported ? acc.merged : null,
    aiAssistedPullRequests: reported ? acc.ai : null,
    aiAssistedShare: reported ? share(div(acc.ai, acc.merged)) : null,
    acceptedLines: acc.lines,
    activeEngineers: acc.people.size,
    spendPerMergedPrUsd: reported ? money(div(spend, acc.merged)) : null,
    spendPerAcceptedLineUsd: acc.lines > 0 ? Math.round((spend / acc.lines) * 10_000) / 10_000 : null,
    spendPerActiveEngineerUsd: money(div(spend, acc.engineerWeeks)),
    adoption: headcount ? share(div(acc.engineerWeeks, acc.weeks * headcount)) : null,
    flagshipShare: share(div(Number(acc.flagship), Number(acc.modelSpend))),
    editAcceptance: share(div(acc.editsAccepted, acc.editsAccepted + acc.editsRejected)),
    suggestionAcceptance: share(div(acc.suggestionsAccepted, acc.suggestionsShown)),
  };
}

/** a ÷ b − 1, rounded to a tenth of a percent; null where either is null or b is 0. */
function changeOf(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return Math.round((a / b - 1) * 1000) / 1000;
}

/** The 12 seven-day weeks ending on `asOf`, oldest first. */
export function outcomeWeeks(asOf: IsoDay): Array<{ weekStart: IsoDay; weekEnd: IsoDay }> {
  return Array.from({ length: WEEKS }, (_, i) => {
    const weekEnd = addDays(asOf, -7 * (WEEKS - 1 - i));
    return { weekStart: addDays(weekEnd, -6), weekEnd };
  });
}

/** The team's outcomes as of `asOf` (docs/outcomes.md defines every figure). */
export function computeTeamOutcomes(input: OutcomeInput): TeamOutcomes {
  const weeks = outcomeWeeks(input.asOf);
  const first = weeks[0]?.weekStart ?? input.asOf;
  const byDay = new Map<IsoDay, Acc>();
  const dayAcc = (d: IsoDay) => {
    let a = byDay.get(d);
    if (!a) {
      a = emptyAcc();
      byDay.set(d, a);
    }
    return a;
  };
  for (const t of input.totals) {
    if (t.date < first || t.date > input.asOf) continue;
    const a = dayAcc(t.date);
    a.spend += t.costMicros;
    a.merged += t.outcomes.mergedPullRequests ?? 0;
    a.ai += t.outcomes.aiAssistedPullRequests ?? 0;
    a.lines += t.outcomes.linesAccepted ?? 0;
    a.editsAccepted += t.outcomes.toolAccepted ?? 0;
    a.editsRejected += t.outcomes.toolRejected ?? 0;
    // Acceptances count only beside the suggestions they answer: a vendor reporting acceptances but
    // not what it showed would push the rate past what was offered.
    if (t.outcomes.suggestionsShown !== undefined) {
      a.suggestionsShown += t.outcomes.suggestionsShown;
      a.suggestionsAccepted += t.outcomes.acceptances ?? 0;
    }
    for (const [name, m] of Object.entries(t.byModel)) {
      const tier = resolveModel(name)?.tier;
      if (!tier) continue;
      a.modelSpend += m;
      if (tier === 'flagship') a.flagship += m;
    }
  }
  for (const [d, usd] of input.estimatedDaily ?? [])
    if (d >= first && d <= input.asOf) dayAcc(d).spend += usdToMicros(usd);

  const add = (into: Acc, from: Acc) => {
    into.spend += from.spend;
    into.merged += from.merged;
    into.ai += from.ai;
    into.lines += from.lines;
    into.flagship += from.flagship;
    into.modelSpend += from.modelSpend;
    into.editsAccepted += from.editsAccepted;
    into.editsRejected += from.editsRejected;
    into.suggestionsAccepted += from.suggestionsAccepted;
    into.suggestionsShown += from.suggestionsShown;
  };
  const weekAccs = weeks.map((w) => {
    const acc = emptyAcc();
    for (const d of eachDay(w.weekStart, w.weekEnd)) {
      const a = byDay.get(d);
      if (a) add(acc, a);
      for (const p of input.activity.get(d) ?? []) acc.people.add(p);
    }
    acc.engineerWeeks = acc.people.size;
    acc.weeks = 1;
    return acc;
  });
  const period = (from: number, to: number) => {
    const acc = emptyAcc();
    for (const w of weekAccs.slice(from, to)) {
      add(acc, w);
      for (const p of w.people) acc.people.add(p);
      acc.engineerWeeks += w.engineerWeeks;
      acc.weeks += 1;
    }
    return acc;
  };
  const reported = input.mergedPullRequestsReported;
  const last = figures(period(WEEKS - 4, WEEKS), input.headcount, reported);
  const prev = figures(period(WEEKS - 8, WEEKS - 4), input.headcount, reported);
  return {
    weeks: weeks.map((w, i) => ({
      ...w,
      ...figures(weekAccs[i] ?? emptyAcc(), input.headcount, reported),
    })),
    last4Weeks: last,
    previous4Weeks: prev,
    change: {
      spend: changeOf(last.spendUsd, prev.spendUsd),
      spendPerMergedPr: changeOf(last.spendPerMergedPrUsd, prev.spendPerMergedPrUsd),
      spendPerAcceptedLine: changeOf(last.spendPerAcceptedLineUsd, prev.spendPerAcceptedLineUsd),
      spendPerActiveEngineer: changeOf(last.spendPerActiveEngineerUsd, prev.spendPerActiveEngineerUsd),
      adoption: changeOf(last.adoption, prev.adoption),
      aiAssistedShare: changeOf(last.aiAssistedShare, prev.aiAssistedShare),
      flagshipShare: changeOf(last.flagshipShare, prev.flagshipShare),
      editAcceptance: changeOf(last.editAcceptance, prev.editAcceptance),
      suggestionAcceptance: changeOf(last.suggestionAcceptance, prev.suggestionAcceptance),
    },
    idleSeats: [...input.idleSeats],
    unmatchedIdentities: input.unmatchedIdentities,
    headcount: input.headcount,
  };
}

/** Distinct people active in [from, to]. */
export function distinctActive(
  activity: ReadonlyMap<IsoDay, ReadonlySet<string>>,
  from: IsoDay,
  to: IsoDay,
): number {
  const people = new Set<string>();
  for (const d of eachDay(from, to)) for (const p of activity.get(d) ?? []) people.add(p);
  return people.size;
}
