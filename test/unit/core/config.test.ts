import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseConfigText } from '../../../functions/core/config/load.js';
import { alertSettingsFor } from '../../../functions/core/config/schema.js';

const example = JSON.parse(
  readFileSync(new URL('../../../burnwatch.config.example.json', import.meta.url), 'utf8'),
);

function minimal(): Record<string, unknown> {
  return {
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 7, startDay: 1 },
    teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 240000 }],
    sources: [
      { id: 'anthropic', type: 'anthropic', attribution: [{ match: { workspace: 'w1' }, team: 'payments' }] },
    ],
    finance: { slackChannel: '#finance' },
  };
}

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('config', () => {
  it('accepts the shipped example and fills defaults', () => {
    const config = parseConfig(example);
    expect(config.teams).toHaveLength(8);
    expect(config.alerts.worseningDays).toBe(14);
    expect(alertSettingsFor(config, 'search').spikeMultiplier).toBe(4);
    expect(alertSettingsFor(config, 'payments').spikeMultiplier).toBe(3);
  });

  // biome-ignore lint/suspicious/noExplicitAny: each case mutates raw JSON into a deliberately invalid shape
  const cases: Array<[string, (c: Record<string, any>) => void, RegExp]> = [
    [
      'negative budget',
      (c) => (c.teams[0].annualBudgetUsd = -5),
      /^teams\[0\]\.annualBudgetUsd: must be a positive number/,
    ],
    [
      'budget as text',
      (c) => (c.teams[0].annualBudgetUsd = '240k'),
      /^teams\[0\]\.annualBudgetUsd: must be a positive number/,
    ],
    ['missing team name', (c) => delete c.teams[0].name, /^teams\[0\]\.name: is required/],
    ['bad team id', (c) => (c.teams[0].id = 'Pay Ments'), /^teams\[0\]\.id: must be lowercase letters/],
    [
      'reserved team id',
      (c) => (c.teams[0].id = 'unallocated'),
      /^teams\[0\]\.id: "unallocated" is reserved/,
    ],
    [
      'duplicate team',
      (c) => c.teams.push({ ...c.teams[0] }),
      /^teams\[1\]\.id: duplicate team id "payments"/,
    ],
    [
      'Feb 30 fiscal start',
      (c) => (c.fiscalYear = { startMonth: 2, startDay: 30 }),
      /^fiscalYear\.startDay: must be a whole number from 1 to 28/,
    ],
    [
      'month 13',
      (c) => (c.fiscalYear.startMonth = 13),
      /^fiscalYear\.startMonth: must be a whole number from 1 to 12/,
    ],
    [
      'unknown source type',
      (c) => (c.sources[0].type = 'gemini'),
      /^sources\[0\]\.type: must be one of anthropic, openai/,
    ],
    [
      'rule for unknown team',
      (c) => (c.sources[0].attribution[0].team = 'payment'),
      /^sources\[0\]\.attribution\[0\]\.team: unknown team "payment"/,
    ],
    [
      'empty match',
      (c) => (c.sources[0].attribution[0].match = {}),
      /^sources\[0\]\.attribution\[0\]\.match: must name at least one of/,
    ],
    [
      'misspelt field',
      (c) => (c.teams[0].anualBudgetUsd = 1),
      /^teams\[0\]\.anualBudgetUsd: is not a known field/,
    ],
    [
      'bad Slack channel',
      (c) => (c.finance.slackChannel = 'finance'),
      /^finance\.slackChannel: must be a channel ID/,
    ],
    [
      'bad manager id',
      (c) => (c.teams[0].managers = { slackUserIds: ['bob'] }),
      /^teams\[0\]\.managers\.slackUserIds\[0\]: must be a Slack user ID/,
    ],
    ['non-USD currency', (c) => (c.currency = 'EUR'), /^currency: must be "USD"/],
    [
      'bad base URL',
      (c) => (c.sources[0].baseUrl = 'ftp://proxy'),
      /^sources\[0\]\.baseUrl: must be an http\(s\) URL/,
    ],
    [
      'copilot without org',
      (c) => c.sources.push({ id: 'gh', type: 'copilot' }),
      /^sources\[1\]\.organization: is required/,
    ],
    [
      'warning above critical',
      (c) => (c.alerts = { warningProbability: 0.8, criticalProbability: 0.5 }),
      /^alerts\.warningProbability: must not exceed/,
    ],
    [
      "a team's warning above its critical",
      (c) => (c.teams[0].alerts = { warningProbability: 0.9, criticalProbability: 0.2 }),
      /^teams\[0\]\.alerts\.warningProbability: must leave this team's warningProbability \(0\.9\) at or below its criticalProbability \(0\.2\)/,
    ],
    [
      "a team's critical below the org's warning",
      (c) => (c.teams[0].alerts = { criticalProbability: 0.2 }),
      /^teams\[0\]\.alerts\.criticalProbability: must leave this team's warningProbability \(0\.3\) at or below/,
    ],
    ['bad holiday', (c) => (c.holidays = ['2026-13-01']), /^holidays\[0\]: must be a calendar day/],
    // Outcomes (issue 17).
    [
      'github source without org',
      (c) => c.sources.push({ id: 'prs', type: 'github' }),
      /^sources\[1\]\.organization: is required/,
    ],
    [
      'usage metrics with an empty org',
      (c) => c.sources.push({ id: 'cm', type: 'copilot-metrics', organization: '' }),
      /^sources\[1\]\.organization: must be the GitHub organization login/,
    ],
    [
      'an empty AI marker',
      (c) => c.sources.push({ id: 'prs', type: 'github', organization: 'acme', aiMarkers: [''] }),
      /^sources\[1\]\.aiMarkers\[0\]: must not be empty/,
    ],
    [
      'a person without an email',
      (c) => (c.identities = { people: [{ email: 'ana', githubLogins: ['ana'] }] }),
      /^identities\.people\[0\]\.email: must be an email address/,
    ],
    [
      'a login rule without an email template',
      (c) => (c.identities = { githubLoginRules: [{ githubLogin: '*_acme', email: '{1}' }] }),
      /^identities\.githubLoginRules\[0\]\.email: must be an email template such as "\{1\}@acme\.example"/,
    ],
    [
      'a negative cost-per-PR rise',
      (c) => (c.alerts = { costPerMergedPrRise: -0.3 }),
      /^alerts\.costPerMergedPrRise: must be a share above 0, such as 0\.3/,
    ],
    [
      'a Cursor seat price as text',
      (c) => c.sources.push({ id: 'cursor', type: 'cursor', seatPriceUsdPerMonth: '40' }),
      /^sources\[1\]\.seatPriceUsdPerMonth: must be a number of dollars/,
    ],
    ['no teams', (c) => (c.teams = []), /^teams: must list at least one team/],
    // Wrong types and ranges read in words, not zod's ("must be a array, got string", "Too small: expected number to be >=1").
    [
      'a list given as text',
      (c) => (c.teams[0].managers = { slackUserIds: 'U01PAYMGR1' }),
      /^teams\[0\]\.managers\.slackUserIds: must be an array \(\[ … \]\), got a string$/,
    ],
    [
      'an object given as a list',
      (c) => (c.organization = ['Acme']),
      /^organization: must be an object \(\{ … \}\), got an array$/,
    ],
    [
      'a trailing window of 0 days',
      (c) => (c.sources[0].trailingDays = 0),
      /^sources\[0\]\.trailingDays: must be at least 1$/,
    ],
    [
      'a trailing window past its limit',
      (c) => (c.sources[0].trailingDays = 200),
      /^sources\[0\]\.trailingDays: must be at most 92$/,
    ],
    [
      'a fractional trailing window',
      (c) => (c.sources[0].trailingDays = 1.5),
      /^sources\[0\]\.trailingDays: must be a whole number, got 1\.5$/,
    ],
    [
      'a spike multiplier of 0',
      (c) => (c.alerts = { spikeMultiplier: 0 }),
      /^alerts\.spikeMultiplier: must be greater than 1$/,
    ],
    [
      'a weekday abbreviated',
      (c) => (c.finance.digestWeekday = 'Mon'),
      /^finance\.digestWeekday: must be one of monday, tuesday, wednesday, thursday, friday, saturday, sunday$/,
    ],
  ];

  it.each(cases)('names the field for %s', (_name, mutate, expected) => {
    // Prepare
    const raw = minimal();
    mutate(raw);
    // Act
    const found = problems(raw);
    // Assess
    expect(
      found.some((p) => expected.test(p)),
      `got: ${found.join(' | ')}`,
    ).toBe(true);
  });

  it('names an array at the top of the file as an array, not as an object', () => {
    expect(problems([])).toEqual(['(root): must be an object ({ … }), got an array']);
  });

  it('lists every problem in one pass, including cross-references', () => {
    // biome-ignore lint/suspicious/noExplicitAny: the test writes deliberately invalid values into raw JSON
    const raw = minimal() as Record<string, any>;
    raw.teams[0].annualBudgetUsd = 0;
    raw.sources[0].attribution[0].team = 'nobody';
    expect(problems(raw)).toEqual([
      'teams[0].annualBudgetUsd: must be a positive number',
      expect.stringMatching(/^sources\[0\]\.attribution\[0\]\.team: unknown team "nobody"/),
    ]);
  });

  it('defaults limits to a dry run approved by finance, and names a bad limits field and its fix', () => {
    // Prepare
    const raw = {
      ...minimal(),
      limits: {
        cursor: { adminSecretName: 'burnwatch/cursor admin' },
        anthropic: {
          adminSecretName: 'burnwatch/anthropic-admin',
          workspaces: { search: { workspaceId: 'ws1' } },
        },
      },
    };

    // Act
    const defaults = parseConfig(minimal()).limits;

    // Assess
    expect(defaults).toEqual({ dryRun: true, approvers: { slackUserIds: [], slackUserGroupIds: [] } });
    expect(problems(raw)).toEqual([
      'limits.cursor.adminSecretName: must be a Secrets Manager secret name',
      expect.stringMatching(/^limits\.anthropic\.workspaces\.search\.workspaceId: must be a workspace id/),
      'limits.anthropic.workspaces.search: unknown team "search"; use one of: payments',
    ]);
  });

  it('reports a JSON syntax error as a problem with the file', () => {
    expect(() => parseConfigText('{"teams": [', 'x.json')).toThrow(/\(file\): is not valid JSON/);
  });

  it.each([
    ['openai', 'https://api.openai.com', /sources\[0\]\.baseUrl: must end in \/v1 for OpenAI/],
    [
      'anthropic',
      'https://api.anthropic.com/v1',
      /sources\[0\]\.baseUrl: must be the bare origin for anthropic \(e\.g\. "https:\/\/api\.anthropic\.com"\)/,
    ],
    ['cursor', 'https://api.cursor.com/v1/', /must be the bare origin for cursor/],
  ])('names the fix for a %s base URL of the wrong shape (%s)', (type, baseUrl, message) => {
    const raw = { ...minimal(), sources: [{ id: 's', type, baseUrl }] };
    expect(problems(raw).join('\n')).toMatch(message);
  });

  it('accepts base URLs of the documented shapes, proxies with a path prefix included', () => {
    const sources = [
      { id: 'a', type: 'anthropic', baseUrl: 'https://llm-proxy.corp/anthropic' },
      { id: 'o', type: 'openai', baseUrl: 'http://127.0.0.1:8080/v1' },
      { id: 'c', type: 'copilot', organization: 'acme', baseUrl: 'https://api.github.com/' },
      { id: 'i', type: 'import', vendor: 'gemini', drop: true },
    ];
    expect(problems({ ...minimal(), sources })).toEqual([]);
  });

  it('asks an import for either a path or the drop folder, and a vendor id', () => {
    const both = { ...minimal(), sources: [{ id: 'i', type: 'import', path: 'x.csv', drop: true }] };
    expect(problems(both).join('\n')).toMatch(/sources\[0\]\.path: give either path .* or drop: true/);
    const badVendor = {
      ...minimal(),
      sources: [{ id: 'i', type: 'import', path: 'x.csv', vendor: 'Google Gemini' }],
    };
    expect(problems(badVendor).join('\n')).toMatch(/sources\[0\]\.vendor: must be a vendor id in lowercase/);
  });
});
