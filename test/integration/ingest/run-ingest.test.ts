import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import type { Connector, DayRange } from '../../../functions/core/ingest/connector.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import type { VendorUsageLine } from '../../../functions/core/usage.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { teamSpend } from '../../helpers/store-reads.js';

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

/** A connector serving $10.01 a day for proj_pay and $1 for an unmatched project; records every range asked. */
function fakeConnector(
  sourceId: string,
  opts: { failFrom?: string; usd?: number } = {},
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
      return eachDay(range.from, range.to).flatMap((date): VendorUsageLine[] => [
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
          provisional: date === range.to,
        },
      ]);
    },
  };
}

describe('runIngest', () => {
  it('backfills the fiscal year on first run, then re-pulls the trailing window, never double counting', async () => {
    const { store } = await dynamo.newStore();
    const first = fakeConnector('openai');
    const [outcome] = await runIngest({ config, store, connectors: [first], today: '2026-03-11' });
    expect(outcome).toMatchObject({
      status: 'ok',
      range: { from: '2026-01-01', to: '2026-03-10' },
      days: 69,
      usd: 759.69, // 69 days × $11.01, exact to the cent
    });
    expect(outcome?.unallocatedUsd).toBe(69);
    expect(outcome?.topUnmatched).toEqual([{ identity: 'project=proj_x', usd: 69 }]);

    const again = fakeConnector('openai');
    const [second] = await runIngest({ config, store, connectors: [again], today: '2026-03-11' });
    expect(second?.range).toEqual({ from: '2026-03-04', to: '2026-03-10' });
    expect(await teamSpend(store, 'payments', { from: '2026-01-01', to: '2026-03-31' })).toBe(
      69n * 10_010_000n,
    );
  });

  it('keeps going when one source fails and leaves the failed chunk as it was', async () => {
    const { store } = await dynamo.newStore();
    await runIngest({
      config,
      store,
      connectors: [fakeConnector('openai', { usd: 5 })],
      range: { from: '2026-02-01', to: '2026-02-28' },
      today: '2026-03-11',
    });
    const outcomes = await runIngest({
      config,
      store,
      connectors: [fakeConnector('openai', { usd: 7, failFrom: '2026-02-01' }), fakeConnector('cursor')],
      range: { from: '2026-01-01', to: '2026-02-28' },
      today: '2026-03-11',
      chunkDays: 31,
    });
    expect(outcomes.map((o) => [o.source, o.status])).toEqual([
      ['openai', 'failed'],
      ['cursor', 'ok'],
    ]);
    expect(outcomes[0]?.error).toMatch(/data\[0\]\.results\[1\]\.amount\.value/);
    // January (first chunk) was fetched whole and replaced; February failed and kept its old $5 days.
    const feb = await store.teamDailyTotals('payments', '2026-02-01', '2026-02-28');
    expect(feb.filter((t) => t.source === 'openai').every((t) => t.costMicros === 5_000_000n)).toBe(true);
    expect(outcomes[0]?.days).toBe(31);
  });
});
