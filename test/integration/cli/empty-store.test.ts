import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { steadySpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();

describe('burn and report on a store with no spend', () => {
  // Found by a new user: `burn payments` after `npm run demo` (in memory, so nothing kept) printed
  // "(data through no data yet)" and a $0 outlook, with nothing saying the store is empty or what to run.
  it('say the store has no spend yet and how to load it; a store with spend says nothing of the kind', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-empty-'));
    const config = join(dir, 'burnwatch.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 240_000 }],
        sources: [{ id: 'anthropic', type: 'anthropic', secretName: 'burnwatch/anthropic' }],
        finance: { slackChannel: 'C0FINANCE' },
      }),
    );
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'empty-store' };
    const args = ['--config', config, '--as-of', '2026-03-31'];

    // Act
    const burn = await runCliCaptured(['burn', 'payments', ...args], { env, cwd: dir });
    const report = await runCliCaptured(['report', ...args, '--out', join(dir, 'report')], { env, cwd: dir });
    await steadySpend(
      new DynamoStore(createDocumentClient(dynamo.client), { tableName: 'empty-store' }),
      'anthropic',
      { from: '2026-01-01', to: '2026-03-31' },
      1_000,
    );
    const loaded = await runCliCaptured(['burn', 'payments', ...args], { env, cwd: dir });

    // Assess
    const hint =
      /note: the store \(table empty-store at .+\) has no spend from 2026-01-01 to 2026-03-31: load it with `burnwatch ingest`, or run `npm run demo -- --persist`/;
    expect(burn.code).toBe(0);
    expect(burn.err).toMatch(hint);
    expect(burn.out).toContain('as of 2026-03-31 (no data yet)');
    expect(report.code).toBe(0);
    expect(report.err).toMatch(hint);
    expect(loaded.err).not.toContain('has no spend');
    expect(loaded.out).toContain('(data through 2026-03-31)');
  });
});
