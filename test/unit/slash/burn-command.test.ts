import { describe, expect, it } from 'vitest';
import { type BurnReport, computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { orgSummaryOf } from '../../../functions/core/org-summary.js';
import {
  AccessLookupError,
  answerBurnCommand,
  type SlashDeps,
  type SlashPayload,
} from '../../../functions/core/slash/burn-command.js';
import { aTotal } from '../../helpers/builders.js';

const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 120_000, managers: { slackUserIds: ['UPAYMGR'] } },
    {
      id: 'search',
      name: 'Search',
      annualBudgetUsd: 500_000,
      managers: { slackUserGroupIds: ['SSEARCHLEADS'] },
    },
  ],
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'], slackUserGroupIds: ['SFINANCE'] },
  privacy: { perPersonVisibleTo: { slackUserIds: ['UFINOPS'] } },
});

function report(team: string, name: string, budget: number, usdPerDay: number): BurnReport {
  const totals = eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, usdPerDay, { team }));
  const r = computeBurnReport({
    team,
    name,
    budgetUsd: budget,
    fiscalYear: fiscalYearOf(config.fiscalYear, '2026-03-31'),
    asOf: '2026-03-31',
    totals,
    now: new Date(0),
  });
  return {
    ...r,
    people: {
      overCap: [
        { user: 'zed@corp.example', monthUsd: 1900 },
        { user: 'amy@corp.example', monthUsd: 1600 },
      ],
      idleSeats: [],
      unmatchedIdentities: [],
    },
  };
}

const summaries = new Map<string, unknown>([
  ['payments', report('payments', 'Payments', 120_000, 1000)],
  ['search', report('search', 'Search', 500_000, 900)],
]);
const groups: Record<string, string[]> = { SSEARCHLEADS: ['USRCHLEAD'], SFINANCE: ['UFINGRP', 'UFINOPS'] };
const lookups: string[] = [];
const deps: SlashDeps = {
  config,
  summaries: {
    getTeamSummaries: async (teams) =>
      new Map(teams.flatMap((t) => (summaries.has(t) ? [[t, summaries.get(t)]] : []))),
  },
  groupMembers: async (g) => {
    lookups.push(g);
    return groups[g] ?? [];
  },
};
const ask = (user_id: string, text = '') =>
  answerBurnCommand({ command: '/burn', user_id, text } satisfies SlashPayload, deps);
const textOf = (r: { blocks: readonly unknown[] }) => JSON.stringify(r.blocks);

