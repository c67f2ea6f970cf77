import { describe, expect, it } from 'vitest';
import { addDays, dayOfWeek, eachDay, type IsoDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import {
  computeTeamOutcomes,
  type OutcomeInput,
  outcomeWeeks,
  teamOutcomesSchema,
} from '../../../functions/core/outcomes/metrics.js';
import type { TeamDaySourceTotal } from '../../../functions/core/ports.js';
import { aTotal } from '../../helpers/builders.js';

/**
 * A team whose every figure is worked out by hand below (docs/outcomes.md has the definitions).
 *
 * As of Tue 31 Mar 2026 the 12 weeks are the 7-day windows ending 31 Mar, 24 Mar, …; the last four
 * are 4–31 Mar, the four before 4 Feb–3 Mar.
 *
 * Every day from 7 Jan: Cursor $100 (a mid-tier model) and 100 accepted lines. From 4 Feb: Copilot
 * seats $10 a day (no model). From 4 Mar: Anthropic $100 a day on Claude Opus (flagship). Merged
 * PRs: 10 on the first day of every window; AI-assisted 5 in each of weeks 5, 6 and 9–12. People:
 * a (Mondays) and b (Tuesdays) every week, c (Wednesdays) from 4 Mar. Headcount 4.
 */
const asOf = '2026-03-31';
const weeks = outcomeWeeks(asOf);
const first = (i: number) => weeks[i]?.weekStart as IsoDay;

function fixture(): { totals: TeamDaySourceTotal[]; activity: Map<IsoDay, Set<string>> } {
  const totals: TeamDaySourceTotal[] = [];
  for (const d of eachDay('2026-01-07', asOf)) {
    totals.push(
      aTotal(d, 100, {
        source: 'cursor',
        vendor: 'cursor',
        byModel: { 'claude-sonnet-4-5': usdToMicros(100) },
        outcomes: { linesAccepted: 100 },
      }),
    );
    if (d >= '2026-02-04')
      totals.push(
        aTotal(d, 10, {
          source: 'copilot',
          vendor: 'copilot',
          byModel: { 'Copilot seats': usdToMicros(10) },
        }),
      );
    if (d >= '2026-03-04')
      totals.push(aTotal(d, 100, { source: 'anthropic', byModel: { 'claude-opus-4-6': usdToMicros(100) } }));
  }
  // PRs: 10 merged on the first day of every window; AI-assisted: 10 in total over weeks 5–8 (weeks
  // 5 and 6: 5 each), 20 over weeks 9–12 (5 each).
  weeks.forEach((w, i) => {
    const ai = i >= 8 ? 5 : i >= 4 && i < 6 ? 5 : 0;
    totals.push(
      aTotal(w.weekStart, 0, {
        source: 'github',
        vendor: 'github',
        byModel: {},
        outcomes: { mergedPullRequests: 10, aiAssistedPullRequests: ai },
      }),
    );
  });
  const activity = new Map<IsoDay, Set<string>>();
  for (const d of eachDay('2026-01-07', asOf)) {
    const dow = dayOfWeek(d);
    const people = new Set<string>();
    if (dow === 1) people.add('a@corp.example');
    if (dow === 2) people.add('b@corp.example');
    if (dow === 3 && d >= '2026-03-04') people.add('c@corp.example');
    if (people.size) activity.set(d, people);
  }
  return { totals, activity };
}

/** The fixture's team as of 31 Mar, headcount 4, PRs reported, no idle seats, unless overridden. */
function outcomesOf(overrides: Partial<OutcomeInput> = {}) {
  const { totals, activity } = fixture();
  return computeTeamOutcomes({
    asOf,
    headcount: 4,
    totals,
    mergedPullRequestsReported: true,
    activity,
    idleSeats: [],
    unmatchedIdentities: 0,
    ...overrides,
  });
}

describe('outcome metrics (every figure by hand)', () => {
  it('computes the last four weeks, the four before, and the change', () => {
    const o = outcomesOf({ idleSeats: [{ vendor: 'copilot', seats: 4, idle: 1, monthlyUsd: 19 }] });
    expect(first(8)).toBe('2026-03-04');
    expect(first(4)).toBe('2026-02-04');
    // Before March: 28 days × ($100 Cursor + $10 seats) = $3,080; 40 PRs; 2,800 lines; a and b each
    // of 4 weeks = 8 engineer-weeks.
    expect(o.previous4Weeks).toEqual({
      spendUsd: 3080,
      mergedPullRequests: 40,
      aiAssistedPullRequests: 10,
      aiAssistedShare: 0.25, // 10 ÷ 40
      acceptedLines: 2800,
      activeEngineers: 2,
      spendPerMergedPrUsd: 77, // 3,080 ÷ 40
      spendPerAcceptedLineUsd: 1.1, // 3,080 ÷ 2,800
      spendPerActiveEngineerUsd: 385, // 3,080 ÷ 8
      adoption: 0.5, // 8 ÷ (4 weeks × 4 people)
      flagshipShare: 0, // $0 on Opus of $2,800 on named models (seats name none)
      editAcceptance: null, // no vendor here reports accepted or rejected edits
      suggestionAcceptance: null,
    });
    // March: 28 × ($100 + $10 + $100 Opus) = $5,880; 40 PRs, 20 AI-assisted; a, b, c each week = 12.
    expect(o.last4Weeks).toEqual({
      spendUsd: 5880,
      mergedPullRequests: 40,
      aiAssistedPullRequests: 20,
      aiAssistedShare: 0.5,
      acceptedLines: 2800,
      activeEngineers: 3,
      spendPerMergedPrUsd: 147, // 5,880 ÷ 40
      spendPerAcceptedLineUsd: 2.1, // 5,880 ÷ 2,800
      spendPerActiveEngineerUsd: 490, // 5,880 ÷ 12
      adoption: 0.75, // 12 ÷ 16
      flagshipShare: 0.5, // $2,800 Opus of $5,600 on named models
      editAcceptance: null,
      suggestionAcceptance: null,
    });
    expect(o.change).toEqual({
      spend: 0.909, // 5,880 ÷ 3,080 − 1 = 0.90909…
      spendPerMergedPr: 0.909, // 147 ÷ 77 − 1
      spendPerAcceptedLine: 0.909, // 2.1 ÷ 1.1 − 1
      spendPerActiveEngineer: 0.273, // 490 ÷ 385 − 1 = 0.2727…
      adoption: 0.5, // 0.75 ÷ 0.5 − 1
      aiAssistedShare: 1, // 0.5 ÷ 0.25 − 1
      flagshipShare: null, // from zero
      editAcceptance: null,
      suggestionAcceptance: null,
    });
    expect(o.idleSeats).toEqual([{ vendor: 'copilot', seats: 4, idle: 1, monthlyUsd: 19 }]);
  });

  it('gives 12 weekly rows ending on as-of, each its own week', () => {
    const o = outcomesOf();
    expect(o.weeks).toHaveLength(12);
    expect(o.weeks[11]).toMatchObject({
      weekStart: '2026-03-25',
      weekEnd: '2026-03-31',
      spendUsd: 1470, // 7 × $210
      mergedPullRequests: 10,
      spendPerMergedPrUsd: 147,
      activeEngineers: 3,
      spendPerActiveEngineerUsd: 490, // 1,470 ÷ 3
      adoption: 0.75,
    });
    // The first window (7–13 Jan) is Cursor only, before the seats.
    expect(o.weeks[0]).toMatchObject({ weekStart: '2026-01-07', spendUsd: 700, spendPerMergedPrUsd: 70 });
  });

  it('says nothing per PR without a github source, and counts estimated spend like the trend', () => {
    const o = outcomesOf({
      headcount: null,
      // $70 estimated on as-of (a source behind): in the spend, as the weekly trend counts it.
      estimatedDaily: new Map([[asOf, 70]]),
      mergedPullRequestsReported: false,
      unmatchedIdentities: 2,
    });
    expect(o.last4Weeks.spendUsd).toBe(5950);
    expect(o.last4Weeks.mergedPullRequests).toBeNull();
    expect(o.last4Weeks.spendPerMergedPrUsd).toBeNull();
    expect(o.last4Weeks.adoption).toBeNull();
    expect(o.change.spendPerMergedPr).toBeNull();
    expect(o.unmatchedIdentities).toBe(2);
  });

  it('counts agent edits kept and suggestions accepted across vendors, each beside what was offered', () => {
    const totals: TeamDaySourceTotal[] = [];
    const tool = (d: IsoDay, source: string, toolAccepted: number, toolRejected: number) =>
      aTotal(d, 0, { source, byModel: {}, outcomes: { toolAccepted, toolRejected } });
    const shown = (d: IsoDay, source: string, suggestionsShown: number, acceptances: number) =>
      aTotal(d, 0, { source, byModel: {}, outcomes: { suggestionsShown, acceptances } });
    for (const d of eachDay(first(4), asOf)) {
      const march = d >= first(8);
      // Edits: Claude Code 9 kept of 10 a day, Cursor's agent 9 of 10 before March; in March Claude
      // Code alone, 7 of 10.
      totals.push(tool(d, 'anthropic', march ? 7 : 9, march ? 3 : 1));
      if (!march) totals.push(tool(d, 'cursor', 9, 1));
      // Suggestions: Copilot 30 of 100 a day; Cursor Tab 10 of 100 before March, 30 of 100 in March.
      totals.push(shown(d, 'copilot-metrics', 100, 30));
      totals.push(shown(d, 'cursor', 100, march ? 30 : 10));
    }
    // A Copilot day stored before suggestions shown were kept: its acceptances alone say no rate.
    totals.push(aTotal(asOf, 0, { source: 'copilot-old', byModel: {}, outcomes: { acceptances: 500 } }));
    const o = outcomesOf({ headcount: null, totals, mergedPullRequestsReported: false, activity: new Map() });
    expect(o.previous4Weeks.editAcceptance).toBe(0.9); // 28 × 18 of 28 × 20
    expect(o.last4Weeks.editAcceptance).toBe(0.7); // 28 × 7 of 28 × 10
    expect(o.change.editAcceptance).toBe(-0.222); // 0.7 ÷ 0.9 − 1
    expect(o.previous4Weeks.suggestionAcceptance).toBe(0.2); // 28 × 40 of 28 × 200
    expect(o.last4Weeks.suggestionAcceptance).toBe(0.3); // 28 × 60 of 28 × 200; the 500 left out
    expect(o.change.suggestionAcceptance).toBe(0.5);
    expect(o.weeks[11]?.editAcceptance).toBe(0.7);
    // Weeks before any vendor reported either: no rate rather than 0%.
    expect(o.weeks[0]?.editAcceptance).toBeNull();
    expect(o.weeks[0]?.suggestionAcceptance).toBeNull();
  });

  it('reads a summary stored before the acceptance figures as having none', () => {
    const o = outcomesOf();
    const { editAcceptance: _e, suggestionAcceptance: _s, ...older } = o.last4Weeks;
    const { editAcceptance: _ce, suggestionAcceptance: _cs, ...olderChange } = o.change;
    const stored = JSON.parse(JSON.stringify({ ...o, last4Weeks: older, change: olderChange }));
    const read = teamOutcomesSchema.parse(stored);
    expect(read.last4Weeks.editAcceptance).toBeNull();
    expect(read.change.suggestionAcceptance).toBeNull();
    expect(read.last4Weeks.spendUsd).toBe(o.last4Weeks.spendUsd);
  });

  it('ignores days outside the 12 weeks', () => {
    const o = outcomesOf({
      headcount: 1,
      totals: [aTotal(addDays(weeks[0]?.weekStart as IsoDay, -1), 1000), aTotal(addDays(asOf, 1), 1000)],
      activity: new Map(),
    });
    expect(o.weeks.every((w) => w.spendUsd === 0)).toBe(true);
  });
});
