import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../../functions/core/alerts/block-kit.js';
import { burnReportSchema } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { createSeatHistory } from '../../../functions/core/ingest/seat-history.js';
import { reportInput } from '../../../functions/core/report/report-data.js';
import { renderReportHtml } from '../../../functions/core/report/report-html.js';
import { answerBurnCommand } from '../../../functions/core/slash/burn-command.js';
import { SyntheticOrg } from '../../../functions/demo/synthetic-org.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { RecordingSlack, RecordingSns } from '../../unit/alerts/fakes.js';

/**
 * Per-person figures and names reach only config.privacy's viewers, and only in private answers:
 * the whole path (synthetic vendors → ingest → DynamoDB Local → daily job → Slack, SNS, the report,
 * /burn) with two teams whose people hold idle seats, match no identity rule (a contractor) and go
 * over the per-engineer cap.
 */
const dynamo = useLocalDynamo();
const githubTeams = (teams: string[]) => teams.map((t) => ({ match: { githubTeam: t }, team: t }));
const emails = (teams: Array<[string, string]>) =>
  teams.map(([domain, team]) => ({ match: { userEmail: `*@${domain}.acme.example` }, team }));
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    {
      id: 'mobile',
      name: 'Mobile',
      annualBudgetUsd: 180_000,
      headcount: 28,
      slackChannel: '#mobile',
      managers: { slackUserIds: ['UMOBMGR'] },
    },
    {
      id: 'search',
      name: 'Search',
      annualBudgetUsd: 420_000,
      headcount: 35,
      slackChannel: '#search',
      managers: { slackUserIds: ['USRCHMGR'] },
    },
  ],
  sources: [
    {
      id: 'anthropic',
      type: 'anthropic',
      attribution: [
        { match: { workspace: 'wrkspc_mobile' }, team: 'mobile' },
        { match: { workspace: 'wrkspc_search' }, team: 'search' },
        ...emails([
          ['mobile', 'mobile'],
          ['search', 'search'],
        ]),
      ],
    },
    {
      id: 'cursor',
      type: 'cursor',
      attribution: emails([
        ['mobile', 'mobile'],
        ['search', 'search'],
      ]),
    },
    { id: 'copilot', type: 'copilot', organization: 'acme', attribution: githubTeams(['mobile', 'search']) },
    { id: 'github', type: 'github', organization: 'acme', attribution: githubTeams(['mobile', 'search']) },
    {
      id: 'copilot-metrics',
      type: 'copilot-metrics',
      organization: 'acme',
      attribution: githubTeams(['mobile', 'search']),
    },
  ],
  alerts: { perEngineerMonthlyCapUsd: 150, costPerMergedPrRise: 0.01 },
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO', 'UFINOPS'], digestWeekday: 'tuesday' },
  privacy: { perPersonVisibleTo: { slackUserIds: ['UFINOPS'] } },
  identities: { githubLoginRules: [{ githubLogin: '*-dev*', email: 'dev{2}@{1}.acme.example' }] },
});
const asOf = '2026-03-31';
const clock = { now: () => new Date('2026-04-01T07:00:00Z') };
/** Anything that names one of the synthetic people: emails, GitHub logins, the contractor. */
const PERSON = /dev\d{2}@|\b(mobile|search)-dev\d{2}\b|kim-contractor/;

const textOf = (m: SlackMessage | { blocks: readonly unknown[]; text: string }) => JSON.stringify(m);

