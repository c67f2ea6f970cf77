import { describe, expect, it } from 'vitest';
import { alertStateSchema } from '../../../functions/core/alerts/lifecycle.js';
import type { NoticeOutcome } from '../../../functions/core/alerts/run-alerts.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { addDays, diffDays, eachDay } from '../../../functions/core/dates.js';
import { forecastSpend } from '../../../functions/core/forecast/engine.js';
import type { TeamForecaster } from '../../../functions/core/team-reports.js';
import { aConfig, aTotal, MemoryStore, RecordingSlack, RecordingSns, scenarioDays } from './fakes.js';

/** True exhaustion date of the uber-s-curve scenario (test/fixtures/scenarios/index.json). */
const TRUE_EXHAUSTION = '2026-05-06';

/** The forecast engine as the daily job uses it (seeded for a reproducible test). */
const engine: TeamForecaster = ({ team, daily, fiscalYear, asOf }) =>
  team.budgetUsd === null
    ? undefined
    : forecastSpend({ daily, budgetUsd: team.budgetUsd, fiscalYear, asOf, seed: 7 });

describe('a simulated fiscal year for an Uber-like team (S-curve, budget gone by May)', () => {
  it.each([
    ['the forecast engine', engine],
    ['the trailing run-rate (no engine)', undefined],
  ])(
    'with %s: alerts critical once, weeks ahead, re-alerts only when materially worse, never daily',
    async (_outlook, forecaster) => {
      // Prepare
      const store = new MemoryStore();
      store.totals = scenarioDays('uber-s-curve').map((d) => aTotal(d.date, d.usd));
      const config = aConfig({ finance: { slackChannel: 'C0FINANCE', digestWeekday: 'monday' } });
      const slack = new RecordingSlack();
      const sns = new RecordingSns();
      const budgetNotices: Array<NoticeOutcome & { asOf: string; p50: string | null | undefined }> = [];

      // Act: the daily job, every day of the year, as the scheduler would run it.
      for (const asOf of eachDay('2026-01-07', '2026-12-31')) {
        const now = new Date(`${addDays(asOf, 1)}T06:30:00Z`);
        const { alerts } = await runDailyJob(
          { config, store, clock: { now: () => now }, slack, sns, ...(forecaster ? { forecaster } : {}) },
          asOf,
        );
        const state = await store.getState('payments', 'ALERT#budget');
        const notified = state ? alertStateSchema.parse(state.value).notifiedExhaustionP50 : undefined;
        for (const n of alerts.notices.filter((x) => x.rule === 'budget' && x.fresh))
          budgetNotices.push({ ...n, asOf, p50: notified });
      }

      // Assess: one critical alert, weeks before the money runs out.
      const critical = budgetNotices.filter(
        (n) => n.severity === 'critical' && (n.kind === 'enter' || n.kind === 'escalate'),
      );
      expect(critical).toHaveLength(1);
      const first = critical[0];
      expect(diffDays(first?.asOf ?? TRUE_EXHAUSTION, TRUE_EXHAUSTION)).toBeGreaterThanOrEqual(21);

      // Before it, at most an at-risk warning.
      const before = budgetNotices.filter((n) => n.asOf < (first?.asOf ?? ''));
      expect(before.every((n) => n.kind === 'enter' && n.severity === 'warning')).toBe(true);
      // Every later budget notice is a material worsening: P50 more than 14 days earlier than the last one.
      const after = budgetNotices.filter((n) => n.asOf > (first?.asOf ?? ''));
      expect(after.length).toBeLessThanOrEqual(6);
      expect(after.every((n) => n.kind === 'worsen')).toBe(true);
      let previous = first?.p50;
      for (const n of after) {
        expect(previous && n.p50 ? diffDays(n.p50, previous) : 0).toBeGreaterThan(14);
        previous = n.p50;
      }
      expect(budgetNotices.some((n) => n.kind === 'recover')).toBe(false);

      // Each notice reached the team channel, the finance channel and SNS exactly once.
      const budgetPosts = slack.posts.filter((p) => p.noticeId.includes('ALERT#budget'));
      expect(budgetPosts).toHaveLength(budgetNotices.length * 2);
      expect(new Set(budgetPosts.map((p) => `${p.channel}|${p.noticeId}`)).size).toBe(budgetPosts.length);
      expect(sns.published.filter((p) => p.attributes.rule === 'budget')).toHaveLength(budgetNotices.length);
      // No message of any rule repeated on consecutive days.
      const days = slack.posts.map(
        (p) => `${p.channel}|${p.noticeId.split(':')[1]}|${p.noticeId.split(':')[2]}`,
      );
      expect(new Set(days).size).toBe(days.length);
    },
  );
});

/** Every notice of a year of daily runs over a labelled scenario, as `asOf rule:kind`. */
async function noticesOverYear(scenario: string, budgetUsd: number): Promise<string[]> {
  const store = new MemoryStore();
  store.totals = scenarioDays(scenario).map((d) => aTotal(d.date, d.usd));
  const config = aConfig({
    teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: budgetUsd, slackChannel: 'C0PAYMENTS' }],
  });
  const slack = new RecordingSlack();
  const out: string[] = [];
  for (const asOf of eachDay('2026-01-07', '2026-12-31')) {
    const now = new Date(`${addDays(asOf, 1)}T06:30:00Z`);
    const { alerts } = await runDailyJob(
      { config, store, clock: { now: () => now }, slack, digest: 'never' },
      asOf,
    );
    for (const n of alerts.notices.filter((x) => x.fresh)) out.push(`${asOf} ${n.rule}:${n.kind}`);
  }
  return out;
}

describe('no crying wolf', () => {
  it('stays silent all year for a team under budget', async () => {
    // Act
    const notices = await noticesOverYear('flat-under-budget', 1_260_000);

    // Assess
    expect(notices).toEqual([]);
  });

  it('flags a runaway agent loop as one spike on the day it happens', async () => {
    // Act
    const notices = await noticesOverYear('agent-loop-spike', 1_000_000_000);

    // Assess: with a budget far away only the spike rule speaks.
    expect(notices).toEqual(['2026-03-12 spike:enter']);
  });
});
