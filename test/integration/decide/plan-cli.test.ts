import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { steadySpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();

describe('planned changes from the CLI', () => {
  it('a plan added with burnwatch plan raises the next forecast and is named in it; removing it takes it out', async () => {
    // Prepare: Payments spends a steady $1,000 a day against $500k; a +50% step from 1 Jul is planned.
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-plan-'));
    const config = join(dir, 'burnwatch.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 500_000 }],
        sources: [{ id: 'anthropic', type: 'anthropic', secretName: 'burnwatch/anthropic' }],
        finance: { slackChannel: 'C0FINANCE' },
      }),
    );
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'plan-cli', USER: 'priya' };
    const cli = (args: string[]) => runCliCaptured([...args, '--config', config], { env, cwd: dir });
    const burn = async () =>
      JSON.parse((await cli(['burn', 'payments', '--json', '--as-of', '2026-04-30'])).out);
    await cli(['burn', '--as-of', '2026-04-30']); // creates the table
    await steadySpend(
      new DynamoStore(createDocumentClient(dynamo.client), { tableName: 'plan-cli' }),
      'anthropic',
      { from: '2026-01-01', to: '2026-04-30' },
      1_000,
    );
    const before = await burn();

    // Act
    const added = await cli(['plan', 'add', 'payments', '+50% from 2026-07-01']);
    const listed = JSON.parse((await cli(['plan', 'list', 'payments', '--json'])).out);
    const withPlan = await burn();
    const text = (await cli(['burn', 'payments', '--as-of', '2026-04-30'])).out;
    const removed = await cli(['plan', 'remove', 'payments', listed[0].id]);
    const afterRemoval = await burn();
    const all = JSON.parse((await cli(['plan', 'list', 'payments', '--all', '--json'])).out);

    // Assess: 184 days from 1 Jul at +$500 a day is about +$92k on the year-end median.
    expect(added.code).toBe(0);
    expect(added.out).toMatch(
      /Payments: planned \+50% spend from 2026-07-01 \(id \d+\)\. The next forecast applies it\./,
    );
    expect(listed).toEqual([expect.objectContaining({ team: 'payments', from: '2026-07-01', by: 'priya' })]);
    const rise = withPlan.outlook.yearEndUsd.p50 - before.outlook.yearEndUsd.p50;
    expect(rise).toBeGreaterThan(80_000);
    expect(rise).toBeLessThan(105_000);
    expect(withPlan.plans).toEqual([
      expect.objectContaining({ from: '2026-07-01', by: 'priya', applied: true }),
    ]);
    expect(text).toMatch(/Plans in this forecast: /);
    expect(removed.code).toBe(0);
    expect(afterRemoval.plans).toEqual([]);
    expect(afterRemoval.outlook.yearEndUsd.p50).toBeCloseTo(before.outlook.yearEndUsd.p50, 0);
    expect(all).toEqual([expect.objectContaining({ removed: expect.objectContaining({ by: 'priya' }) })]);
  });

  it('refuses a plan it cannot read, and a removal of a plan that does not exist, naming the fix', async () => {
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'plan-cli-2' };
    const args = ['--config', 'burnwatch.config.example.json'];
    const unreadable = await runCliCaptured(['plan', 'add', 'payments', 'more people soon', ...args], {
      env,
    });
    const missing = await runCliCaptured(['plan', 'remove', 'payments', 'nope', ...args], { env });
    expect(unreadable.code).toBe(1);
    expect(unreadable.err).toMatch(
      /^burnwatch plan: TEXT: no date \(YYYY-MM-DD\) in "more people soon"; write it like /,
    );
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ID: no plan "nope" for payments; `burnwatch plan list payments` shows them/);
  });
});