describe('outcomes: per-person detail only for perPersonVisibleTo, never ranked', () => {
  it('keeps names out of channels, the digest, SNS, the report and shared answers', async () => {
    const { store } = await dynamo.newStore();
    const org = new SyntheticOrg({ config });
    const ingest = await runIngest({
      config,
      store,
      connectors: org.connectors({ seatHistory: (id) => createSeatHistory(store, id), today: '2026-04-01' }),
      clock: { now: () => new Date('2026-04-01T06:00:00Z') },
    });
    expect(ingest.every((o) => o.status === 'ok')).toBe(true);

    const slack = new RecordingSlack();
    const sns = new RecordingSns();
    const job = await runDailyJob({ config, store, clock, slack, sns, digest: 'always' }, asOf);
    const mobile = burnReportSchema.parse(await store.getTeamSummary('mobile'));
    const search = burnReportSchema.parse(await store.getTeamSummary('search'));
    // The figures exist: idle Copilot seats at Mobile, an unmatched contractor at Search, people over the cap.
    expect(mobile.outcomes?.idleSeats.find((s) => s.vendor === 'copilot')?.idle).toBe(14);
    expect(mobile.people?.idleSeats).toHaveLength(14);
    expect(search.people?.unmatchedIdentities).toEqual(['github:kim-contractor']);
    const rules = new Set(job.alerts.notices.map((n) => n.rule));
    expect(rules).toContain('engineer-cap');
    expect(rules).toContain('digest');

    // Slack: channels (team and finance, the digest included) never carry a name; only the direct
    // message to the privacy viewer does.
    const toChannels = slack.posts.filter((p) => p.channel.startsWith('#'));
    const toPeople = slack.posts.filter((p) => !p.channel.startsWith('#'));
    expect(toChannels.length).toBeGreaterThan(0);
    for (const p of toChannels) expect(textOf(p.message)).not.toMatch(PERSON);
    expect(new Set(toPeople.map((p) => p.channel))).toEqual(new Set(['UFINOPS']));
    expect(toPeople.some((p) => PERSON.test(textOf(p.message)))).toBe(true);
    // SNS subscribers are not privacy-checked: nothing personal goes there.
    expect(sns.published.length).toBeGreaterThan(0);
    for (const n of sns.published) expect(`${n.subject}\n${n.message}`).not.toMatch(PERSON);

    // The report (finance reads it, it is a file anyone can be sent).
    const html = renderReportHtml(
      await reportInput({ config, store, org: job, generatedAt: '2026-04-01T07:00:00.000Z' }),
    );
    expect(html).toContain('What the spend bought');
    expect(html).not.toMatch(PERSON);

    // /burn: names only for the privacy viewer, in a private answer, in name order.
    const ask = (user_id: string, text: string) =>
      answerBurnCommand(
        { command: '/burn', user_id, text },
        { config, summaries: store, groupMembers: async () => [] },
      );
    for (const [who, text] of [
      ['UMOBMGR', 'mobile outcomes'],
      ['UMOBMGR', 'mobile'],
      ['UCFO', 'mobile outcomes'],
      ['UCFO', 'search outcomes'],
      ['UFINOPS', 'mobile outcomes share'],
      ['UFINOPS', 'all'],
    ] as const)
      expect(textOf(await ask(who, text)), `${who}: /burn ${text}`).not.toMatch(PERSON);
    const allowed = await ask('UFINOPS', 'mobile outcomes');
    expect(allowed.response_type).toBe('ephemeral');
    const seats = /Idle seats, by name\* \(visible to you only\): ([^"]+)"/.exec(textOf(allowed))?.[1] ?? '';
    const holders = seats.split(', ');
    expect(holders).toHaveLength(14);
    // Listed by name, nothing else: no figure next to a person, no order but the alphabet.
    expect(holders).toEqual([...holders].sort((a, b) => a.localeCompare(b)));
    for (const h of holders) expect(h).toMatch(/^mobile-dev\d{2} \(copilot\)$/);
    expect(textOf(await ask('UFINOPS', 'search outcomes'))).toContain('github:kim-contractor');

    // Who is over the per-engineer cap: stored with the team's summary by the same rule that alerted,
    // shown by name to the privacy viewer, never to the team's own manager or in a shared answer.
    const capTeams = [
      ...new Set(job.alerts.notices.filter((n) => n.rule === 'engineer-cap').map((n) => n.team)),
    ];
    expect(capTeams.length).toBeGreaterThan(0);
    for (const team of capTeams) {
      const summary = burnReportSchema.parse(await store.getTeamSummary(team));
      const over = summary.people?.overCap ?? [];
      expect(over.length).toBeGreaterThan(0);
      for (const p of over) expect(p.monthUsd).toBeGreaterThan(150);
      const line = /Over the per-engineer cap this month\*: ([^"]+)"/.exec(
        textOf(await ask('UFINOPS', team)),
      )?.[1];
      expect(line?.split(', ').map((x) => x.replace(/ \$[\d,.]+$/, ''))).toEqual(
        over.map((p) => p.user).sort((a, b) => a.localeCompare(b)),
      );
      expect(textOf(await ask('UFINOPS', `${team} share`))).not.toContain('Over the per-engineer cap');
    }
    expect(textOf(await ask('UMOBMGR', 'mobile'))).not.toContain('Over the per-engineer cap');
  });
});
