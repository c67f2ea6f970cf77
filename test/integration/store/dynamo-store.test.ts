import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { eachDay } from '../../../functions/core/dates.js';
import { ConditionalWriteConflictError } from '../../../functions/core/ports.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { replaceDays } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();

describe('DynamoStore usage rows', () => {
  it('replaces a re-ingested day instead of adding to it', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const day = [aRecord({ costMicros: 1_000_000n }), aRecord({ lineItem: 'input', costMicros: 2_500_000n })];
    // Act
    await replaceDays(store, 'anthropic', ['2026-03-02'], day);
    await replaceDays(store, 'anthropic', ['2026-03-02'], day);
    // Assess
    const totals = await store.teamDailyTotals('payments', '2026-03-01', '2026-03-31');
    expect(totals).toHaveLength(1);
    expect(totals[0]?.costMicros).toBe(3_500_000n);
  });

  it('drops lines and teams that a revision no longer reports', async () => {
    const { store } = await dynamo.newStore();
    await replaceDays(
      store,
      'anthropic',
      ['2026-03-02'],
      [
        aRecord({ costMicros: 1_000_000n }),
        aRecord({ lineItem: 'input', costMicros: 2_000_000n }),
        aRecord({ team: 'search', identities: { workspace: 'w_search' }, costMicros: 9_000_000n }),
      ],
    );
    await replaceDays(store, 'anthropic', ['2026-03-02'], [aRecord({ costMicros: 1_500_000n })]);
    expect((await store.teamDailyTotals('payments', '2026-03-02', '2026-03-02'))[0]?.costMicros).toBe(
      1_500_000n,
    );
    expect(await store.teamLines('anthropic', '2026-03-02', 'payments')).toHaveLength(1);
    expect(await store.teamDailyTotals('search', '2026-03-02', '2026-03-02')).toEqual([]);
    expect(await store.teamLines('anthropic', '2026-03-02', 'search')).toEqual([]);
  });

  it('an empty replacement for a day clears that source only', async () => {
    const { store } = await dynamo.newStore();
    await replaceDays(store, 'anthropic', ['2026-03-02'], [aRecord()]);
    await replaceDays(store, 'openai', ['2026-03-02'], [aRecord({ source: 'openai', vendor: 'openai' })]);
    await replaceDays(store, 'anthropic', ['2026-03-02'], []);
    const totals = await store.teamDailyTotals('payments', '2026-03-02', '2026-03-02');
    expect(totals.map((t) => t.source)).toEqual(['openai']);
  });

  // Sized to run in seconds on a loaded machine (the scale figures are bench:ingest's job).
  it('writes and reads back a year of 6 teams x 3 vendors to the cent', async () => {
    const { store } = await dynamo.newStore();
    const days = eachDay('2026-01-01', '2026-12-31');
    const vendors = ['anthropic', 'openai', 'cursor'] as const;
    let expected = 0n;
    for (const vendor of vendors) {
      const records = [];
      for (let t = 0; t < 6; t++) {
        for (const [i, date] of days.entries()) {
          // Odd cents and sub-cent micros so float drift would show.
          const costMicros = BigInt(1_000_003 + ((t * 7919 + i * 104_729) % 9_999_991));
          expected += costMicros;
          records.push(aRecord({ date, source: vendor, vendor, team: `team-${t}`, costMicros }));
        }
      }
      await replaceDays(store, vendor, days, records);
    }
    let actual = 0n;
    for (let t = 0; t < 6; t++) {
      for (const row of await store.teamDailyTotals(`team-${t}`, '2026-01-01', '2026-12-31'))
        actual += row.costMicros;
    }
    expect(actual).toBe(expected);
  });
});

describe('DynamoStore state', () => {
  it('refuses a write whose expected version is stale', async () => {
    const { store } = await dynamo.newStore();
    const v1 = await store.putState('alerts', 'payments#critical', { state: 'critical' }, 0);
    await expect(store.putState('alerts', 'payments#critical', { state: 'x' }, 0)).rejects.toBeInstanceOf(
      ConditionalWriteConflictError,
    );
    await store.putState('alerts', 'payments#critical', { state: 'ok' }, v1);
    expect(await store.getState('alerts', 'payments#critical')).toEqual({
      value: { state: 'ok' },
      version: 2,
    });
  });

  it('returns the newest forecast snapshot on or before a date', async () => {
    const { store } = await dynamo.newStore();
    await store.putForecastSnapshot('payments', '2026-03-01', { n: 1 });
    await store.putForecastSnapshot('payments', '2026-03-08', { n: 2 });
    expect(await store.latestForecastSnapshot('payments', '2026-03-05')).toEqual({
      asOf: '2026-03-01',
      snapshot: { n: 1 },
    });
    expect(await store.latestForecastSnapshot('payments')).toEqual({
      asOf: '2026-03-08',
      snapshot: { n: 2 },
    });
  });
});

