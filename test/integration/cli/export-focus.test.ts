import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { focusProblems } from '../../../functions/core/focus/check.js';
import { fromCsv } from '../../../functions/core/focus/csv.js';
import { MANDATORY_COLUMNS } from '../../../functions/core/focus/spec.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();

describe('burnwatch export --format focus (issue 16)', () => {
  it('writes a FOCUS 1.2 CSV of the stored spend that passes the spec’s column rules', async () => {
    // Prepare: Gemini spend with a refund and a credit, imported through the ingest path.
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-focus-'));
    writeFileSync(
      join(dir, 'gemini.csv'),
      [
        'date,cost_usd,charge,project,line_item,model,input_tokens,output_tokens',
        '2026-03-02,100.00,,gcp-payments,Gemini API,Gemini 2.5 Pro,900000,100000',
        '2026-03-02,-12.34,refund,gcp-payments,Gemini API,,,',
        '2026-03-31,-0.01,credit,gcp-payments,,,,',
        '2026-04-01,7.5,,gcp-search,Gemini API,gemini-2.5-flash,1000,10',
      ].join('\n'),
    );
    const configFile = join(dir, 'burnwatch.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 10000 }],
        sources: [
          {
            id: 'gemini',
            type: 'import',
            vendor: 'gemini',
            path: 'gemini.csv',
            attribution: [{ match: { project: 'gcp-payments' }, team: 'payments' }],
          },
        ],
        finance: { slackChannel: '#finance' },
      }),
    );
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'export-focus' };
    const cli = (args: string[]) => runCliCaptured([...args, '--config', configFile], { env, cwd: dir });
    expect((await cli(['ingest', '--from', '2026-03-01', '--to', '2026-04-30'])).code).toBe(0);

    // Act
    const run = await cli([
      'export',
      '--format',
      'focus',
      '--from',
      '2026-03-01',
      '--to',
      '2026-04-30',
      '--out',
      'focus.csv',
    ]);

    // Assess
    expect(run.code).toBe(0);
    const { header, rows } = fromCsv(readFileSync(join(dir, 'focus.csv'), 'utf8'));
    expect(header).toEqual(expect.arrayContaining(MANDATORY_COLUMNS));
    expect(focusProblems(header, rows)).toEqual([]);
    // Rows in date order, as a person reads them.
    const seen = rows
      .map((r) => [r.ChargePeriodStart, r.ChargeCategory, r.ChargeClass, r.BilledCost, r.x_Team])
      .sort((a, b) => (`${a[0]}${a[3]}` < `${b[0]}${b[3]}` ? -1 : 1));
    expect(seen).toEqual([
      ['2026-03-02T00:00:00Z', 'Usage', null, '-12.34', 'payments'],
      ['2026-03-02T00:00:00Z', 'Usage', null, '100', 'payments'],
      ['2026-03-31T00:00:00Z', 'Credit', null, '-0.01', 'payments'],
      ['2026-04-01T00:00:00Z', 'Usage', null, '7.5', 'unallocated'],
    ]);
    const usage = rows.find((r) => r.BilledCost === '100');
    expect(usage).toMatchObject({
      ProviderName: 'Gemini',
      PublisherName: 'Google',
      SubAccountId: 'gcp-payments',
      SubAccountType: 'Project',
      ConsumedQuantity: '1000000',
      ConsumedUnit: 'Tokens',
      x_ModelId: 'gemini-2.5-pro',
      BillingPeriodStart: '2026-03-01T00:00:00Z',
      BillingPeriodEnd: '2026-04-01T00:00:00Z',
    });
    // A bad flag names the fix.
    const bad = await cli(['export', '--format', 'parquet']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--format: must be focus/);
  });
});
