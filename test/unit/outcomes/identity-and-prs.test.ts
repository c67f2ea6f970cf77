import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../functions/core/config/load.js';
import { createIdentityResolver } from '../../../functions/core/outcomes/identity.js';
import {
  type MergedPullRequest,
  mergedPullRequestLines,
} from '../../../functions/core/outcomes/pull-requests.js';

const identities = {
  people: [{ email: 'Ana@corp.example', githubLogins: ['ana-gh'], aliases: ['ana.old@corp.example'] }],
  githubLoginRules: [{ githubLogin: '*_corp', email: '{1}@corp.example' }],
};

describe('one identity per person', () => {
  it('resolves emails, listed logins, login rules and GitHub emails, in that order', () => {
    const resolver = createIdentityResolver(
      identities,
      new Map([
        ['bo', 'Bo@corp.example'],
        ['ana-gh', 'x@y.example'],
      ]),
    );
    expect(resolver.personOf({ userEmail: 'ANA@corp.example' })).toEqual({
      key: 'ana@corp.example',
      resolved: true,
    });
    expect(resolver.personOf({ userEmail: 'ana.old@corp.example' })).toEqual({
      key: 'ana@corp.example',
      resolved: true,
    });
    // The listed login wins over what GitHub shows.
    expect(resolver.personOf({ githubLogin: 'Ana-GH' })).toEqual({ key: 'ana@corp.example', resolved: true });
    expect(resolver.personOf({ githubLogin: 'carl_corp' })).toEqual({
      key: 'carl@corp.example',
      resolved: true,
    });
    expect(resolver.personOf({ githubLogin: 'bo' })).toEqual({ key: 'bo@corp.example', resolved: true });
    expect(resolver.personOf({ githubLogin: 'stranger' })).toEqual({
      key: 'github:stranger',
      resolved: false,
    });
    // Lines about no person (a workspace, an API key) are nobody.
    expect(resolver.personOf({ workspace: 'wrkspc_1', apiKey: 'key' })).toBeUndefined();
  });

  it('resolves an email a login rule makes through the person’s aliases, as it does a GitHub member email (review G, F6)', () => {
    // Prepare: John is john.doe@ in Cursor; his EMU login jdoe_acme makes jdoe@, one of his aliases.
    const resolver = createIdentityResolver({
      people: [{ email: 'john.doe@acme.example', githubLogins: [], aliases: ['JDoe@acme.example'] }],
      githubLoginRules: [{ githubLogin: '*_acme', email: '{1}@acme.example' }],
    });

    // Act
    const cursor = resolver.personOf({ userEmail: 'jdoe@acme.example' });
    const copilot = resolver.personOf({ githubLogin: 'jdoe_acme' });

    // Assess: one person (one active engineer), resolved, and the login's email is his.
    expect(cursor).toEqual({ key: 'john.doe@acme.example', resolved: true });
    expect(copilot).toEqual(cursor);
    expect(resolver.emailOfLogin('JDOE_acme')).toBe('john.doe@acme.example');
    // A rule's email that is nobody's alias stays as the rule makes it.
    expect(resolver.personOf({ githubLogin: 'bo_acme' })).toEqual({ key: 'bo@acme.example', resolved: true });
  });

  it('refuses a login listed for two people, naming the field and the fix', () => {
    const run = () =>
      parseConfig({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [{ id: 'a', name: 'A', annualBudgetUsd: 1 }],
        finance: { slackChannel: '#finance' },
        identities: {
          people: [
            { email: 'a@corp.example', githubLogins: ['same'] },
            { email: 'b@corp.example', githubLogins: ['Same'] },
          ],
        },
      });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(
      /identities\.people\[1\]\.githubLogins\[0\]: "Same" is already listed for a@corp\.example; one identity is one person/,
    );
  });
});

const pr = (over: Partial<MergedPullRequest>): MergedPullRequest => ({
  repository: 'acme/api',
  number: 1,
  mergedOn: '2026-03-02',
  author: 'ana-gh',
  assignees: [],
  labels: [],
  text: 'Fix the thing',
  ...over,
});

describe('merged pull requests as outcome lines', () => {
  const members = new Map([
    ['ana-gh', { login: 'ana-gh', teams: ['guild', 'payments'] }],
    ['bo', { login: 'bo', teams: [] }],
  ]);
  const resolver = createIdentityResolver(identities);
  const rules = {
    aiMarkers: ['Generated with [Claude Code]'],
    aiAuthors: ['Copilot'],
    aiLabels: ['ai-assisted'],
  };
  const attribution = [
    { match: { githubTeam: 'payments' }, team: 'payments' },
    { match: { githubTeam: 'guild' }, team: 'guild' },
  ];

  it('counts members’ merges per author and day, AI-assisted where a vendor says so', () => {
    const { lines, notMembers } = mergedPullRequestLines({
      prs: [
        pr({ number: 1 }),
        pr({
          number: 2,
          text: 'Add retries\n\n🤖 generated with [claude code](https://claude.com/claude-code)',
        }),
        pr({ number: 3, labels: ['AI-Assisted'] }),
        // Copilot's coding agent opened it; Bo asked for it: Bo's merged PR, AI-assisted.
        pr({ number: 4, author: 'Copilot', assignees: ['outsider', 'bo'] }),
        // An agent PR no member was assigned, and an outside contributor's: not the team's output.
        pr({ number: 5, author: 'Copilot', assignees: [] }),
        pr({ number: 6, author: 'dependabot[bot]' }),
        pr({ number: 7, mergedOn: '2026-03-03' }),
      ],
      members,
      rules,
      attribution,
      resolver,
      today: '2026-03-03',
    });
    expect(notMembers).toBe(2);
    expect(
      lines.map((l) => [l.date, l.identities, l.outcomes, l.provisional, l.billable, l.costMicros]),
    ).toEqual([
      [
        '2026-03-02',
        // Of Ana's teams, the one the first matching rule names (payments comes first in the rules).
        { githubLogin: 'ana-gh', userEmail: 'ana@corp.example', githubTeam: 'payments' },
        { mergedPullRequests: 3, aiAssistedPullRequests: 2 },
        false,
        false,
        0n,
      ],
      [
        '2026-03-02',
        { githubLogin: 'bo' },
        { mergedPullRequests: 1, aiAssistedPullRequests: 1 },
        false,
        false,
        0n,
      ],
      [
        '2026-03-03',
        { githubLogin: 'ana-gh', userEmail: 'ana@corp.example', githubTeam: 'payments' },
        { mergedPullRequests: 1, aiAssistedPullRequests: 0 },
        true,
        false,
        0n,
      ],
    ]);
  });

  it('keeps the first team when no rule places the author', () => {
    const { lines } = mergedPullRequestLines({
      prs: [pr({})],
      members,
      rules,
      attribution: [{ match: { githubTeam: 'nope' }, team: 'x' }],
      resolver,
    });
    expect(lines[0]?.identities.githubTeam).toBe('guild');
  });
});
