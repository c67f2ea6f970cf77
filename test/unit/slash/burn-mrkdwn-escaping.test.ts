import { describe, expect, it } from 'vitest';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { outlookSentence } from '../../../functions/core/burn-text.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { computeTeamOutcomes } from '../../../functions/core/outcomes/metrics.js';
import { answerBurnCommand, type SlashDeps } from '../../../functions/core/slash/burn-command.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { aTotal } from '../../helpers/builders.js';
import { MemoryStore } from '../alerts/fakes.js';

/**
 * Review G, finding 1: a team name with mrkdwn control characters (`R&D <Tools>`, or a pasted
 * `<!channel>`) went into `/burn` answers raw, so `/burn rnd share` pinged the whole channel and
 * `<Tools>` rendered as a link. The digest and alerts already escaped it.
 */
const NAME = 'R&D <Tools> <!channel>';
const ESCAPED = 'R&amp;D &lt;Tools&gt; &lt;!channel&gt;';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'rnd', name: NAME, annualBudgetUsd: 120_000, managers: { slackUserIds: ['UMGR'] } }],
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
});
const asOf = '2026-03-31';
const totals = eachDay('2026-01-01', asOf).map((d) => aTotal(d, 1000, { team: 'rnd' }));
const report = computeBurnReport({
  team: 'rnd',
  name: NAME,
  budgetUsd: 120_000,
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
const deps: SlashDeps = {
  config,
  summaries: { getTeamSummaries: async () => new Map([['rnd', report]]) },
  groupMembers: async () => [],
};

/** Every mrkdwn text of the answer (header blocks are plain_text: Slack shows them as written). */
function mrkdwnTexts(blocks: readonly unknown[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}
const raw = (t: string) => t.includes('<!channel>') || t.includes('<Tools>') || t.includes('R&D');

describe('/burn shows a team name with mrkdwn characters as written, pinging no one', () => {
  it.each(['rnd', 'rnd share', 'rnd vendors share', 'rnd trend share', 'rnd outcomes share', 'all share'])(
    '/burn %s',
    async (text) => {
      // Act
      const r = await answerBurnCommand({ command: '/burn', user_id: 'UCFO', text }, deps);
      // Assess: no mrkdwn text, nor the notification text, carries the name's control characters raw
      const texts = mrkdwnTexts(r.blocks);
      expect(texts.filter(raw)).toEqual([]);
      expect(raw(r.text)).toBe(false);
      // ... and the name is still there, escaped (Slack renders it as `R&D <Tools> <!channel>`).
      expect(texts.some((t) => t.includes(ESCAPED))).toBe(true);
    },
  );

  it('keeps the outlook sentence plain text for the CLI, SNS and the HTML report (they escape their own way)', () => {
    expect(outlookSentence(report)).toContain(NAME);
  });

  it('budget changes, their history and the channel announcement escape the name and the typed reason', async () => {
    // Prepare: finance sets a budget with a reason that would ping the channel if sent raw.
    const store = new MemoryStore();
    const announced: string[] = [];
    const withDecisions: SlashDeps = {
      ...deps,
      config: parseConfig({
        ...config,
        teams: [{ id: 'rnd', name: NAME, annualBudgetUsd: 120_000, slackChannel: 'C0RND' }],
      }),
      decisions: {
        store,
        clock: { now: () => new Date('2026-04-01T09:00:00Z') },
        forecaster: engineForecaster(config),
        announce: async (_channel, text) => void announced.push(text),
      },
    };
    const ask = (text: string) =>
      answerBurnCommand({ command: '/burn', user_id: 'UCFO', text }, withDecisions);

    // Act
    const set = await ask('rnd budget 150000 reason <!channel> & <https://evil.example|Q2>');
    const history = await ask('rnd budget');

    // Assess: nothing raw anywhere; the reason is kept as typed in the store.
    for (const r of [set, history]) {
      expect(mrkdwnTexts(r.blocks).filter((t) => t.includes('<!channel>') || t.includes('<https'))).toEqual(
        [],
      );
      expect(r.text).not.toContain('<!channel>');
    }
    expect(announced).toHaveLength(1);
    expect(announced[0]).not.toMatch(/<!channel>|<https|<Tools>/);
    expect(announced[0]).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|Q2&gt;');
    expect(JSON.stringify(await store.listTeamRecords('rnd', 'budget'))).toContain('<!channel>');
  });
});
