import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import type { BurnwatchConfig } from '../../../functions/core/config/schema.js';
import { fromCsv } from '../../../functions/core/focus/csv.js';
import { exportFocus } from '../../../functions/core/focus/export.js';
import { sumMicros, usdStringToMicros, usdToMicros } from '../../../functions/core/money.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import { createExportHandler, focusObjectKey } from '../../../functions/export/handler.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { replaceDays, teamSpend } from '../../helpers/store-reads.js';

/** The daily FOCUS export Lambda's handler against DynamoDB Local. */
const dynamo = useLocalDynamo();
const configWith = (trailingDays?: number) =>
  parseConfig({
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 1, startDay: 1 },
    teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 240_000 }],
    sources: [
      { id: 'anthropic', type: 'anthropic', ...(trailingDays ? { trailingDays } : {}) },
      {
        id: 'cursor',
        type: 'cursor',
        attribution: [{ match: { userEmail: '*@acme.example' }, team: 'payments' }],
      },
    ],
    finance: { slackChannel: '#finance' },
  });
const billed = (csv: string | undefined) =>
  sumMicros(fromCsv(csv ?? '').rows.map((r) => usdStringToMicros(r.BilledCost ?? 'x')));

/** The handler at a pinned instant, writing into `objects` and noting which keys each run put. */
function exporter(config: BurnwatchConfig, store: UsageStore, objects: Map<string, string>) {
  return async (iso: string) => {
    const put: string[] = [];
    await createExportHandler({
      config,
      store,
      put: async (key, body) => {
        put.push(key);
        objects.set(key, body);
      },
      clock: { now: () => new Date(iso) },
      log: () => {},
    })({});
    return put;
  };
}

describe('FOCUS export: billing periods the trailing re-fetch revises', () => {
  it('rewrites last month’s file when ingest revises its last days (review B, finding 2)', async () => {
    // Prepare: 31 March stored at $10 and exported on 1 April (the March file).
    const { store } = await dynamo.newStore();
    const objects = new Map<string, string>();
    const runAt = exporter(configWith(), store, objects);
    await replaceDays(
      store,
      'anthropic',
      ['2026-03-31'],
      [aRecord({ date: '2026-03-31', costMicros: usdToMicros(10) })],
    );
    await runAt('2026-04-01T07:00:00Z');
    expect(billed(objects.get(focusObjectKey('2026-03')))).toBe(usdToMicros(10));

    // Act: Anthropic revises 31 March to $25 (ingest re-fetches the last 7 days every run) and
    // 2 April is delivered; the export runs on 3 April as scheduled.
    await replaceDays(
      store,
      'anthropic',
      ['2026-03-31'],
      [aRecord({ date: '2026-03-31', costMicros: usdToMicros(25) })],
    );
    await replaceDays(
      store,
      'anthropic',
      ['2026-04-02'],
      [aRecord({ date: '2026-04-02', costMicros: usdToMicros(4) })],
    );
    const put = await runAt('2026-04-03T07:00:00Z');

    // Assess: the store says March cost $25; the file FinOps tools read for March says so too, and
    // April's file has April to date.
    expect(await teamSpend(store, 'payments', { from: '2026-03-01', to: '2026-03-31' })).toBe(
      usdToMicros(25),
    );
    expect(put).toEqual([focusObjectKey('2026-03'), focusObjectKey('2026-04')]);
    expect(billed(objects.get(focusObjectKey('2026-03')))).toBe(usdToMicros(25));
    expect(billed(objects.get(focusObjectKey('2026-04')))).toBe(usdToMicros(4));
  });

  it('reaches as far back as the longest trailingDays of any source, and no further', async () => {
    // Prepare: Anthropic re-fetches its last 10 days; the other sources the default 7.
    const { store } = await dynamo.newStore();
    const objects = new Map<string, string>();
    const runAt = exporter(configWith(10), store, objects);

    // Act: on 9 April the window is 30 March–8 April; on 11 April it is 1–10 April.
    const ninth = await runAt('2026-04-09T07:00:00Z');
    const eleventh = await runAt('2026-04-11T07:00:00Z');

    // Assess
    expect(ninth).toEqual([focusObjectKey('2026-03'), focusObjectKey('2026-04')]);
    expect(eleventh).toEqual([focusObjectKey('2026-04')]);
  });
});

describe('FOCUS export: vendor strings', () => {
  it('still writes the file when a vendor string carries a trailing space (review B, finding 4)', async () => {
    // Prepare: an Anthropic cost-report description as the vendor spelled it (kept verbatim).
    const { store } = await dynamo.newStore();
    await replaceDays(
      store,
      'anthropic',
      ['2026-03-02'],
      [
        aRecord({ lineItem: 'Claude Sonnet 4.6 Usage - Output Tokens ', costMicros: usdToMicros(3) }),
        aRecord({
          identities: { workspace: 'wrkspc_search' },
          lineItem: 'Claude Haiku 4.5 Usage',
          costMicros: usdToMicros(7),
        }),
      ],
    );

    // Act
    const out = await exportFocus(store, configWith(), { from: '2026-03-01', to: '2026-03-31' });

    // Assess: one odd string does not cost the organization its whole file (the daily Lambda
    // would fail every day until the code changed); the description is as the vendor wrote it.
    expect(billed(out.csv)).toBe(usdToMicros(10));
    expect(fromCsv(out.csv).rows.map((r) => r.ChargeDescription)).toContain(
      'Claude Sonnet 4.6 Usage - Output Tokens ',
    );
  });
});
