import { describe, expect, it } from 'vitest';
import type { SlackSender } from '../../../functions/core/alerts/delivery.js';
import { alertStateSchema } from '../../../functions/core/alerts/lifecycle.js';
import type { AlertRunDeps } from '../../../functions/core/alerts/run-alerts.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { eachDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import type { TeamForecaster } from '../../../functions/core/team-reports.js';
import { deliveredDays } from '../../helpers/builders.js';
import { aConfig, aTotal, MemoryStore, RecordingSlack, RecordingSns } from './fakes.js';

const AS_OF = '2026-03-31'; // a Tuesday: no digest unless asked
const at = (iso: string) => ({ now: () => new Date(iso) });

/** Payments at $5,000/day since 1 Jan: $450k spent of $610k, on track to run out in April. */
function criticalTeam(): MemoryStore {
  const store = new MemoryStore();
  store.totals = eachDay('2026-01-01', AS_OF).map((d) => aTotal(d, 5_000));
  return store;
}

function deps(store: MemoryStore, over: Partial<AlertRunDeps> = {}) {
  const slack = new RecordingSlack();
  const sns = new RecordingSns();
  const base: AlertRunDeps = {
    config: aConfig(),
    store,
    clock: at('2026-04-01T06:30:00Z'),
    slack,
    sns,
    renderPng: async () => new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    ...over,
  };
  return { slack, sns, deps: base };
}

async function budgetState(store: MemoryStore) {
  const s = await store.getState('payments', 'ALERT#budget');
  return s ? alertStateSchema.parse(s.value) : undefined;
}