describe('/burn authorization', () => {
  it.each([
    ['a manager, own team', 'UPAYMGR', 'payments', true],
    ['a manager, another team', 'UPAYMGR', 'search', false],
    ['a user-group manager, own team', 'USRCHLEAD', 'search', true],
    ['a user-group manager, another team', 'USRCHLEAD', 'payments', false],
    ['finance by user ID, any team', 'UCFO', 'search', true],
    ['finance by user group, any team', 'UFINGRP', 'payments', true],
    ['finance, unallocated spend', 'UCFO', 'unallocated', true],
    ['a manager, unallocated spend', 'UPAYMGR', 'unallocated', false],
  ])('%s', async (_name, user, team, allowed) => {
    const r = await ask(user, team);
    if (allowed) expect(textOf(r)).not.toMatch(/visible to its managers and finance|not set up/);
    else expect(textOf(r)).toMatch(/visible to its managers and finance/);
  });

  it('politely refuses someone with no teams, pointing at the finance channel', async () => {
    const r = await ask('UNOBODY', 'payments');
    expect(r.response_type).toBe('ephemeral');
    expect(textOf(r)).toMatch(/not set up to see any team's AI spend yet.*#finance/);
  });

  it('never grants access on a failed user-group lookup, and turns the refusal it would cause into "try again"', async () => {
    // Prepare: Slack's usergroups.users.list fails (down, token unreadable, missing scope)
    const broken: SlashDeps = {
      ...deps,
      groupMembers: async () => Promise.reject(new Error('missing_scope')),
    };
    // Act
    const member = answerBurnCommand({ command: '/burn', user_id: 'USRCHLEAD', text: 'search' }, broken);
    const manager = await answerBurnCommand(
      { command: '/burn', user_id: 'UPAYMGR', text: 'payments' },
      broken,
    );
    // Assess: the group member is not refused (they may be allowed) but cannot be answered either;
    // a manager named by user ID is answered as usual.
    await expect(member).rejects.toThrow(AccessLookupError);
    await expect(member).rejects.toMatchObject({ cause: new Error('missing_scope') });
    expect(manager.text).toMatch(/^Payments will exhaust/);
    await expect(
      answerBurnCommand({ command: '/burn', user_id: 'UPAYMGR', text: 'search' }, broken),
    ).rejects.toThrow(/user-group lookup failed for SFINANCE, SSEARCHLEADS/);
  });

  it('keeps /burn all for finance', async () => {
    expect(textOf(await ask('UPAYMGR', 'all'))).toMatch(/is for finance/);
    const all = textOf(await ask('UCFO', 'all'));
    expect(all).toContain('Payments');
    expect(all).toContain('Search');
  });

  it("lists only the caller's teams for plain /burn", async () => {
    const mine = textOf(await ask('USRCHLEAD'));
    expect(mine).toContain('Search');
    expect(mine).not.toContain('Payments');
  });

  it('shows per-person figures only to people config.privacy allows, alphabetically, never ranked', async () => {
    expect(textOf(await ask('UCFO', 'payments'))).not.toContain('amy@corp.example');
    expect(textOf(await ask('UPAYMGR', 'payments'))).not.toContain('amy@corp.example');
    const allowed = textOf(await ask('UFINOPS', 'payments'));
    expect(allowed).toMatch(/amy@corp.example \$1,600, zed@corp.example \$1,900/);
  });

  it('never puts per-person lines in an answer shared to the channel, even for a viewer allowed them (issue 13)', async () => {
    // Prepare: the stored summaries have people over the cap; UFINOPS may see per-person figures.
    const asked = [
      'payments share',
      'payments vendors share',
      'payments models share',
      'payments trend share',
    ];
    // Act
    const shared = await Promise.all(asked.map((text) => ask('UFINOPS', text)));
    const privately = await ask('UFINOPS', 'payments');
    // Assess: every shared answer goes to the channel without a single name or personal figure
    for (const r of shared) {
      expect(r.response_type).toBe('in_channel');
      expect(JSON.stringify(r)).not.toMatch(
        /amy@corp\.example|zed@corp\.example|\$1,600|\$1,900|per-engineer cap/,
      );
    }
    expect(privately.response_type).toBe('ephemeral');
    expect(textOf(privately)).toMatch(/amy@corp.example \$1,600, zed@corp.example \$1,900/);
  });
});

describe('/burn answers', () => {
  it('answers a team with its outlook, privately unless shared', async () => {
    const r = await ask('UPAYMGR', 'payments');
    expect(r.response_type).toBe('ephemeral');
    expect(r.text).toMatch(/^Payments will exhaust its \$120,000 budget around/);
    expect(textOf(r)).toContain('Year-end forecast');
    expect((await ask('UPAYMGR', 'payments share')).response_type).toBe('in_channel');
  });

  it('finds a team by name as well as id', async () => {
    expect((await ask('UCFO', 'Payments')).text).toMatch(/^Payments will exhaust/);
  });

  it.each(['vendors', 'models', 'trend'])('shows the %s view', async (view) => {
    const r = await ask('UPAYMGR', `payments ${view}`);
    expect(textOf(r)).toContain('```');
  });

  it('helps with an unknown team, view or command', async () => {
    expect(textOf(await ask('UPAYMGR', 'payment'))).toMatch(
      /I don't know a team called \*payment\*.*Teams you can see: `payments`/,
    );
    expect(textOf(await ask('UPAYMGR', 'payments costs'))).toMatch(/vendors.*models.*trend/);
    expect(textOf(await ask('UPAYMGR', 'help'))).toMatch(/\/burn TEAM/);
  });

  it('says when a team has no data yet instead of failing', async () => {
    const empty: SlashDeps = { ...deps, summaries: { getTeamSummaries: async () => new Map() } };
    const r = await answerBurnCommand({ command: '/burn', user_id: 'UPAYMGR', text: 'payments' }, empty);
    expect(textOf(r)).toMatch(/No data yet for \*Payments\*/);
  });

  it('keeps every answer within Block Kit limits', async () => {
    for (const text of ['', 'all', 'payments', 'payments trend', 'help']) {
      const r = await ask('UCFO', text);
      expect(r.blocks.length).toBeLessThanOrEqual(50);
      for (const b of r.blocks as ReadonlyArray<{ text?: { text: string } }>)
        expect((b.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    }
  });

  it('looks up only the user groups the config names', async () => {
    lookups.length = 0;
    await ask('UPAYMGR', 'payments');
    expect(new Set(lookups)).toEqual(new Set(['SFINANCE', 'SSEARCHLEADS']));
  });
});

describe('/burn and /burn all from the org summary (issue 14)', () => {
  it('answers the list from the one pre-computed summary, reading a team summary only for a team it lacks', async () => {
    // Prepare: the org summary knows Payments only; Search's own summary fills the gap.
    const asked: string[][] = [];
    const org = orgSummaryOf([summaries.get('payments') as BurnReport], '2026-04-01T06:00:00.000Z');
    const fromOrg: SlashDeps = {
      ...deps,
      summaries: {
        getOrgSummary: async () => JSON.parse(JSON.stringify(org)),
        getTeamSummaries: async (teams) => {
          asked.push([...teams]);
          return deps.summaries.getTeamSummaries(teams);
        },
      },
    };

    // Act
    const all = await answerBurnCommand({ command: '/burn', user_id: 'UCFO', text: 'all' }, fromOrg);
    const plain = await answerBurnCommand({ command: '/burn', user_id: 'UCFO', text: 'all' }, deps);

    // Assess: the same answer as from the team summaries, with one read for the team missing.
    expect(all).toEqual(plain);
    expect(textOf(all)).toContain('*Payments*');
    expect(textOf(all)).toContain('*Search*');
    expect(asked).toEqual([['search', 'unallocated']]);
  });

  it('answers from what the store holds now, whether the summary object is the one read before or a new one', async () => {
    // Prepare: a store that returns the same object while unchanged (as the DynamoDB adapter does).
    const payments = summaries.get('payments') as BurnReport;
    let current: unknown = orgSummaryOf([payments], '2026-04-01T06:00:00.000Z');
    const fromOrg: SlashDeps = {
      ...deps,
      summaries: { getOrgSummary: async () => current, getTeamSummaries: deps.summaries.getTeamSummaries },
    };
    const ask = () => answerBurnCommand({ command: '/burn', user_id: 'UCFO', text: 'all' }, fromOrg);

    // Act: twice the same summary, then the next day's, with Payments' spend changed.
    const first = await ask();
    const again = await ask();
    current = orgSummaryOf([{ ...payments, spentToDateUsd: 4321 }], '2026-04-02T06:00:00.000Z');
    const next = await ask();

    // Assess
    expect(again).toEqual(first);
    expect(textOf(next)).toContain('*Payments*: $4,321');
    expect(textOf(next)).not.toEqual(textOf(first));
  });

  it('builds a list answer once per org summary version, and apart for each asker, view and share', async () => {
    // Prepare: an org summary holding every team (so nothing is read from the team summaries).
    const payments = summaries.get('payments') as BurnReport;
    const search = summaries.get('search') as BurnReport;
    const unallocated = {
      ...payments,
      team: 'unallocated',
      name: 'Unallocated',
      budgetUsd: null,
      percentUsed: null,
    };
    let current: unknown = orgSummaryOf([payments, search, unallocated], '2026-04-01T06:00:00.000Z');
    const fromOrg: SlashDeps = {
      ...deps,
      summaries: {
        getOrgSummary: async () => current,
        getTeamSummaries: async () => {
          throw new Error('every line is in the org summary');
        },
      },
    };
    const ask = (user: string, text: string) =>
      answerBurnCommand({ command: '/burn', user_id: user, text }, fromOrg);

    // Act
    const all = await ask('UCFO', 'all');
    const allAgain = await ask('UCFO', 'all');
    const shared = await ask('UCFO', 'all share');
    const mine = await ask('UPAYMGR', '');
    current = orgSummaryOf(
      [{ ...payments, spentToDateUsd: 4321 }, search, unallocated],
      '2026-04-02T06:00:00.000Z',
    );
    const next = await ask('UCFO', 'all');

    // Assess: the same answer object while nothing changed; each asker's teams, view and share apart.
    expect(allAgain).toBe(all);
    // Slack's notification text counts the teams by status; the lines are in the blocks.
    expect(all.text).toMatch(/^AI spend, every team: \d+ [a-zA-Z ]+(, \d+ [a-zA-Z ]+)*$/);
    expect(all.text).toContain('1 unallocated');
    expect(all.text).not.toContain('*Payments*');
    expect(shared.response_type).toBe('in_channel');
    expect(all.response_type).toBe('ephemeral');
    expect(textOf(all)).toContain('every team');
    expect(textOf(all)).toContain('*Search*');
    expect(textOf(mine)).toContain('your teams');
    expect(textOf(mine)).not.toContain('*Search*');
    expect(textOf(next)).toContain('*Payments*: $4,321');
    expect(textOf(all)).not.toContain('$4,321');
  });
});
