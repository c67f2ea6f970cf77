import { describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { assessCompleteness } from '../../../functions/core/completeness.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay, type IsoDay } from '../../../functions/core/dates.js';
import type { Connector, UsageBatch } from '../../../functions/core/ingest/connector.js';
import { summarizeCoverage } from '../../../functions/core/ingest/coverage.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import type { VendorUsageLine } from '../../../functions/core/usage.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { laggingReplicaClient } from '../../helpers/lagging-replica.js';

/**
 * A failure noticed after a day was committed must not mark that day "not delivered": its rows are
 * read, so readers would count them and estimate the day on top (double counting).
 */
const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    { id: 'cursor', type: 'cursor', attribution: [{ match: { userEmail: '*@pay.com' }, team: 'payments' }] },
  ],
  finance: { slackChannel: '#finance' },
});
const line = (date: IsoDay): VendorUsageLine => ({
  date,
  vendor: 'cursor',
  identities: { userEmail: 'a@pay.com' },
  lineItem: 'sonnet',
  costMicros: 10_000_000n,
  provisional: false,
});
const at = (day: IsoDay) => ({ now: () => new Date(`${day}T06:00:00Z`) });
const everyDay: Connector = {
  sourceId: 'cursor',
  vendor: 'cursor',
  async fetchUsage(r) {
    const d = eachDay(r.from, r.to);
    return { lines: d.map(line), answeredDays: new Set(d) };
  },
};

async function read(store: DynamoStore, to: IsoDay) {
  const manifests = await store.sourceDays('cursor', '2026-01-01', to);
  const coverage = summarizeCoverage('cursor', manifests, { from: '2026-01-01', to });
  const totals = await store.teamDailyTotals('payments', '2026-01-01', to);
  const completeness = assessCompleteness({
    totals,
    coverage: [{ ...coverage, vendor: 'cursor' }],
    asOf: to,
    holidays: new Set(),
    settings: { incompleteAfterDays: 3, materialSourceShare: 0.2 },
  });
  return { coverage, totals, completeness };
}

describe('a failure after a day was committed', () => {
  it('streamed: a contract error on the next day leaves the committed day delivered, not estimated', async () => {
    // Prepare: February delivered, then a stream that answers 1 Mar and skips 2 Mar.
    const { store } = await dynamo.newStore();
    await runIngest({
      config,
      store,
      connectors: [everyDay],
      range: { from: '2026-02-01', to: '2026-02-28' },
      clock: at('2026-03-04'),
    });
    const skipping: Connector = {
      sourceId: 'cursor',
      vendor: 'cursor',
      async fetchUsage() {
        throw new Error('streams only');
      },
      async *streamUsage(): AsyncGenerator<UsageBatch> {
        yield { date: '2026-03-01', lines: [line('2026-03-01')], answered: true };
        yield { date: '2026-03-03', lines: [line('2026-03-03')], answered: true };
      },
    };

    // Act
    const [out] = await runIngest({
      config,
      store,
      connectors: [skipping],
      range: { from: '2026-03-01', to: '2026-03-03' },
      clock: at('2026-03-04'),
    });

    // Assess
    expect(out?.status).toBe('failed');
    const { coverage, totals, completeness } = await read(store, '2026-03-03');
    expect(coverage.undelivered.has('2026-03-01')).toBe(false);
    expect(coverage.undelivered.has('2026-03-02')).toBe(true);
    expect(totals.filter((t) => t.date === '2026-03-01').map((t) => t.costMicros)).toEqual([10_000_000n]);
    expect(completeness.estimatedDaily.get('2026-03-01')).toBeUndefined();
  });

  it('fetched: a write failing after the rows were committed does not turn the chunk back into holes', async () => {
    // Prepare: January delivered by a healthy writer; the faulty one fails its rollup writes.
    const { store: healthy, tableName } = await dynamo.newStore();
    await runIngest({
      config,
      store: healthy,
      connectors: [everyDay],
      range: { from: '2026-01-01', to: '2026-01-31' },
      clock: at('2026-02-01'),
    });
    const faulty = new DynamoStore(createDocumentClient(dynamo.client), {
      tableName,
      beforeWrite: (p) => {
        if (p.phase === 'rollup') throw new Error('ProvisionedThroughputExceeded (injected)');
      },
    });

    // Act
    const [out] = await runIngest({
      config,
      store: faulty,
      connectors: [everyDay],
      range: { from: '2026-02-01', to: '2026-03-03' },
      clock: at('2026-03-04'),
      chunkDays: 31,
    });

    // Assess: whatever the run reports, no day's rows are both read and estimated.
    expect(out?.status).toBe('failed');
    const { coverage, totals, completeness } = await read(healthy, '2026-03-03');
    const stored = new Set(totals.filter((t) => t.date >= '2026-02-01').map((t) => t.date));
    expect(stored.size).toBeGreaterThan(0);
    for (const day of stored) {
      expect(coverage.undelivered.has(day), day).toBe(false);
      expect(completeness.estimatedDaily.get(day), day).toBeUndefined();
    }
  });

  it('fetched: the failure is recorded from the days as committed, not from a lagging replica', async () => {
    // Prepare: as above, through a client whose eventually consistent queries are answered by a
    // replica that has not seen this run's writes yet (DynamoDB's documented behaviour: such a read
    // "might not reflect the results of a recently completed write"; DynamoDB Local never lags).
    const { store: healthy, tableName } = await dynamo.newStore();
    await runIngest({
      config,
      store: healthy,
      connectors: [everyDay],
      range: { from: '2026-01-01', to: '2026-01-31' },
      clock: at('2026-02-01'),
    });
    const faulty = new DynamoStore(laggingReplicaClient(dynamo.endpoint), {
      tableName,
      beforeWrite: (p) => {
        if (p.phase === 'rollup') throw new Error('ProvisionedThroughputExceeded (injected)');
      },
    });

    // Act
    const [out] = await runIngest({
      config,
      store: faulty,
      connectors: [everyDay],
      range: { from: '2026-02-01', to: '2026-03-03' },
      clock: at('2026-03-04'),
      chunkDays: 31,
    });

    // Assess: the committed days stay delivered, so their rows are never estimated on top.
    expect(out?.status).toBe('failed');
    const { coverage, totals, completeness } = await read(healthy, '2026-03-03');
    const stored = new Set(totals.filter((t) => t.date >= '2026-02-01').map((t) => t.date));
    expect(stored.size).toBe(31);
    for (const day of stored) {
      expect(coverage.undelivered.has(day), day).toBe(false);
      expect(completeness.estimatedDaily.get(day), day).toBeUndefined();
    }
  });
});