describe('DynamoStore org summary (issue 14)', () => {
  it('reads the stored summary on every call, giving back the same object while it is unchanged', async () => {
    const { store } = await dynamo.newStore();
    expect(await store.getOrgSummary()).toBeUndefined();
    await store.putOrgSummary({ generatedAt: '2026-04-01T06:00:00.000Z', teams: [] });
    const first = await store.getOrgSummary();
    const again = await store.getOrgSummary();
    await store.putOrgSummary({ generatedAt: '2026-04-02T06:00:00.000Z', teams: [] });
    const next = await store.getOrgSummary();
    expect(again).toBe(first);
    expect(next).toEqual({ generatedAt: '2026-04-02T06:00:00.000Z', teams: [] });
    expect(first).toEqual({ generatedAt: '2026-04-01T06:00:00.000Z', teams: [] });
  });

  it('is never staler than the store: another writer replacing or removing it is seen at the next read', async () => {
    const { store: reader, tableName } = await dynamo.newStore();
    const writer = new DynamoStore(createDocumentClient(dynamo.client), { tableName });
    await writer.putOrgSummary({ generatedAt: '2026-04-01T06:00:00.000Z', teams: [] });
    const first = await reader.getOrgSummary();
    expect(await reader.getOrgSummary()).toBe(first);
    await writer.putOrgSummary({ generatedAt: '2026-04-02T06:00:00.000Z', teams: [] });
    expect(await reader.getOrgSummary()).toEqual({ generatedAt: '2026-04-02T06:00:00.000Z', teams: [] });
    await dynamo.client.send(
      new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: 'ORG' }, sk: { S: 'SUMMARY' } } }),
    );
    expect(await reader.getOrgSummary()).toBeUndefined();
  });

  it('reads a summary stored before digests were (no digest attribute) whole, and sees it change', async () => {
    const { store, tableName } = await dynamo.newStore();
    const putOld = (generatedAt: string) =>
      dynamo.client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: 'ORG' },
            sk: { S: 'SUMMARY' },
            type: { S: 'orgSummary' },
            doc: { S: JSON.stringify({ generatedAt, teams: [] }) },
          },
        }),
      );
    await putOld('2026-04-01T06:00:00.000Z');
    const first = await store.getOrgSummary();
    expect(await store.getOrgSummary()).toBe(first);
    await putOld('2026-04-02T06:00:00.000Z');
    expect(await store.getOrgSummary()).toEqual({ generatedAt: '2026-04-02T06:00:00.000Z', teams: [] });
    // A reader holding a digested version, then an older writer's item without one: read whole.
    await store.putOrgSummary({ generatedAt: '2026-04-03T06:00:00.000Z', teams: [] });
    expect(await store.getOrgSummary()).toEqual({ generatedAt: '2026-04-03T06:00:00.000Z', teams: [] });
    await putOld('2026-04-04T06:00:00.000Z');
    expect(await store.getOrgSummary()).toEqual({ generatedAt: '2026-04-04T06:00:00.000Z', teams: [] });
  });

  it('gives back the same team summary object while its stored text is unchanged, a new one once replaced', async () => {
    const { store } = await dynamo.newStore();
    await store.putTeamSummary('payments', { asOf: '2026-04-01' });
    await store.putTeamSummary('search', { asOf: '2026-04-01' });
    const first = await store.getTeamSummaries(['payments', 'search']);
    await store.putTeamSummary('search', { asOf: '2026-04-02' });
    const next = await store.getTeamSummaries(['payments', 'search']);
    expect(next.get('payments')).toBe(first.get('payments'));
    expect(next.get('search')).not.toBe(first.get('search'));
    expect(next.get('search')).toEqual({ asOf: '2026-04-02' });
    expect(first.get('search')).toEqual({ asOf: '2026-04-01' });
  });
});

describe('DynamoStore team records', () => {
  it('writes a set of records all or none: a side DynamoDB refuses leaves the other unwritten', async () => {
    // Prepare: the second side is over DynamoDB's 400 KB item limit, so the write of it fails.
    const { store } = await dynamo.newStore();
    const give = { team: 'search', kind: 'budget', id: 'm1#0', record: { annualUsd: 850_000 } } as const;
    const tooBig = {
      team: 'payments',
      kind: 'budget',
      id: 'm1#1',
      record: { reason: 'x'.repeat(450_000) },
    } as const;
    // Act
    const failed = await store.putTeamRecords([give, tooBig]).then(
      () => undefined,
      (err: unknown) => err,
    );
    const afterFailure = await store.listTeamRecords('search', 'budget');
    const fixed = { ...tooBig, record: { annualUsd: 290_000 } };
    await store.putTeamRecords([give, fixed]);
    await store.putTeamRecords([give, fixed]); // a retry of the same write
    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(afterFailure).toEqual([]);
    expect(await store.listTeamRecords('search', 'budget')).toEqual([{ annualUsd: 850_000 }]);
    expect(await store.listTeamRecords('payments', 'budget')).toEqual([{ annualUsd: 290_000 }]);
  });
});
