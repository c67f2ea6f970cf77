import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import type { BurnwatchConfig } from '../../../functions/core/config/schema.js';
import { eachDay } from '../../../functions/core/dates.js';
import { focusProblems } from '../../../functions/core/focus/check.js';
import { fromCsv } from '../../../functions/core/focus/csv.js';
import { exportFocus, PAST_RETENTION_NOTE } from '../../../functions/core/focus/export.js';
import { affirmedDayWrites } from '../../../functions/core/ingest/coverage.js';
import { sumMicros, usdStringToMicros, usdToMicros } from '../../../functions/core/money.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import { detailExpiresAt } from '../../../functions/core/retention.js';
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
function exporter(
  config: BurnwatchConfig,
  store: UsageStore,
  objects: Map<string, string>,
  logs: string[] = [],
) {
  return async (iso: string, remainingMs?: number) => {
    const put: string[] = [];
    await createExportHandler({
      config,
      store,
      put: async (key, body) => {
        put.push(key);
        objects.set(key, body);
      },
      clock: { now: () => new Date(iso) },
      log: (message, detail) => logs.push(`${message} ${JSON.stringify(detail)}`),
    })({}, remainingMs === undefined ? undefined : { getRemainingTimeInMillis: () => remainingMs });
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

describe('FOCUS export: months a late delivery revises', () => {
  it('rewrites a month the trailing window no longer reaches once an outage in it is healed, for the next three runs', async () => {
    // Prepare: February exported with 10 February missing (its source was down); 9 February stored.
    const { store } = await dynamo.newStore();
    const objects = new Map<string, string>();
    const runAt = exporter(configWith(), store, objects);
    const feb9 = aRecord({ date: '2026-02-09', costMicros: usdToMicros(10) });
    await replaceDays(store, 'anthropic', ['2026-02-09'], [feb9], '2026-02-10T06:00:00.000Z');
    await runAt('2026-03-01T07:00:00Z');
    expect(billed(objects.get(focusObjectKey('2026-02')))).toBe(usdToMicros(10));

    // Act: on 20 April the retried ingest delivers 10 February ($30); the export runs that morning
    // and each morning after.
    const feb10 = aRecord({ date: '2026-02-10', costMicros: usdToMicros(30) });
    await replaceDays(store, 'anthropic', ['2026-02-10'], [feb10], '2026-04-20T06:00:00.000Z');
    const runs = [];
    for (const day of ['2026-04-20', '2026-04-21', '2026-04-22', '2026-04-24'])
      runs.push(await runAt(`${day}T07:00:00Z`));

    // Assess: February's file has the healed day (after the current month's); the months between
    // (March) are left alone, and after three runs February is no longer rewritten.
    expect(billed(objects.get(focusObjectKey('2026-02')))).toBe(usdToMicros(40));
    expect(runs[0]).toEqual([focusObjectKey('2026-04'), focusObjectKey('2026-02')]);
    expect(runs[2]).toEqual([focusObjectKey('2026-04'), focusObjectKey('2026-02')]);
    expect(runs[3]).toEqual([focusObjectKey('2026-04')]);
  });

  it('writes the current month first and leaves revised older months for the next run when time is short', async () => {
    // Prepare: a re-pull on 20 April committed January and February again.
    const { store } = await dynamo.newStore();
    const objects = new Map<string, string>();
    const logs: string[] = [];
    const runAt = exporter(configWith(), store, objects, logs);
    for (const date of ['2026-01-12', '2026-02-09'])
      await replaceDays(
        store,
        'anthropic',
        [date],
        [aRecord({ date, costMicros: usdToMicros(5) })],
        '2026-04-20T06:00:00.000Z',
      );

    // Act: the Lambda has a minute left once the lookups are done; then a run with time.
    const short = await runAt('2026-04-20T07:00:00Z', 60_000);
    const next = await runAt('2026-04-21T07:00:00Z', 300_000);

    // Assess
    expect(short).toEqual([focusObjectKey('2026-04')]);
    expect(logs.join('\n')).toMatch(
      /revised months left for the next run .*"months":\["2026-02","2026-01"\]/,
    );
    expect(next).toEqual([focusObjectKey('2026-04'), focusObjectKey('2026-02'), focusObjectKey('2026-01')]);
  });

  it('does not rewrite an old month whose days a re-fetch found unchanged', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const objects = new Map<string, string>();
    const runAt = exporter(configWith(), store, objects);
    const feb9 = aRecord({ date: '2026-02-09', costMicros: usdToMicros(10) });
    await replaceDays(store, 'anthropic', ['2026-02-09'], [feb9], '2026-02-10T06:00:00.000Z');

    // Act: a re-pull of February on 20 April returns the same rows.
    await replaceDays(store, 'anthropic', ['2026-02-09'], [feb9], '2026-04-20T06:00:00.000Z');
    const put = await runAt('2026-04-20T07:00:00Z');

    // Assess
    expect(put).toEqual([focusObjectKey('2026-04')]);
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
    const out = await exportFocus(
      store,
      configWith(),
      { from: '2026-03-01', to: '2026-03-31' },
      { now: new Date('2026-04-01T07:00:00Z') },
    );

    // Assess: one odd string does not cost the organization its whole file (the daily Lambda
    // would fail every day until the code changed); the description is as the vendor wrote it.
    expect(billed(out.csv)).toBe(usdToMicros(10));
    expect(fromCsv(out.csv).rows.map((r) => r.ChargeDescription)).toContain(
      'Claude Sonnet 4.6 Usage - Output Tokens ',
    );
  });
});

describe('FOCUS export: periods past per-person retention (review B, finding 3)', () => {
  const january = { from: '2026-01-01', to: '2026-01-31' };
  /** 1 March 2027: January 2026 is past the default 13 months of retention.personDetailMonths. */
  const afterRetention = new Date('2027-03-01T07:00:00Z');

  /**
   * Cursor's money of record is per user (userEmail lines), stored with the retention expiry as
   * ingest writes it; then DynamoDB's TTL deletes every item past its `expiresAt` (docs/storage.md
   * "Retention"), done here by hand as DynamoDB Local does not run TTL.
   */
  async function expiredCursorJanuary(serviceAccountLine: boolean) {
    const { store, tableName } = await dynamo.newStore();
    const days = eachDay(january.from, january.to);
    const cursor = {
      source: 'cursor',
      vendor: 'cursor' as const,
      lineItem: 'claude-4.6-sonnet',
      model: 'claude-4.6-sonnet',
      modelId: 'claude-sonnet-4-6',
    };
    const records = days.flatMap((date) => [
      aRecord({
        ...cursor,
        date,
        identities: { userEmail: 'ana@acme.example' },
        costMicros: usdToMicros(40),
      }),
      ...(serviceAccountLine
        ? [aRecord({ ...cursor, date, identities: { account: 'svc-ci' }, costMicros: usdToMicros(2) })]
        : []),
    ]);
    await store.writeSourceDays(
      'cursor',
      affirmedDayWrites(days, records, '2026-02-01T06:00:00.000Z').map((w) => ({
        ...w,
        detailExpiresAt: detailExpiresAt(w.date, 13),
      })),
    );
    const doc = createDocumentClient(dynamo.client);
    const expiring =
      (
        await doc.send(
          new ScanCommand({ TableName: tableName, FilterExpression: 'attribute_exists(expiresAt)' }),
        )
      ).Items ?? [];
    expect(expiring.length).toBeGreaterThan(0);
    for (const item of expiring)
      await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
    return store;
  }

  it('exports the spend the store reports once per-person lines are gone, from the team-day totals', async () => {
    const store = await expiredCursorJanuary(true);

    // Act
    const out = await exportFocus(store, configWith(), january, { now: afterRetention });

    // Assess: the team's stored January is still $1,302 (31 × $42), and so is the FOCUS file: the
    // service account's line as stored, Ana's $40 a day from the totals, marked as such.
    expect(await teamSpend(store, 'payments', january)).toBe(usdToMicros(1302));
    expect(billed(out.csv)).toBe(usdToMicros(1302));
    expect(out.fromTotals).toHaveLength(31);
    const { header, rows } = fromCsv(out.csv);
    expect(focusProblems(header, rows)).toEqual([]);
    expect(
      rows.find((r) => r.ChargePeriodStart === '2026-01-05T00:00:00Z' && r.BilledCost === '40'),
    ).toMatchObject({
      ChargeDescription: `claude-sonnet-4-6 ${PAST_RETENTION_NOTE}`,
      SkuId: 'cursor/claude-sonnet-4-6',
      x_ModelId: 'claude-sonnet-4-6',
      x_Team: 'payments',
    });
  });

  it('exports a period whose per-person lines have all expired', async () => {
    const store = await expiredCursorJanuary(false);
    const out = await exportFocus(store, configWith(), january, { now: afterRetention });
    expect(billed(out.csv)).toBe(usdToMicros(1240));
  });

  it('fails, naming the days, when lines within retention do not add up to the stored totals', async () => {
    // Prepare: the same store read on 1 February 2026, long before the lines could have expired.
    const store = await expiredCursorJanuary(true);

    // Act / Assess: a file missing $40 a day is never written; the error says where and why not TTL.
    await expect(
      exportFocus(store, configWith(), january, { now: new Date('2026-02-01T07:00:00Z') }),
    ).rejects.toThrow(
      /31 source-team-day\(s\), within retention\.personDetailMonths \(13\)[\s\S]*cursor 2026-01-01 payments: the lines miss \$40\.00/,
    );
  });
});
