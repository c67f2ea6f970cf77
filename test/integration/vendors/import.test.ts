import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();

describe('burnwatch ingest of an import source (issue 16)', () => {
  it('shows a vendor: gemini import as Gemini everywhere, and a refund reduces the day exactly', async () => {
    // Prepare: $100 of Gemini on 2 Mar less a $12.34 refund; a $0.01 credit alone on 3 Mar.
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-import-'));
    writeFileSync(
      join(dir, 'gemini.csv'),
      [
        'date,cost_usd,charge,project,line_item,model',
        '2026-03-02,100.00,,gcp-payments,Gemini API,gemini-2.5-pro',
        '2026-03-02,-12.34,refund,gcp-payments,Gemini API,gemini-2.5-pro',
        '2026-03-03,-0.01,credit,gcp-payments,,',
      ].join('\n'),
    );
    const configFile = join(dir, 'burnwatch.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        // A budget small enough that the alert job has something to say.
        teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100 }],
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
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'import-gemini' };
    const cli = (args: string[]) => runCliCaptured([...args, '--config', configFile], { env, cwd: dir });

    // Act
    const ingest = await cli(['ingest', '--from', '2026-03-01', '--to', '2026-03-05']);
    const json = await cli(['burn', 'payments', '--json', '--as-of', '2026-03-05']);
    const text = await cli(['burn', 'payments', '--as-of', '2026-03-05']);
    const alerts = await cli(['alerts', '--dry-run', '--as-of', '2026-03-05']);

    // Assess: exact money, the negative day reported, the vendor named as Gemini in every view.
    expect(ingest.code).toBe(0);
    expect(ingest.out).toMatch(/gemini\s+ok\s+5\/5\s+2\s+3\s+\$88/);
    expect(ingest.out).toMatch(
      /2026-03-03: payments's day is -\$0\.01 \(credits or refunds exceed its usage\)/,
    );
    const report = JSON.parse(json.out);
    expect(report.spentToDateUsd).toBe(87.65);
    expect(report.byVendor).toEqual([{ vendor: 'gemini', usd: 87.65, share: 1 }]);
    expect(report.byModel[0]).toMatchObject({ model: 'gemini-2.5-pro', usd: 87.66 });
    expect(report.sources[0]).toMatchObject({ source: 'gemini', vendor: 'gemini' });
    expect(text.out).toMatch(/Gemini\s+\$88/);
    expect(text.out).not.toMatch(/\bOther\b/);
    expect(alerts.out).toMatch(/Gemini/);
    expect(alerts.out).not.toMatch(/\bOther\b/);
  });
});
