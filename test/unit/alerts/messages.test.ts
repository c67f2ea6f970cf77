import { describe, expect, it } from 'vitest';
import { blockKitProblems, type SlackMessage } from '../../../functions/core/alerts/block-kit.js';
import { mrkdwnToHtml, renderSlackMessageHtml } from '../../../functions/core/alerts/block-kit-html.js';
import { type DigestRow, digestMessage, sortByRisk } from '../../../functions/core/alerts/digest.js';
import { alertMessage, snsNotice, stripMrkdwn } from '../../../functions/core/alerts/messages.js';
import { composeDigestNotice } from '../../../functions/core/alerts/notice-composer.js';
import type {
  AlertCondition,
  BudgetFacts,
  SpikeFacts,
  StaleFacts,
} from '../../../functions/core/alerts/types.js';
import type { BurnReport } from '../../../functions/core/burn-report.js';

const budgetFacts: BudgetFacts = {
  kind: 'budget',
  teamName: 'Payments',
  asOf: '2026-02-15',
  fiscalYearEnd: '2026-12-31',
  fiscalYearLabel: 'FY2026',
  budgetUsd: 240_000,
  spentToDateUsd: 151_234.5,
  percentUsed: 63,
  yearEndUsd: { p10: 690_000, p50: 812_000, p90: 955_000 },
  exhaustionDate: { p10: '2026-04-14', p50: '2026-04-28', p90: '2026-05-19' },
  probabilityOfExhaustion: 0.97,
  daysEarly: 247,
  method: 'forecast',
  driver: { vendor: 'anthropic', model: 'claude-opus-4-6', share: 0.64, growthUsd: 12_300 },
  vendors: ['anthropic', 'cursor', 'copilot', 'bedrock', 'openai'],
  dataStatus: 'complete',
  dataNotes: [],
};
const cond: AlertCondition = {
  team: 'payments',
  rule: 'budget',
  key: 'ALERT#budget',
  severity: 'critical',
  facts: budgetFacts,
};
const ctx = { kind: 'enter' as const, audience: 'channel' as const, worseningDays: 14, githubOrg: 'acme' };
const all = (m: SlackMessage) => JSON.stringify(m);

