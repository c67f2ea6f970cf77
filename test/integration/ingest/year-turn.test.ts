import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay, type IsoDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { at, dollarADayVendor } from '../../helpers/dollar-a-day-vendor.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

/** After the fiscal year turns, the last year's final days are still fetched while they are trailing. */
const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'p', name: 'P', annualBudgetUsd: 1000 }],
  sources: [{ id: 'openai', type: 'openai', attribution: [], trailingDays: 7 }],
  finance: { slackChannel: '#f' },
});
const vendor = (down: (day: IsoDay) => boolean) =>
  dollarADayVendor((r) =>
    eachDay(r.from, r.to).some(down) ? new Error('HTTP 503 after retries') : undefined,
  );

describe('the turn of the fiscal year', () => {
  it('fetches again a failed 31 Dec on 2 Jan, and the last year’s trailing days, not only the new year', async () => {
    // Prepare: December stored on 31 Dec's run except the 30th and 31st, which failed on 1 Jan.
    const { store } = await dynamo.newStore();
    await runIngest({
      config,
      store,
      connectors: [vendor(() => false)],
      range: { from: '2025-12-01', to: '2025-12-29' },
      clock: at('2025-12-30'),
    });
    const failing = await runIngest({
      config,
      store,
      connectors: [vendor((d) => d >= '2025-12-30')],
      clock: at('2026-01-01'),
    });
    expect(failing[0]?.status).toBe('failed');

    // Act
    const healthy = vendor(() => false);
    const [out] = await runIngest({ config, store, connectors: [healthy], clock: at('2026-01-02') });

    // Assess
    expect(out?.status).toBe('ok');
    expect(healthy.asked).toEqual([{ from: '2025-12-26', to: '2026-01-01' }]);
    const dec = await store.sourceDays('openai', '2025-12-30', '2025-12-31');
    expect(dec.map((m) => m.status)).toEqual(['complete', 'complete']);
    // What it reports is the new fiscal year's coverage.
    expect(out?.range).toEqual({ from: '2026-01-01', to: '2026-01-01' });
  });
});
