import { describe, expect, it } from 'vitest';
import { digestMessage } from '../../../functions/core/alerts/digest.js';
import { composeAlertNotice } from '../../../functions/core/alerts/notice-composer.js';
import { type BurnReport, computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { alertSettingsFor } from '../../../functions/core/config/schema.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { computeTeamOutcomes } from '../../../functions/core/outcomes/metrics.js';
import { evaluateCostPerPr } from '../../../functions/core/outcomes/outcome-alert.js';
import { figureRows } from '../../../functions/core/outcomes/outcome-text.js';
import { renderReportHtml } from '../../../functions/core/report/report-html.js';
import { answerBurnCommand } from '../../../functions/core/slash/burn-command.js';
import { aTotal } from '../../helpers/builders.js';

const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    {
      id: 'search',
      name: 'Search',
      annualBudgetUsd: 420_000,
      headcount: 10,
      managers: { slackUserIds: ['USRCHMGR'] },
    },
  ],
  alerts: { costPerMergedPrRise: 0.3 },
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
});
const asOf = '2026-03-31';

/**
 * Search: $100 a day for the four weeks to 3 Mar and $150 a day since (4 Mar–31 Mar), 30 merged PRs in
 * each four weeks: $2,800 ÷ 30 = $93.33 per PR before, $4,200 ÷ 30 = $140 now, up 50%. 14 idle
 * Copilot seats at $19.
 */
function report(opts: { prsNow?: number; dailyNow?: number } = {}): BurnReport {
  const totals = eachDay('2026-01-01', asOf).map((d) =>
    aTotal(d, d >= '2026-03-04' ? (opts.dailyNow ?? 150) : 100, { team: 'search' }),
  );
  totals.push(
    aTotal('2026-02-10', 0, {
      team: 'search',
      source: 'github',
      vendor: 'github',
      byModel: {},
      outcomes: { mergedPullRequests: 30 },
    }),
    aTotal('2026-03-10', 0, {
      team: 'search',
      source: 'github',
      vendor: 'github',
      byModel: {},
      outcomes: { mergedPullRequests: opts.prsNow ?? 30, aiAssistedPullRequests: 12 },
    }),
  );
  const outcomes = computeTeamOutcomes({
    asOf,
    headcount: 10,
    totals,
    mergedPullRequestsReported: true,
    activity: new Map(),
    idleSeats: [{ vendor: 'copilot', seats: 40, idle: 14, monthlyUsd: 266 }],
    unmatchedIdentities: 0,
  });
  return computeBurnReport({
    team: 'search',
    name: 'Search',
    budgetUsd: 420_000,
    headcount: 10,
    fiscalYear: fiscalYearOf(config.fiscalYear, asOf),
    asOf,
    totals,
    now: new Date(0),
    outcomes,
    mergedPullRequestsReported: true,
    people: { overCap: [], idleSeats: [{ vendor: 'copilot', login: 'zoe' }], unmatchedIdentities: [] },
  });
}

/** The report panel of one team's report (no chart data needed). */
function reportHtml(r: BurnReport): string {
  return renderReportHtml({
    organization: 'Acme',
    asOf,
    burns: [
      {
        report: r,
        totals: [],
        daily: [],
        completeness: {
          status: 'complete',
          sources: [],
          estimatedUsd: 0,
          estimatedDaily: new Map(),
          estimateSdUsd: 0,
        },
      },
    ],
    unmatched: [],
    generatedAt: '2026-04-01T00:00:00.000Z',
  });
}

