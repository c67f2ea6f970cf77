import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eachDay } from '../../../functions/core/dates.js';
import { startOpenAiServer } from '../../fixtures/vendors/openai-server.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();

describe('burnwatch ingest', () => {
  it('pulls a source with the key from the environment and reports each source', async () => {
    // Prepare
    const server = await startOpenAiServer({
      key: 'sk-admin-cli',
      rows: () =>
        eachDay('2026-03-01', '2026-03-05').map((day) => ({
          day,
          project: 'proj_payments',
          lineItem: 'gpt-5, input',
          usd: 2.5,
        })),
    });
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-ingest-'));
    const configFile = join(dir, 'burnwatch.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100000 }],
        sources: [
          {
            id: 'openai',
            type: 'openai',
            secretName: 'burnwatch/openai-admin-key',
            baseUrl: server.baseUrl,
            attribution: [{ match: { project: 'proj_payments' }, team: 'payments' }],
          },
          {
            id: 'other',
            type: 'openai',
            secretName: 'burnwatch/other-key',
            baseUrl: server.baseUrl,
            attribution: [],
          },
        ],
        finance: { slackChannel: '#finance' },
      }),
    );
    const env = {
      BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint,
      BURNWATCH_TABLE: 'ingest-cli',
      BURNWATCH_SECRET_BURNWATCH_OPENAI_ADMIN_KEY: 'sk-admin-cli',
    };
    try {
      // Act
      const { code, out } = await runCliCaptured(
        ['ingest', '--config', configFile, '--from', '2026-03-01', '--to', '2026-03-05'],
        { env, cwd: dir },
      );
      // Assess: openai stored, the source without its key reported (exit 1), nothing silent
      expect(code).toBe(1);
      expect(out).toMatch(/openai\s+ok\s+5\/5\s+5\s+5\s+\$13/);
      expect(out).toMatch(/other\s+failed .*set BURNWATCH_SECRET_BURNWATCH_OTHER_KEY/);
      const burn = await runCliCaptured(
        ['burn', 'payments', '--json', '--as-of', '2026-03-05', '--config', configFile],
        { env, cwd: dir },
      );
      expect(JSON.parse(burn.out).spentToDateUsd).toBe(12.5);
      // Only 1–5 Mar was pulled, so January and February are a hole; the source without a key failed.
      const status = await runCliCaptured(
        ['ingest', '--status', '--json', '--as-of', '2026-03-05', '--config', configFile],
        { env, cwd: dir },
      );
      expect(status.code).toBe(2); // incomplete coverage, for monitoring
      const [openai, other] = JSON.parse(status.out);
      expect(openai).toMatchObject({
        source: 'openai',
        completeThrough: null,
        missingDays: 59,
        holes: [{ from: '2026-01-01', to: '2026-02-28' }],
      });
      expect(other).toMatchObject({ source: 'other', missingDays: 64 });
      expect(other.lastError.message).toMatch(/BURNWATCH_SECRET_BURNWATCH_OTHER_KEY/);
    } finally {
      await server.close();
    }
  });

  it('names the variable to set when a key is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-ingest-'));
    const configFile = join(dir, 'c.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        organization: { name: 'Acme' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100000 }],
        sources: [
          {
            id: 'openai',
            type: 'openai',
            secretName: 'burnwatch/openai-admin-key',
            baseUrl: 'http://127.0.0.1:9/v1',
          },
        ],
        finance: { slackChannel: '#finance' },
      }),
    );
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'ingest-cli-2' };
    const { code, out } = await runCliCaptured(
      ['ingest', '--config', configFile, '--from', '2026-03-01', '--to', '2026-03-01'],
      { env, cwd: dir },
    );
    expect(code).toBe(1);
    expect(out).toContain('set BURNWATCH_SECRET_BURNWATCH_OPENAI_ADMIN_KEY');
  });
});
