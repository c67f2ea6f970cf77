import { describe, expect, it } from 'vitest';
import { createOpenAiConnector } from '../../../functions/adapters/vendors/openai.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay, type IsoDay } from '../../../functions/core/dates.js';
import type { Connector, DayRange } from '../../../functions/core/ingest/connector.js';
import { summarizeCoverage } from '../../../functions/core/ingest/coverage.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import type { Clock } from '../../../functions/core/ports.js';
import type { VendorUsageLine } from '../../../functions/core/usage.js';
import { type Fault, startOpenAiServer } from '../../fixtures/vendors/openai-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { deliveredDates, teamSpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    { id: 'openai', type: 'openai', attribution: [{ match: { project: 'proj_pay' }, team: 'payments' }] },
    { id: 'cursor', type: 'cursor', trailingDays: 3, attribution: [] },
  ],
  finance: { slackChannel: '#finance' },
});

/** The run's clock: 06:00 UTC on `day` (plus `minutes`), as the daily schedule would run. */
const at = (day: IsoDay, minutes = 0): Clock => ({
  now: () => new Date(Date.parse(`${day}T06:00:00Z`) + minutes * 60_000),
});

/**
 * A connector serving $10.01 a day for proj_pay and $1 for an unmatched project, answering every day
 * with a bucket unless told otherwise; records every range asked.
 */
function fakeConnector(
  sourceId: string,
  opts: {
    failFrom?: string;
    usd?: number;
    /** Days the vendor has not delivered: no bucket (`absent`), or no lines without buckets (`nothing`). */
    silent?: (day: IsoDay) => boolean;
    buckets?: boolean;
  } = {},
): Connector & { asked: DayRange[] } {
  const asked: DayRange[] = [];
  return {
    sourceId,
    vendor: 'openai',
    asked,
    async fetchUsage(range) {
      asked.push(range);
      if (opts.failFrom && range.to >= opts.failFrom)
        throw new Error(`${sourceId} costs page 2: data[0].results[1].amount.value: expected number`);
      const days = eachDay(range.from, range.to).filter((d) => !opts.silent?.(d));
      const lines = days.flatMap((date): VendorUsageLine[] => [
        {
          date,
          vendor: 'openai',
          identities: { project: 'proj_pay' },
          lineItem: 'gpt-5',
          costMicros: BigInt(Math.round((opts.usd ?? 10.01) * 1e6)),
          provisional: false,
        },
        {
          date,
          vendor: 'openai',
          identities: { project: 'proj_x' },
          lineItem: 'gpt-5',
          costMicros: 1_000_000n,
          provisional: false,
        },
      ]);
      return opts.buckets === false ? { lines } : { lines, answeredDays: new Set(days) };
    },
  };
}

const fy = (to: IsoDay) => ({ from: '2026-01-01', to });
const coverage = async (store: Parameters<typeof runIngest>[0]['store'], source: string, to: IsoDay) =>
  summarizeCoverage(source, await store.sourceDays(source, '2026-01-01', to), fy(to));