describe('budget alert message', () => {
  it('gives finance the team, date, how early, spent/budget, P10–P90, driver and where to set limits', () => {
    // Act
    const m = alertMessage(cond, budgetFacts, ctx, '2026-02-15');

    // Assess
    expect(blockKitProblems(m)).toEqual([]);
    expect(m.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: '🔴 Payments will run out of AI budget around 28 Apr' },
    });
    const text = all(m);
    for (const expected of [
      'around *28 Apr* (P10 14 Apr, P90 19 May), *247 days before year end*',
      '$151,235 (63%)',
      '$240,000',
      '$812k (P10 $690k – P90 $955k)',
      '97%',
      'Anthropic claude-opus-4-6 (+$12k vs the 28 days before; 64% of recent spend)',
      'https://console.anthropic.com/settings/limits',
      'https://platform.openai.com/settings/organization/limits',
      'https://cursor.com/dashboard?tab=spending',
      'https://github.com/organizations/acme/settings/billing/budgets',
      'https://console.aws.amazon.com/billing/home#/budgets',
    ])
      expect(text).toContain(expected);
  });

  it('says how much earlier it now runs out when it worsens', () => {
    // Act
    const m = alertMessage(
      cond,
      budgetFacts,
      { ...ctx, kind: 'worsen', previousExhaustionP50: '2026-06-02' },
      '2026-02-15',
    );

    // Assess
    expect(m.blocks[0]).toMatchObject({
      text: { text: '🔴 Payments: AI budget now runs out 5 weeks earlier, around 28 Apr' },
    });
    expect(all(m)).toContain('*Previously expected*\\n2 Jun');
  });

  it('keeps within Block Kit limits for a very long team name', () => {
    // Act
    const long = { ...budgetFacts, teamName: 'P'.repeat(400) };
    const m = alertMessage({ ...cond, facts: long }, long, ctx, '2026-02-15');

    // Assess
    expect(blockKitProblems(m)).toEqual([]);
  });

  it('becomes concise SNS text with filterable attributes and an ASCII subject', () => {
    // Act
    const n = snsNotice(cond, alertMessage(cond, budgetFacts, ctx, '2026-02-15'), 'enter');

    // Assess
    expect(n.subject).toBe('[CRITICAL] Payments will run out of AI budget around 28 Apr');
    expect(n.attributes).toEqual({ team: 'payments', severity: 'critical', rule: 'budget', kind: 'enter' });
    expect(n.message).not.toMatch(/[*`]/);
    expect(n.message).toContain('Anthropic limits: https://console.anthropic.com/settings/limits');
  });
});

describe('stale-data message', () => {
  it('writes the last successful fetch as a readable UTC time, not a raw ISO timestamp', () => {
    // Prepare
    const facts: StaleFacts = {
      kind: 'stale-data',
      source: 'openai',
      vendor: 'openai',
      lastCompleteDay: '2026-03-26',
      missingDays: 5,
      holes: [{ from: '2026-03-27', to: '2026-03-31' }],
      lastError: null,
      lastFetchedAt: '2026-04-01T06:00:00.000Z',
      hoursBehind: 120,
      staleAfterHours: 48,
    };
    const stale: AlertCondition = {
      team: '_org',
      rule: 'stale-data',
      key: 'ALERT#stale-data#openai',
      severity: 'warning',
      facts,
    };
    // Act
    const text = all(alertMessage(stale, facts, ctx, '2026-03-31'));
    // Assess
    expect(text).toContain('*Last successful fetch*\\n1 Apr 2026, 06:00 UTC');
    expect(text).not.toContain('2026-04-01T06:00:00.000Z');
  });
});

describe('spike message privacy', () => {
  const spike: SpikeFacts = {
    kind: 'spike',
    teamName: 'Payments',
    date: '2026-03-10',
    usd: 4_800,
    baselineUsd: 300,
    multiple: 16,
    vendor: 'cursor',
    source: 'cursor',
    model: 'claude-opus-4-6',
    identity: { kind: 'userEmail', value: 'ana@corp.com', person: true, usd: 4_400 },
    vendors: ['cursor'],
  };
  const spikeCond: AlertCondition = {
    team: 'payments',
    rule: 'spike',
    key: 'ALERT#spike',
    severity: 'warning',
    facts: spike,
  };

  it('does not name a person in channels, only in private messages', () => {
    // Act
    const channel = alertMessage(spikeCond, spike, ctx, '2026-03-10');
    const dm = alertMessage(spikeCond, spike, { ...ctx, audience: 'private' }, '2026-03-10');

    // Assess
    expect(all(channel)).not.toContain('ana@corp.com');
    expect(all(channel)).toContain('one person');
    expect(all(dm)).toContain('ana@corp.com');
    expect(all(channel)).toContain('16×');
  });
});

function aRow(
  team: string,
  severity: DigestRow['severity'],
  p: number | null,
  exhaustion: string | null,
): DigestRow {
  const report = {
    team,
    name: team[0]?.toUpperCase() + team.slice(1),
    asOf: '2026-03-30',
    budgetUsd: 100_000,
    spentToDateUsd: 40_000,
    percentUsed: 40,
    dataStatus: 'complete',
    sources: [],
    estimatedUsd: 0,
    outlook: {
      method: 'forecast',
      yearEndUsd: { p10: 90_000, p50: 120_000, p90: 150_000 },
      exhaustionDate: { p10: exhaustion, p50: exhaustion, p90: null },
      probabilityOfExhaustion: p,
      status: severity,
      confidence: 'normal',
      daysEarly: null,
    },
  } as unknown as BurnReport;
  return { report, severity };
}

describe('weekly digest', () => {
  it('puts the riskiest team first', () => {
    // Act
    const sorted = sortByRisk([
      aRow('web', 'ok', 0.05, null),
      aRow('search', 'critical', 0.8, '2026-09-01'),
      aRow('mobile', 'warning', 0.4, null),
      aRow('payments', 'critical', 0.8, '2026-05-01'),
    ]);

    // Assess
    expect(sorted.map((r) => r.report.team)).toEqual(['payments', 'search', 'mobile', 'web']);
  });

  it('fits 200 teams in one message within Block Kit limits, counting the ones left out', () => {
    // Prepare
    const rows = Array.from({ length: 200 }, (_, i) =>
      aRow(
        `team-${String(i).padStart(3, '0')}`,
        i < 5 ? 'critical' : 'ok',
        i < 5 ? 0.9 : 0.01,
        i < 5 ? '2026-06-01' : null,
      ),
    );

    // Act
    const m = digestMessage({ organization: 'Acme', asOf: '2026-03-30', rows });

    // Assess
    expect(blockKitProblems(m)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(all(m)).toContain('200 teams: 5 critical, 0 at risk, 195 on track');
    expect(all(m).indexOf('Team-000')).toBeLessThan(all(m).indexOf('Team-100'));
  });

  it('keeps the report button and the footer when the teams overflow the message (review G, F4)', () => {
    // Prepare: 1,000 teams, each with last week's change line, and the day's report attached.
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      ...aRow(`platform-engineering-team-${String(i).padStart(3, '0')}`, 'warning', 0.4, '2026-05-20'),
      lastWeek: {
        spentToDateUsd: 33_000,
        yearEndUsd: { p10: 300_000, p50: 330_000, p90: 360_000 },
        exhaustionDate: { p50: '2026-05-20' },
        status: 'warning' as const,
      },
    }));

    // Act
    const m = digestMessage({
      organization: 'Acme',
      asOf: '2026-03-30',
      rows,
      report: { url: 'https://reports.example/r.html?sig=abc', expiresHours: 24, location: 's3://b/r.html' },
    });
    const sent = composeDigestNotice(m, '2026-03-30').messages.channel;

    // Assess: the digest fits as built, so fitting it for Slack cuts nothing: the button, where the
    // teams left out can be read, and the footer are there, after the count of the teams left out.
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(blockKitProblems(m)).toEqual([]);
    expect(sent.blocks).toEqual(m.blocks);
    expect(sent.blocks.filter((b) => b.type === 'actions')).toHaveLength(1);
    expect(all(sent)).toMatch(/…and \d+ more teams/);
    expect(JSON.stringify(sent.blocks.at(-1))).toContain('burnwatch weekly digest');
  });
});

describe('Block Kit → HTML preview', () => {
  it('renders mrkdwn and escapes HTML', () => {
    // Act
    const html = mrkdwnToHtml('*Payments* &lt;script&gt; _soon_ `key` <https://x.test/a?b=1&c=2|limits>');

    // Assess
    expect(html).toBe(
      '<strong>Payments</strong> &lt;script&gt; <em>soon</em> <code>key</code> <a href="https://x.test/a?b=1&amp;c=2">limits</a>',
    );
  });

  it('shows the chart and the destinations of a message', () => {
    // Act
    const html = renderSlackMessageHtml(alertMessage(cond, budgetFacts, ctx, '2026-02-15'), {
      meta: 'to #finance',
      chartSrc: 'data:image/png;base64,AAAA',
    });

    // Assess
    expect(html).toContain(
      '<div class="bk-header"><span class="bk-dot" style="background:#b3261e"></span> Payments will run out of AI budget around 28 Apr</div>',
    );
    expect(html).toContain('<img class="bk-chart" src="data:image/png;base64,AAAA"');
    expect(html).toContain('<a class="bk-button" href="https://console.anthropic.com/settings/limits">');
  });
});

describe('mrkdwn to plain text (SNS, terminal)', () => {
  it('drops formatting but keeps underscores inside identifiers', () => {
    // Act
    const text = stripMrkdwn('*Driven by*: apiKey `apikey_ci_agent` _(most)_ &amp; <https://x.test|limits>');

    // Assess
    expect(text).toBe('Driven by: apiKey apikey_ci_agent (most) & limits (https://x.test)');
  });
});
