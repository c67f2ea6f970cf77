import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3ObjectWriter } from '../../../functions/adapters/exports/s3-object-writer.js';
import { dropFolderFromEnv } from '../../../functions/adapters/imports/drop-folder-env.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { focusProblems } from '../../../functions/core/focus/check.js';
import { fromCsv } from '../../../functions/core/focus/csv.js';
import { createExportHandler, focusObjectKey } from '../../../functions/export/handler.js';
import { createIngestHandler } from '../../../functions/ingest/handler.js';
import { startFakeS3 } from '../../fixtures/s3/fake-s3-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { teamSpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const BUCKET = 'burnwatch-data';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    {
      id: 'gemini',
      type: 'import',
      vendor: 'gemini',
      drop: true,
      attribution: [{ match: { project: 'gcp-payments' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: '#finance' },
});
const range = { from: '2026-11-01', to: '2026-11-30' };

describe('the stack’s S3 drop folder and daily FOCUS export (issue 16)', () => {
  it('ingests every file of imports/<source>/ on the schedule, reports bad lines by object and line, and exports FOCUS to focus/', async () => {
    // Prepare: two monthly files in the drop folder (listed two keys a page), and one that is not CSV/JSON.
    const s3 = await startFakeS3({ bucket: BUCKET, maxKeys: 2 });
    const put = (key: string, body: string) => s3.objects.set(key, { body, contentType: 'text/csv' });
    put(
      'imports/gemini/2026-11a.csv',
      'date,cost_usd,project,model\n2026-11-02,40.10,gcp-payments,gemini-2.5-pro\n',
    );
    put(
      'imports/gemini/2026-11b.csv',
      'date,cost_usd,charge,project\n2026-11-02,-0.10,refund,gcp-payments\n',
    );
    put('imports/gemini/notes.txt', 'not an import');
    put('imports/other/2026-11.csv', 'date,cost_usd\n2026-11-02,999\n');
    const { store } = await dynamo.newStore();
    const env = { BURNWATCH_IMPORT_BUCKET: BUCKET, BURNWATCH_S3_ENDPOINT: s3.endpoint };
    const ingest = createIngestHandler({
      config,
      store,
      connectorDeps: dropFolderFromEnv(env),
      secret: async () => {
        throw new Error('no secrets for imports');
      },
      clock: { now: () => new Date('2026-12-01T05:00:00Z') },
      reportAge: () => undefined,
      log: () => undefined,
    });
    const s3Client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const exporter = createExportHandler({
      config,
      store,
      put: s3ObjectWriter(s3Client, BUCKET),
      clock: { now: () => new Date('2026-12-01T07:00:00Z') },
      log: () => undefined,
    });
    try {
      // Act: the scheduled ingest of the import source, then the daily export.
      const [outcome] = await ingest({ source: 'gemini', ...range });
      const listed = [...s3.listings()];
      const exported = await exporter({});
      // A bad line in a dropped file fails the source, naming the object and the line.
      put('imports/gemini/2026-11c.csv', 'date,cost_usd\n2026-11-03,12\n2026-11-31,1\n');
      const failed = ingest({ source: 'gemini', ...range });

      // Assess
      expect(outcome?.status).toBe('ok');
      expect(await teamSpend(store, 'payments', range)).toBe(40_000_000n);
      // Three keys, two a page: two ListObjectsV2 calls, both for this source's folder only.
      expect(listed).toEqual(['imports/gemini/', 'imports/gemini/']);
      expect(exported.periods).toEqual([
        { key: focusObjectKey('2026-11'), rows: 2, from: '2026-11-01', to: '2026-11-30' },
      ]);
      const file = s3.objects.get('focus/billing-period=2026-11/burnwatch-focus-2026-11.csv');
      expect(file?.contentType).toBe('text/csv; charset=utf-8');
      const { header, rows } = fromCsv(file?.body ?? '');
      expect(focusProblems(header, rows)).toEqual([]);
      expect(rows.map((r) => [r.ProviderName, r.BilledCost, r.ChargeClass]).sort()).toEqual([
        ['Gemini', '-0.1', null],
        ['Gemini', '40.1', null],
      ]);
      await expect(failed).rejects.toThrow(
        /gemini: gemini: 1 bad row\(s\)\n {2}s3:\/\/burnwatch-data\/imports\/gemini\/2026-11c\.csv line 3: date: must be a calendar day/,
      );
      expect(await teamSpend(store, 'payments', range)).toBe(40_000_000n);
    } finally {
      s3Client.destroy();
      await s3.close();
    }
  });
});