describe('runIngest', () => {
  it('backfills the fiscal year on first run; a re-run the same day fetches nothing; the next day re-pulls the trailing window; never double counting', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const first = fakeConnector('openai');

    // Act
    const [outcome] = await runIngest({ config, store, connectors: [first], clock: at('2026-03-11') });
    const again = fakeConnector('openai');
    const [retry] = await runIngest({ config, store, connectors: [again], clock: at('2026-03-11', 30) });
    const nextDay = fakeConnector('openai');
    const [second] = await runIngest({ config, store, connectors: [nextDay], clock: at('2026-03-12') });

    // Assess
    expect(outcome).toMatchObject({
      status: 'ok',
      range: { from: '2026-01-01', to: '2026-03-10' },
      days: 69,
      healedDays: 69,
      usd: 759.69, // 69 days × $11.01, exact to the cent
    });
    expect(outcome?.unallocatedUsd).toBe(69);
    expect(outcome?.topUnmatched).toEqual([{ identity: 'project=proj_x', usd: 69 }]);
    expect(again.asked).toEqual([]); // a retry continues: nothing was left to do
    expect(retry).toMatchObject({ status: 'ok', daysDue: 0 });
    expect(nextDay.asked).toEqual([{ from: '2026-03-05', to: '2026-03-11' }]);
    expect(second?.coverage?.completeThrough).toBe('2026-03-11');
    expect(await teamSpend(store, 'payments', fy('2026-03-31'))).toBe(70n * 10_010_000n);
  });

  it('keeps going when one source fails, leaves the failed chunk as it was, and marks its days failed', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    await runIngest({
      config,
      store,
      connectors: [fakeConnector('openai', { usd: 5 })],
      range: { from: '2026-02-01', to: '2026-02-28' },
      clock: at('2026-03-01'),
    });

    // Act
    const outcomes = await runIngest({
      config,
      store,
      connectors: [fakeConnector('openai', { usd: 7, failFrom: '2026-02-01' }), fakeConnector('cursor')],
      range: { from: '2026-01-01', to: '2026-02-28' },
      clock: at('2026-03-11'),
      chunkDays: 31,
    });

    // Assess
    expect(outcomes.map((o) => [o.source, o.status])).toEqual([
      ['openai', 'failed'],
      ['cursor', 'ok'],
    ]);
    expect(outcomes[0]?.error).toMatch(/data\[0\]\.results\[1\]\.amount\.value/);
    // January (first chunk) was fetched whole and replaced; February failed and kept its old $5 days.
    const feb = await store.teamDailyTotals('payments', '2026-02-01', '2026-02-28');
    expect(feb.filter((t) => t.source === 'openai').every((t) => t.costMicros === 5_000_000n)).toBe(true);
    expect(outcomes[0]?.days).toBe(31);
    const feb1 = (await store.sourceDays('openai', '2026-02-01', '2026-02-01'))[0];
    expect(feb1).toMatchObject({ status: 'complete', error: expect.stringMatching(/amount\.value/) });
  });

  it('a store read failing for one source fails that source only; the sources after it still run', async () => {
    // Prepare: DynamoDB throttles the manifest reads of openai (a hot partition), not cursor's.
    const { store } = await dynamo.newStore();
    const throttled = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'sourceDays')
          return (source: string, from: IsoDay, to: IsoDay) =>
            source === 'openai'
              ? Promise.reject(new Error('ProvisionedThroughputExceededException'))
              : target.sourceDays(source, from, to);
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    // Act
    const outcomes = await runIngest({
      config,
      store: throttled,
      connectors: [fakeConnector('openai'), fakeConnector('cursor')],
      range: { from: '2026-01-01', to: '2026-01-31' },
      clock: at('2026-02-01'),
    });

    // Assess
    expect(outcomes.map((o) => [o.source, o.status])).toEqual([
      ['openai', 'failed'],
      ['cursor', 'ok'],
    ]);
    expect(outcomes[0]?.error).toContain('ProvisionedThroughputExceededException');
    expect(await deliveredDates(store, 'cursor', { from: '2026-01-01', to: '2026-01-31' })).toHaveLength(31);
  });

  it('a truncated page mid-backfill, then a normal run: the fiscal year is complete and exact', async () => {
    // Prepare: the OpenAI wire-format server; the 5th request (the third month's costs) is cut off.
    const { store } = await dynamo.newStore();
    const rows = () =>
      eachDay('2026-01-01', '2026-03-20').map((day, i) => ({
        day,
        project: 'proj_pay',
        lineItem: 'gpt-5, input',
        usd: 3.1 + i / 100,
      }));
    const expected = rows().reduce((a, r) => a + BigInt(Math.round(r.usd * 1e6)), 0n);
    const run = async (faults: Record<number, Fault>, clock: Clock) => {
      const server = await startOpenAiServer({ key: 'k', rows, faults });
      try {
        const connector = createOpenAiConnector({
          sourceId: 'openai',
          apiKey: async () => 'k',
          baseUrl: server.baseUrl,
          sleep: async () => {},
        });
        return (await runIngest({ config, store, connectors: [connector], clock }))[0];
      } finally {
        await server.close();
      }
    };

    // Act
    const broken = await run({ 5: 'truncated' }, at('2026-03-21'));
    const afterBreak = await coverage(store, 'openai', '2026-03-20');
    const healed = await run({}, at('2026-03-22'));

    // Assess
    expect(broken).toMatchObject({ status: 'failed', days: 62, daysDue: 79 });
    expect(broken?.error).toMatch(/response is not valid JSON.*17 of 79 days still due/);
    expect(afterBreak).toMatchObject({
      completeThrough: '2026-03-03',
      holes: [{ from: '2026-03-04', to: '2026-03-20' }],
    });
    expect(healed).toMatchObject({ status: 'ok', healedDays: 18 }); // the 17 and the new day 21 Mar
    expect((await coverage(store, 'openai', '2026-03-21')).completeThrough).toBe('2026-03-21');
    expect(await teamSpend(store, 'payments', fy('2026-03-20'))).toBe(expected);
  });

  it('heals a 20-day outage on its own once the vendor answers again', async () => {
    // Prepare: the vendor delivers nothing (no buckets) for 20 days, while the schedule keeps running.
    const { store } = await dynamo.newStore();
    await runIngest({ config, store, connectors: [fakeConnector('openai')], clock: at('2026-02-01') });
    const down = (d: IsoDay) => d >= '2026-02-01' && d <= '2026-02-20';
    for (const day of eachDay('2026-02-02', '2026-02-21'))
      await runIngest({
        config,
        store,
        connectors: [fakeConnector('openai', { silent: down })],
        clock: at(day),
      });
    const during = await coverage(store, 'openai', '2026-02-20');

    // Act: the vendor is back; the next scheduled run, no manual backfill.
    const back = fakeConnector('openai');
    const [outcome] = await runIngest({ config, store, connectors: [back], clock: at('2026-02-22') });

    // Assess
    expect(during.completeThrough).toBe('2026-01-31');
    expect(during.missingDays).toBe(20);
    expect(back.asked).toEqual([{ from: '2026-02-01', to: '2026-02-21' }]);
    expect(outcome).toMatchObject({ status: 'ok', healedDays: 21 });
    expect((await coverage(store, 'openai', '2026-02-21')).completeThrough).toBe('2026-02-21');
    expect(await teamSpend(store, 'payments', fy('2026-02-21'))).toBe(52n * 10_010_000n);
  });

  it('an empty answer does not delete stored spend; it is suspect until a later run confirms it', async () => {
    // Prepare: a vendor without day buckets (an import, usage events) delivered 18–31 Mar.
    const { store } = await dynamo.newStore();
    const march = { from: '2026-03-18', to: '2026-03-31' };
    await runIngest({
      config,
      store,
      connectors: [fakeConnector('cursor', { buckets: false })],
      range: march,
      clock: at('2026-04-01'),
    });
    const before = await teamSpend(store, 'unallocated', march);

    // Act: the same days again, and the answer is empty.
    const empty = fakeConnector('cursor', { buckets: false, silent: () => true });
    const [outcome] = await runIngest({
      config,
      store,
      connectors: [empty],
      range: march,
      clock: at('2026-04-02'),
    });
    const suspect = await coverage(store, 'cursor', '2026-03-31');
    const spendWhileSuspect = await teamSpend(store, 'unallocated', march);
    // A run on a later day gets the same empty answer: confirmed, the days are replaced.
    await runIngest({ config, store, connectors: [empty], range: march, clock: at('2026-04-03') });

    // Assess
    expect(before).toBe(14n * 11_010_000n);
    expect(outcome?.status).toBe('ok');
    expect(outcome?.coverage?.suspectDays).toEqual(eachDay(march.from, march.to));
    expect(suspect.suspectDays).toHaveLength(14);
    expect(spendWhileSuspect).toBe(before);
    expect(await teamSpend(store, 'unallocated', march)).toBe(0n);
    expect((await coverage(store, 'cursor', '2026-03-31')).suspectDays).toEqual([]);
  });

  it('a revision to an affirmed zero (explicit empty buckets) replaces the days at once', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const days = { from: '2026-03-18', to: '2026-03-31' };
    await runIngest({
      config,
      store,
      connectors: [fakeConnector('openai')],
      range: days,
      clock: at('2026-04-01'),
    });

    // Act: buckets for every day, all empty.
    const zero: Connector = {
      sourceId: 'openai',
      vendor: 'openai',
      fetchUsage: async (r) => ({ lines: [], answeredDays: new Set(eachDay(r.from, r.to)) }),
    };
    await runIngest({ config, store, connectors: [zero], range: days, clock: at('2026-04-01', 5) });

    // Assess
    expect(await teamSpend(store, 'payments', days)).toBe(0n);
    expect(await deliveredDates(store, 'openai', days)).toEqual(eachDay(days.from, days.to));
  });

  it('days a bucketed vendor has not delivered yet stay missing and are fetched again on every run', async () => {
    // Prepare: OpenAI lags; its answer has no bucket for the last two days.
    const { store } = await dynamo.newStore();
    const lagging = fakeConnector('openai', { silent: (d) => d >= '2026-03-09' });

    // Act
    await runIngest({ config, store, connectors: [lagging], clock: at('2026-03-11') });
    const later = fakeConnector('openai');
    await runIngest({ config, store, connectors: [later], clock: at('2026-03-11', 60) });

    // Assess: the retry the same morning asks only for the two missing days.
    expect(later.asked).toEqual([{ from: '2026-03-09', to: '2026-03-10' }]);
    expect((await coverage(store, 'openai', '2026-03-10')).completeThrough).toBe('2026-03-10');
  });
});
