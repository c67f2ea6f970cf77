import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { steadySpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();

describe('budgets live in the store', () => {
  it('a budget change via the CLI changes the next burn and alert, and the history lists it', async () => {
    // Prepare: Payments spends $2,000 a day; the config's $900k budget is comfortable.
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-budget-'));
    const config = join(dir, 'burnwatch.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 900_000, slackChannel: 'C0PAYMENTS' }],
        sources: [{ id: 'anthropic', type: 'anthropic', secretName: 'burnwatch/anthropic' }],
        finance: { slackChannel: 'C0FINANCE' },
      }),
    );
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'budget-cli', USER: 'dana' };
    const table = new DynamoStore(createDocumentClient(dynamo.client), { tableName: 'budget-cli' });
    await runCliCaptured(['burn', '--config', config, '--as-of', '2026-03-31'], { env, cwd: dir }); // creates the table
    await steadySpend(table, 'anthropic', { from: '2026-01-01', to: '2026-03-31' }, 2_000);
    const before = JSON.parse(
      (
        await runCliCaptured(['burn', 'payments', '--json', '--config', config, '--as-of', '2026-03-31'], {
          env,
          cwd: dir,
        })
      ).out,
    );

    // Act: finance cuts the budget to $400k from 1 March.
    const set = await runCliCaptured(
      [
        'budget',
        'set',
        'payments',
        '400000',
        '--from',
        '2026-03-01',
        '--reason',
        'Q2 cost review',
        '--config',
        config,
      ],
      { env, cwd: dir },
    );
    const after = JSON.parse(
      (
        await runCliCaptured(['burn', 'payments', '--json', '--config', config, '--as-of', '2026-03-31'], {
          env,
          cwd: dir,
        })
      ).out,
    );
    const alerts = await runCliCaptured(
      ['alerts', '--dry-run', '--config', config, '--as-of', '2026-03-31', '--html', join(dir, 'a.html')],
      { env, cwd: dir },
    );
    const history = await runCliCaptured(['budget', 'history', 'payments', '--json', '--config', config], {
      env,
      cwd: dir,
    });

    // Assess
    expect(before).toMatchObject({ budgetUsd: 900_000, budgetChange: null, outlook: { status: 'ok' } });
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/Payments: annual budget \$400,000 from 1 Mar 2026 \(was \$900,000/);
    expect(after).toMatchObject({
      budgetUsd: 400_000,
      budgetChange: { from: '2026-03-01', by: 'dana', reason: 'Q2 cost review' },
      outlook: { status: 'critical' },
    });
    expect(alerts.out).toMatch(/ENTER payments\/budget/);
    expect(alerts.out).toMatch(/\$400,000/);
    expect(alerts.out).toMatch(/set by dana: Q2 cost review/);
    const [row] = JSON.parse(history.out);
    expect(row).toMatchObject({ team: 'payments', configUsd: 900_000, inForceUsd: 400_000 });
    expect(row.changes).toEqual([
      expect.objectContaining({
        annualUsd: 400_000,
        from: '2026-03-01',
        by: 'dana',
        reason: 'Q2 cost review',
      }),
    ]);
  });

  it('refuses a change without a reason or for an unknown team, naming the fix', async () => {
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'budget-cli-2' };
    const args = ['--config', 'burnwatch.config.example.json'];
    const noReason = await runCliCaptured(['budget', 'set', 'payments', '300000', ...args], { env });
    const unknown = await runCliCaptured(['budget', 'set', 'nope', '300000', '--reason', 'x', ...args], {
      env,
    });
    expect(noReason.code).toBe(1);
    expect(noReason.err).toMatch(/--reason: is required/);
    expect(unknown.err).toMatch(/TEAM: unknown team "nope"; teams in the config: payments/);
  });
  it('a budget phased by quarter: burn says how this quarter stands, and a change can re-phase it', async () => {
    // Prepare: $1,000 a day since 1 Jan against $400k phased 10/40/25/25 (Q1 $40k, Q2 $160k).
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-phasing-'));
    const config = join(dir, 'burnwatch.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [
          { id: 'payments', name: 'Payments', annualBudgetUsd: 400_000, budgetPhasing: [10, 40, 25, 25] },
        ],
        sources: [{ id: 'anthropic', type: 'anthropic', secretName: 'burnwatch/anthropic' }],
        finance: { slackChannel: 'C0FINANCE' },
      }),
    );
    const env = {
      BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint,
      BURNWATCH_TABLE: 'budget-phasing',
      USER: 'dana',
    };
    const cli = (args: string[]) => runCliCaptured([...args, '--config', config], { env, cwd: dir });
    await cli(['burn', '--as-of', '2026-05-15']); // creates the table
    await steadySpend(
      new DynamoStore(createDocumentClient(dynamo.client), { tableName: 'budget-phasing' }),
      'anthropic',
      { from: '2026-01-01', to: '2026-05-15' },
      1_000,
    );

    // Act
    const phased = JSON.parse((await cli(['burn', 'payments', '--json', '--as-of', '2026-05-15'])).out);
    const text = (await cli(['burn', 'payments', '--as-of', '2026-05-15'])).out;
    const bad = await cli([
      'budget',
      'set',
      'payments',
      '400000',
      '--phasing',
      '30,30,30,30',
      '--reason',
      'x',
    ]);
    const set = await cli([
      'budget',
      'set',
      'payments',
      '400000',
      '--from',
      '2026-05-01',
      '--phasing',
      '25,25,25,25',
      '--reason',
      'even quarters',
    ]);
    const rephased = JSON.parse((await cli(['burn', 'payments', '--json', '--as-of', '2026-05-15'])).out);
    const history = (await cli(['budget', 'history', 'payments'])).out;

    // Assess: 40,000 + 160,000 × 45/91 = $119,120.88 phased to date against $135,000 spent.
    expect(phased.phasing).toMatchObject({
      current: 'Q2',
      budgetToDateUsd: 119_120.88,
      overPhaseUsd: 15_879.12,
    });
    expect(phased.phasing.quarters[1]).toMatchObject({ label: 'Q2', budgetUsd: 160_000, spentUsd: 45_000 });
    expect(text).toMatch(/Q2 budget \$160,000, \$45,000 spent; \$15,879 over the phased budget to date\./);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--phasing: the four quarters must add up to 100 \(these add up to 120\)/);
    expect(set.out).toMatch(/phased 25\/25\/25\/25% by quarter/);
    // 100,000 + 100,000 × 45/91 = $149,450.55: now $14,450.55 under.
    expect(rephased.phasing).toMatchObject({ budgetToDateUsd: 149_450.55, overPhaseUsd: -14_450.55 });
    expect(history).toMatch(/\$400,000 \(10\/40\/25\/25%\)/);
    expect(history).toMatch(/\$400,000 \(25\/25\/25\/25%\)/);
  });
});
