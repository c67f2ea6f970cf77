import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'burnwatch-cli-'));
const badConfig = join(dir, 'bad.json');
writeFileSync(
  badConfig,
  JSON.stringify({
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 1, startDay: 1 },
    teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: -1 }],
    finance: { slackChannel: '#finance' },
  }),
);

describe('CLI flags', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'a malformed date',
      ['demo', '--as-of', '2026-02-30'],
      /--as-of: must be a calendar day written YYYY-MM-DD/,
    ],
    [
      'an unknown flag',
      ['demo', '--asof', '2026-02-01'],
      /--asof: unknown flag; this command takes --as-of, --out, --config, --seed/,
    ],
    ['a flag without its value', ['burn', '--config'], /--config: needs a value/],
    ['a non-numeric seed', ['demo', '--seed', 'abc'], /--seed: must be a whole number/],
    ['a stray argument', ['demo', 'now'], /unexpected argument "now"/],
    ['too many teams', ['burn', 'a', 'b'], /expected 0 to 1 TEAM, got 2/],
    [
      'a missing config file',
      ['burn', '--config', join(dir, 'nope.json')],
      /--config: .*nope\.json does not exist/,
    ],
    ['validate-config without a file', ['validate-config'], /expected 1 FILE, got 0/],
    ['a folder as --config', ['burn', '--config', dir], /--config: .* is a folder; pass the config file/],
    ['a folder to validate-config', ['validate-config', dir], /is a folder; name the config file in it/],
    [
      'a flag the action does not read (limits list --by)',
      ['limits', 'list', '--by', 'ann'],
      /--by: goes with limits apply or undo, not limits list; leave it out/,
    ],
    [
      'a proposal id where the action takes none (limits propose)',
      ['limits', 'propose', 'payments', '2026-04-20:engineer-cap'],
      /limits propose: takes 1 argument after the action; unexpected "2026-04-20:engineer-cap"/,
    ],
    [
      'a budget change reason on budget history',
      ['budget', 'history', 'payments', '--reason', 'typo'],
      /--reason: goes with budget set, not budget history/,
    ],
    [
      'a plan list with --by',
      ['plan', 'list', '--by', 'ann'],
      /--by: goes with plan add or remove, not plan list/,
    ],
  ];

  it.each(cases)('rejects %s with a message naming it', async (_name, argv, expected) => {
    // Act
    const { code, err } = await runCliCaptured(argv);
    // Assess
    expect(code).toBe(1);
    expect(err).toMatch(expected);
  });

  it('takes an argument that starts with a minus and a digit as an argument, not as a flag', async () => {
    // Found by a new user: `plan add payments "-30% from 2027-01-15"`, the README's own example, failed
    // with "-3: unknown flag". (A flag's value that starts with "-" still asks for --flag=VALUE.)
    // Act
    const { code, err } = await runCliCaptured([
      'plan',
      'add',
      'nosuch',
      '-30% from 2027-01-15',
      '--config',
      'burnwatch.config.example.json',
    ]);
    // Assess: it got as far as the team, so the text was read as the TEXT argument
    expect(code).toBe(1);
    expect(err).toMatch(/TEAM: unknown team "nosuch"/);
    expect(err).not.toMatch(/unknown flag/);
  });

  it('validate-config exits 1 listing each problem as path: message', async () => {
    const { code, err } = await runCliCaptured(['validate-config', badConfig]);
    expect(code).toBe(1);
    expect(err).toContain('teams[0].annualBudgetUsd: must be a positive number');
  });

  it('validate-config exits 0 with a one-line summary for the example', async () => {
    const { code, out } = await runCliCaptured(['validate-config', 'burnwatch.config.example.json']);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(out).toMatch(/^OK .*Acme Robotics, 8 teams, \$2,175,000 total annual budget/);
  });

  it('names the commands when the command is unknown', async () => {
    const { code, err } = await runCliCaptured(['burnn']);
    expect(code).toBe(1);
    expect(err).toMatch(/unknown command "burnn". Commands: demo, ingest/);
  });
});