describe('outcomes where people look', () => {
  it('puts "Search: $140 per merged PR, up 50% in 4 weeks; 14 idle Copilot seats, $266/month" in the digest', () => {
    const r = report();
    expect(r.outcomes?.last4Weeks.spendPerMergedPrUsd).toBe(140);
    expect(r.outcomes?.previous4Weeks.spendPerMergedPrUsd).toBe(93.33);
    const text = JSON.stringify(
      digestMessage({ organization: 'Acme', asOf, rows: [{ report: r, severity: 'ok' }] }),
    );
    expect(text).toContain('*Search*');
    expect(text).toContain(
      '_Outcomes: $140 per merged PR, up 50% in 4 weeks; 14 idle Copilot seats, $266/month_',
    );
    expect(text).not.toContain('zoe');
  });

  it('answers /burn TEAM outcomes and shows per merged PR, never per agent PR, in the overview', async () => {
    const summaries = { getTeamSummaries: async () => new Map([['search', report()]]) };
    const ask = (text: string) =>
      answerBurnCommand(
        { command: '/burn', user_id: 'USRCHMGR', text },
        { config, summaries, groupMembers: async () => [] },
      );
    const outcomes = JSON.stringify(await ask('search outcomes'));
    expect(outcomes).toContain('$140 per merged PR, up 50% in 4 weeks; 14 idle Copilot seats, $266/month');
    expect(outcomes).toMatch(/Spend per merged PR +\$140 +\$93 +\+50%/);
    // A manager is not a privacy viewer: seat holders stay out.
    expect(outcomes).not.toContain('zoe');
    const overview = JSON.stringify(await ask('search'));
    expect(overview).toContain('*Per merged PR (4 weeks)*\\n$140 (+50%)');
    expect(overview).not.toMatch(/agent PR/);
    // The report's panel: the same figures, a trend chart, no names.
    const html = reportHtml(report());
    expect(html).toContain('<svg class="outcomes-chart"');
    expect(html).toContain('$140 per merged PR, up 50% in 4 weeks');
    expect(html).not.toContain('zoe');
  });

  it('writes a fall in the last 28 days with a minus sign, as the change cells do, in the report and /burn trend', async () => {
    // Prepare: $80 a day since 4 Mar against $100 before: the last 28 days are 20% below the 28 before
    const r = report({ dailyNow: 80 });
    const summaries = { getTeamSummaries: async () => new Map([['search', r]]) };
    // Act
    const html = reportHtml(r);
    const trend = JSON.stringify(
      await answerBurnCommand(
        { command: '/burn', user_id: 'USRCHMGR', text: 'search trend' },
        { config, summaries, groupMembers: async () => [] },
      ),
    );
    // Assess: found by a new user, the report read "-20%" beside the table's "−20%"
    expect(html).toContain('last 28 days −20% vs the 28 before');
    expect(trend).toContain('Last 28 days −20% vs the 28 before.');
  });

  it('shows spend per accepted line under a cent to a hundredth of a cent, the same in Slack, the CLI and the report (review G, F7)', async () => {
    // Prepare: Copilot only, $25 a day then $31.25, 7,143 accepted lines a day: $0.0035 then $0.0044 a line.
    const totals = eachDay('2026-01-05', asOf).map((d) =>
      aTotal(d, d > '2026-03-03' ? 31.25 : 25, {
        team: 'search',
        vendor: 'copilot',
        outcomes: { linesAccepted: 7143 },
      }),
    );
    const copilotOnly = computeBurnReport({
      team: 'search',
      name: 'Search',
      budgetUsd: 420_000,
      fiscalYear: fiscalYearOf(config.fiscalYear, asOf),
      asOf,
      totals,
      now: new Date(0),
      outcomes: computeTeamOutcomes({
        asOf,
        headcount: null,
        totals,
        mergedPullRequestsReported: false,
        activity: new Map(),
        idleSeats: [],
        unmatchedIdentities: 0,
      }),
    });

    // Act
    const rows = figureRows(copilotOnly.outcomes as NonNullable<BurnReport['outcomes']>);
    const slack = JSON.stringify(
      await answerBurnCommand(
        { command: '/burn', user_id: 'USRCHMGR', text: 'search outcomes' },
        {
          config,
          summaries: { getTeamSummaries: async () => new Map([['search', copilotOnly]]) },
          groupMembers: async () => [],
        },
      ),
    );
    const html = reportHtml(copilotOnly);

    // Assess: the CLI prints `figureRows` as a table; Slack and the report show the same cells.
    expect(rows.find((r) => r[0] === 'Spend per accepted line')).toEqual([
      'Spend per accepted line',
      '$0.0044',
      '$0.0035',
      '+26%',
    ]);
    expect(slack).toMatch(/Spend per accepted line +\$0\.0044 +\$0\.0035 +\+26%/);
    expect(html).toContain('$0.0044');
    expect(html).toContain('$0.0035');
    expect(`${slack}${html}`).not.toContain('$0.00 ');
  });

  it('alerts when spend per merged PR rises past the configured share while spend grows, and not otherwise', () => {
    const settings = alertSettingsFor(config, 'search');
    const up = evaluateCostPerPr(report(), settings);
    expect(up).toMatchObject({ rule: 'cost-per-pr', key: 'ALERT#cost-per-pr', severity: 'warning' });
    const notice = composeAlertNotice({
      cond: up as NonNullable<typeof up>,
      kind: 'enter',
      asOf,
      previousExhaustionP50: null,
      worseningDays: 14,
    });
    expect(notice.messages.channel.text).toBe('WARNING: Search: $140 per merged PR, up 50% in 4 weeks.');
    expect(notice.messages.private).toBeUndefined();
    // Like every team alert, it can be acknowledged or snoozed in the channel (no budget buttons).
    const buttons = notice.messages.channel.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons.map((b) => b.text.text)).toEqual(['Acknowledge', 'Snooze 7 days']);
    expect(JSON.parse(String((buttons[0] as { value?: string }).value))).toMatchObject({
      t: 'search',
      k: 'ALERT#cost-per-pr',
    });
    expect(JSON.stringify(notice.messages.channel)).toContain('`/burn search outcomes`');
    expect(notice.sns?.message).toContain('merged 30 pull requests (flat on the 4 before)');
    // Under the threshold (45 PRs now: $93.33 per PR, flat): quiet.
    expect(evaluateCostPerPr(report({ prsNow: 45 }), settings)?.severity).toBe('ok');
    // Spend falling while PRs fall faster: per PR rises, but spend does not grow: quiet.
    expect(evaluateCostPerPr(report({ dailyNow: 90, prsNow: 10 }), settings)?.severity).toBe('ok');
    // Off unless configured.
    expect(evaluateCostPerPr(report(), { ...settings, costPerMergedPrRise: undefined })).toBeUndefined();
  });

  it('alerts a team that spent more and merged no PR in 4 weeks (30 before), above any threshold (review G, F5)', () => {
    // Prepare: spend up 50%, nothing merged since 3 Mar; a threshold no finite rise reaches.
    const settings = { ...alertSettingsFor(config, 'search'), costPerMergedPrRise: 1_000 };

    // Act
    const cond = evaluateCostPerPr(report({ prsNow: 0 }), settings);
    const notice = composeAlertNotice({
      cond: cond as NonNullable<typeof cond>,
      kind: 'enter',
      asOf,
      previousExhaustionP50: null,
      worseningDays: 14,
    });

    // Assess: a warning (an open alert stays open), said in words, not as a figure per PR.
    expect(cond?.severity).toBe('warning');
    expect(notice.messages.channel.text).toBe('WARNING: Search: no PRs merged in 4 weeks.');
    expect(notice.sns?.message).toContain(
      'merged no pull requests (30 the 4 before): no PRs merged in 4 weeks, was $93 per merged PR.',
    );
    // Nothing merged and nothing spent, or spend not growing: quiet, as for any rise.
    expect(evaluateCostPerPr(report({ prsNow: 0, dailyNow: 0 }), settings)?.severity).toBe('ok');
    expect(evaluateCostPerPr(report({ prsNow: 0, dailyNow: 90 }), settings)?.severity).toBe('ok');
  });
});