describe('alert delivery', () => {
  it('sends a new critical alert to the team channel, the finance channel and SNS, with the chart in the thread', async () => {
    // Prepare
    const store = criticalTeam();
    const { slack, sns, deps: d } = deps(store);

    // Act
    const { alerts } = await runDailyJob(d, AS_OF);

    // Assess
    expect(slack.posts.map((p) => p.channel)).toEqual(['C0PAYMENTS', 'C0FINANCE']);
    expect(slack.uploads).toHaveLength(2);
    expect(sns.published).toHaveLength(1);
    expect(sns.published[0]?.attributes).toEqual({
      team: 'payments',
      severity: 'critical',
      rule: 'budget',
      kind: 'enter',
    });
    expect(alerts.problems).toEqual([]);
    const state = await budgetState(store);
    expect(state?.pending).toBeUndefined();
    expect(state?.lastNotice?.kind).toBe('enter');
  });

  it('sends nothing when the same day or the next is run again', async () => {
    // Prepare
    const store = criticalTeam();
    const { slack, sns, deps: d } = deps(store);
    await runDailyJob(d, AS_OF);

    // Act
    await runDailyJob(d, AS_OF);
    await runDailyJob({ ...d, clock: at('2026-04-02T06:30:00Z') }, '2026-04-01');

    // Assess
    expect(slack.posts).toHaveLength(2);
    expect(sns.published).toHaveLength(1);
  });

  it('a retry of the run that crashed between Slack accepting and the record resumes at once, without repeating', async () => {
    // Prepare: write 1 records the intent (claiming the team channel), write 2 remembers the team's
    // thread; write 3, the channel's confirm, fails.
    const store = criticalTeam();
    const { slack, sns, deps: d } = deps(store, { runId: 'daily-job:2026-03-31' });
    store.failPutStateAt = 3;
    const crashed = await runDailyJob(d, AS_OF);
    expect(crashed.alerts.problems.join()).toContain('simulated crash');
    expect(slack.posts).toHaveLength(1);

    // Act: the same run's retry a minute later.
    const retry = await runDailyJob({ ...d, clock: at('2026-04-01T06:31:00Z') }, AS_OF);

    // Assess: Slack is asked, the team channel is confirmed without a repost, the rest is sent.
    expect(retry.alerts.problems).toEqual([]);
    expect(slack.posts.map((p) => p.channel)).toEqual(['C0PAYMENTS', 'C0FINANCE']);
    expect(sns.published).toHaveLength(1);
    expect((await budgetState(store))?.pending).toBeUndefined();
  });

  it("leaves another run's claim alone while its lease runs, then checks Slack and finishes it", async () => {
    // Prepare
    const store = criticalTeam();
    const { slack, sns, deps: d } = deps(store, { runId: 'run-a' });
    store.failPutStateAt = 3; // the team channel's confirm (after the intent and the thread)
    await runDailyJob(d, AS_OF);

    // Act: a different run a minute later, and again after the 15-minute lease.
    const other = { ...d, runId: 'run-b' };
    const immediate = await runDailyJob({ ...other, clock: at('2026-04-01T06:31:00Z') }, AS_OF);
    const later = await runDailyJob({ ...other, clock: at('2026-04-01T07:30:00Z') }, AS_OF);

    // Assess
    expect(immediate.alerts.problems.join()).toContain('being sent by run run-a; left to it');
    expect(later.alerts.problems).toEqual([]);
    expect(slack.posts.map((p) => p.channel)).toEqual(['C0PAYMENTS', 'C0FINANCE']);
    expect(sns.published).toHaveLength(1);
  });

  it('still sends SNS and the finance message when the team channel fails, and retries only that channel next run', async () => {
    // Prepare
    const store = criticalTeam();
    const { slack, sns, deps: d } = deps(store);
    slack.failures.set('C0PAYMENTS', 'channel_not_found');

    // Act
    const first = await runDailyJob(d, AS_OF);
    const pending = (await budgetState(store))?.pending;
    slack.failures.clear();
    await runDailyJob({ ...d, clock: at('2026-04-02T06:30:00Z') }, '2026-04-01');

    // Assess: the failure is named and nothing unsent was recorded as sent.
    expect(first.alerts.problems.join()).toMatch(
      /slack:C0PAYMENTS: channel_not_found.*invite the burnwatch app/,
    );
    expect(pending?.deliveries.map((x) => [x.target, x.status, x.error?.code])).toEqual([
      ['slack:C0PAYMENTS', 'failed', 'channel_not_found'],
      ['slack:C0FINANCE', 'sent', undefined],
      ['sns', 'sent', undefined],
    ]);
    expect(slack.posts.map((p) => p.channel)).toEqual(['C0FINANCE', 'C0PAYMENTS']);
    expect(sns.published).toHaveLength(1);
    expect((await budgetState(store))?.pending).toBeUndefined();
  });

  it('stops calling Slack after a revoked token but still publishes to SNS', async () => {
    // Prepare
    const store = criticalTeam();
    const { slack, sns, deps: d } = deps(store);
    slack.failures.set('*', 'token_revoked');
    let attempts = 0;
    const counting: SlackSender = {
      findPosted: (...a) => slack.findPosted(...a),
      updateMessage: (...a) => slack.updateMessage(...a),
      groupMembers: (g) => slack.groupMembers(g),
      uploadImage: (...a) => slack.uploadImage(...a),
      postMessage: (...a: Parameters<RecordingSlack['postMessage']>) => {
        attempts++;
        return slack.postMessage(...a);
      },
    };

    // Act
    const { alerts } = await runDailyJob({ ...d, slack: counting }, AS_OF);

    // Assess
    expect(attempts).toBe(1);
    expect(sns.published).toHaveLength(1);
    expect(alerts.problems.filter((p) => p.includes('token_revoked'))).toHaveLength(2);
    expect((await budgetState(store))?.pending?.deliveries.map((x) => x.status)).toEqual([
      'failed',
      'failed',
      'sent',
    ]);
  });

  it('writes nothing and sends nothing on a dry run, but shows what would go out', async () => {
    // Prepare
    const store = criticalTeam();
    const { slack, sns, deps: d } = deps(store, { dryRun: true });

    // Act
    const { alerts } = await runDailyJob(d, AS_OF);

    // Assess
    expect(alerts.notices.map((n) => `${n.team}/${n.rule}/${n.kind}`)).toEqual(['payments/budget/enter']);
    expect(alerts.notices[0]?.chartPng).toBeDefined();
    expect(slack.posts).toHaveLength(0);
    expect(sns.published).toHaveLength(0);
    expect(store.stateWrites).toBe(0);
    expect(store.snapshots.size).toBe(0);
  });

  it('tells channels how many engineers are over the cap and only allowed people who they are', async () => {
    // Prepare
    const store = new MemoryStore();
    store.totals = [aTotal('2026-03-10', 4_000, { vendor: 'cursor', source: 'cursor', activeUsers: 2 })];
    store.lines = [
      {
        date: '2026-03-10',
        source: 'cursor',
        team: 'payments',
        vendor: 'cursor',
        identities: { userEmail: 'ana@corp.com' },
        lineItem: 'usage',
        costMicros: usdToMicros(2_600),
        provisional: false,
      },
      {
        date: '2026-03-10',
        source: 'cursor',
        team: 'payments',
        vendor: 'cursor',
        identities: { userEmail: 'bo@corp.com' },
        lineItem: 'usage',
        costMicros: usdToMicros(1_400),
        provisional: false,
      },
    ];
    const config = aConfig({
      alerts: { perEngineerMonthlyCapUsd: 1_500 },
      privacy: { perPersonVisibleTo: { slackUserIds: ['U0FINOPS'], slackUserGroupIds: ['S0PEOPLEOPS'] } },
    });
    const { slack, sns, deps: d } = deps(store, { config });
    slack.groups.set('S0PEOPLEOPS', ['U0HRBP', 'U0FINOPS']);

    // Act
    await runDailyJob(d, '2026-03-10');

    // Assess
    const cap = slack.posts.filter((p) => p.noticeId.includes('engineer-cap'));
    expect(cap.map((p) => p.channel)).toEqual(['C0PAYMENTS', 'C0FINANCE', 'U0FINOPS', 'U0HRBP']);
    for (const p of [...cap.slice(0, 2).map((c) => JSON.stringify(c.message)), JSON.stringify(sns.published)])
      expect(p).not.toContain('@corp.com');
    expect(JSON.stringify(cap[0]?.message)).toContain('1 engineer over the $1,500/month cap in March 2026');
    expect(JSON.stringify(cap[2]?.message)).toContain('ana@corp.com: $2,600');
    expect(JSON.stringify(cap[2]?.message)).not.toContain('bo@corp.com');
  });

  it('counts an engineer once under the cap whatever case or alias each vendor names her by (review G, F2)', async () => {
    // Prepare: Ana is `Ana@corp.com` on Cursor ($1,000) and her alias `a.s@corp.com` on Claude Code ($800).
    const store = new MemoryStore();
    store.totals = [
      aTotal('2026-03-10', 1_000, { vendor: 'cursor', source: 'cursor', activeUsers: 1 }),
      aTotal('2026-03-10', 800, { vendor: 'anthropic', source: 'anthropic', activeUsers: 1 }),
    ];
    const line = (source: string, userEmail: string, usd: number) => ({
      date: '2026-03-10',
      source,
      team: 'payments',
      vendor: source,
      identities: { userEmail },
      lineItem: 'usage',
      costMicros: usdToMicros(usd),
      provisional: false,
    });
    store.lines = [line('cursor', 'Ana@corp.com', 1_000), line('anthropic', 'a.s@corp.com', 800)];
    const config = aConfig({
      alerts: { perEngineerMonthlyCapUsd: 1_500 },
      identities: { people: [{ email: 'ana@corp.com', aliases: ['a.s@corp.com'] }] },
      privacy: { perPersonVisibleTo: { slackUserIds: ['U0FINOPS'] } },
    });
    const { slack, deps: d } = deps(store, { config });

    // Act
    await runDailyJob(d, '2026-03-10');

    // Assess: one engineer of $1,800, named once
    const cap = slack.posts.filter((p) => p.noticeId.includes('engineer-cap'));
    expect(JSON.stringify(cap[0]?.message)).toContain('1 engineer over the $1,500/month cap in March 2026');
    const named = JSON.stringify(cap.find((p) => p.channel === 'U0FINOPS')?.message);
    expect(named).toContain('ana@corp.com: $1,800');
    expect(named).not.toContain('a.s@corp.com');
  });

  it('posts the weekly digest to finance once on the digest weekday, with the change since last week', async () => {
    // Prepare: Monday 30 Mar's run (as of Sunday 29); last week's snapshot said year-end $1.5M.
    const store = criticalTeam();
    await store.putForecastSnapshot('payments', '2026-03-22', {
      spentToDateUsd: 405_000,
      yearEndUsd: { p10: 1_500_000, p50: 1_500_000, p90: 1_500_000 },
      exhaustionDate: { p10: '2026-05-20', p50: '2026-05-20', p90: '2026-05-20' },
      status: 'critical',
    });
    const { slack, deps: d } = deps(store, { clock: at('2026-03-30T06:30:00Z') });

    // Act: Monday's run twice, then Tuesday's (as of Monday), and a re-run of a past day on Monday.
    await runDailyJob(d, '2026-03-29');
    await runDailyJob(d, '2026-03-29');
    await runDailyJob({ ...d, clock: at('2026-03-31T06:30:00Z') }, '2026-03-30');
    await runDailyJob(d, '2026-03-25'); // a re-run for a past day, on the Monday

    // Assess: posted once, on the Monday, as of the day before.
    const digests = slack.posts.filter((p) => p.noticeId.includes('DIGEST'));
    expect(digests.map((p) => [p.channel, p.noticeId])).toEqual([['C0FINANCE', '_org:DIGEST:2026-03-29']]);
    const text = JSON.stringify(digests[0]?.message);
    expect(text).toContain('Weekly AI spend digest');
    expect(text).toMatch(/year-end \+\$3\d\dk, spent \+\$35k, runs out \d+ days earlier/);
  });

  it("suggests budget moves in finance's digest: from a team far under budget to the one at risk", async () => {
    // Prepare: Payments ($5k/day on $610k) runs out; Search spends $500/day of $3M.
    const store = criticalTeam();
    store.totals.push(...eachDay('2026-01-01', '2026-03-30').map((d) => aTotal(d, 500, { team: 'search' })));
    const config = aConfig({
      teams: [
        { id: 'payments', name: 'Payments', annualBudgetUsd: 610_000, slackChannel: 'C0PAYMENTS' },
        { id: 'search', name: 'Search', annualBudgetUsd: 3_000_000 },
      ],
    });
    const { slack, deps: d } = deps(store, { config, clock: at('2026-03-30T06:30:00Z') });

    // Act: Monday's run
    await runDailyJob(d, '2026-03-29');

    // Assess
    const digest = JSON.stringify(slack.posts.find((p) => p.noticeId.includes('DIGEST'))?.message);
    expect(digest).toMatch(/Suggested budget moves: \$[\d,]+ Search → Payments/);
  });

  it('applies per-team thresholds to the forecast probability', async () => {
    // Prepare: both teams have a 50% chance of running out; only Search's threshold calls that critical.
    const store = criticalTeam();
    store.totals.push(...store.totals.map((t) => ({ ...t, team: 'search' })));
    const config = aConfig({
      teams: [
        { id: 'payments', name: 'Payments', annualBudgetUsd: 610_000, slackChannel: 'C0PAYMENTS' },
        { id: 'search', name: 'Search', annualBudgetUsd: 610_000, alerts: { criticalProbability: 0.45 } },
      ],
    });
    const forecaster: TeamForecaster = ({ asOf }) => ({
      asOf,
      spentToDateUsd: 450_000,
      yearEndUsd: { p10: 500_000, p50: 610_000, p90: 900_000 },
      exhaustionDate: { p10: '2026-09-01', p50: '2026-12-30', p90: null },
      probabilityOfExhaustion: 0.5,
      status: 'warning',
      confidence: 'normal',
      band: [],
    });
    const { sns, deps: d } = deps(store, { config });

    // Act
    await runDailyJob({ ...d, forecaster }, AS_OF);

    // Assess
    expect(sns.published.map((n) => `${n.attributes.team}:${n.attributes.severity}`).sort()).toEqual([
      'payments:warning',
      'search:critical',
    ]);
  });

  it('keeps an open budget alert as it is while the team’s forecast fails, instead of closing it on the run-rate', async () => {
    // Prepare: the forecast says critical (P 0.9) on a $5M budget the trailing run-rate would call ok.
    const store = criticalTeam();
    const config = aConfig({
      teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 5_000_000, slackChannel: 'C0PAYMENTS' }],
    });
    const critical: TeamForecaster = ({ asOf }) => ({
      asOf,
      spentToDateUsd: 450_000,
      yearEndUsd: { p10: 4_000_000, p50: 5_500_000, p90: 7_000_000 },
      exhaustionDate: { p10: '2026-09-01', p50: '2026-11-15', p90: null },
      probabilityOfExhaustion: 0.9,
      status: 'critical',
      confidence: 'normal',
      band: [],
    });
    const failing: TeamForecaster = () => {
      throw new RangeError('the engine could not fit');
    };
    const { sns, deps: d } = deps(store, { config, recoveryDays: 1 });
    await runDailyJob({ ...d, forecaster: critical }, AS_OF);

    // Act: two days on which the forecast fails.
    const day1 = await runDailyJob(
      { ...d, forecaster: failing, clock: at('2026-04-02T06:30:00Z') },
      '2026-04-01',
    );
    await runDailyJob({ ...d, forecaster: failing, clock: at('2026-04-03T06:30:00Z') }, '2026-04-02');

    // Assess: one critical notice, no recovery; the state is still critical; the run says why.
    expect(sns.published.map((n) => `${n.attributes.rule}:${n.attributes.kind}`)).toEqual(['budget:enter']);
    expect((await budgetState(store))?.current).toBe('critical');
    expect(day1.alerts.problems).toContain(
      'payments: forecast failed (the engine could not fit); its outlook is the trailing run-rate',
    );
  });

  it('tells finance and SNS when a source falls behind, naming its last complete day, and once when it is complete again', async () => {
    // Prepare: Cursor has delivered every day up to 27 Mar, then nothing.
    const store = new MemoryStore();
    const config = aConfig({ sources: [{ id: 'cursor', type: 'cursor', secretName: 'burnwatch/cursor' }] });
    store.manifests = deliveredDays('cursor', '2026-01-01', '2026-03-27');
    const { slack, sns, deps: d } = deps(store, { config, recoveryDays: 1 });

    // Act
    await runDailyJob({ ...d, clock: at('2026-04-01T06:30:00Z') }, AS_OF);
    await runDailyJob({ ...d, clock: at('2026-04-02T06:30:00Z') }, '2026-04-01');
    store.manifests.push(...deliveredDays('cursor', '2026-03-28', '2026-04-02'));
    await runDailyJob({ ...d, clock: at('2026-04-03T07:30:00Z') }, '2026-04-02');

    // Assess
    expect(slack.posts.map((p) => `${p.channel} ${p.message.text}`)).toEqual([
      'C0FINANCE WARNING: Data from cursor (Cursor) is complete only through 27 Mar.',
      'C0FINANCE RESOLVED: Data from cursor (Cursor) is complete again.',
    ]);
    expect(sns.published.map((n) => n.attributes)).toEqual([
      { team: '_org', severity: 'warning', rule: 'stale-data', kind: 'enter' },
      { team: '_org', severity: 'ok', rule: 'stale-data', kind: 'recover' },
    ]);
  });

  it('retries an undelivered digest on the following days of its week', async () => {
    // Prepare: Monday's finance post fails.
    const store = criticalTeam();
    const { slack, deps: d } = deps(store, { sns: undefined });
    slack.failures.set('C0FINANCE', 'rate_limited');
    await runDailyJob({ ...d, clock: at('2026-03-30T06:30:00Z') }, '2026-03-29');
    slack.failures.clear();

    // Act
    await runDailyJob(d, '2026-03-31');
    await runDailyJob({ ...d, clock: at('2026-04-02T06:30:00Z') }, '2026-04-01');

    // Assess
    expect(slack.posts.filter((p) => p.noticeId.includes('DIGEST')).map((p) => p.noticeId)).toEqual([
      '_org:DIGEST:2026-03-29',
    ]);
  });
});
