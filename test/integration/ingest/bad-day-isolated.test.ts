import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import type { IsoDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { at, dollarADayVendor } from '../../helpers/dollar-a-day-vendor.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

/**
 * Due days are fetched oldest first in chunks of consecutive days, and a bad page stops the source's
 * run. A day the vendor keeps answering badly must not take every later day down with it for good.
 */
const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'p', name: 'P', annualBudgetUsd: 1000 }],
  sources: [{ id: 'openai', type: 'openai', attribution: [] }],
  finance: { slackChannel: '#f' },
});
/** Answers every day with $1, except that any request covering `badDay` gets a bad page. */
const vendor = (badDay: IsoDay) =>
  dollarADayVendor((r) =>
    r.from <= badDay && badDay <= r.to ? new Error(`page for ${badDay}: bad amount`) : undefined,
  );

describe('a day the vendor keeps answering badly', () => {
  it('stops the run when it first fails, then is set aside so the days around it are stored', async () => {
    // Prepare: the first run stores January and fails on the chunk holding 10 Feb.
    const { store } = await dynamo.newStore();
    const [first] = await runIngest({
      config,
      store,
      connectors: [vendor('2026-02-10')],
      clock: at('2026-02-11'),
    });
    expect(first?.status).toBe('failed');
    expect(first?.coverage?.completeThrough).toBe('2026-01-31');

    // Act: ten days later, the same bad day.
    const again = vendor('2026-02-10');
    const [second] = await runIngest({ config, store, connectors: [again], clock: at('2026-02-21') });

    // Assess: everything but 10 Feb is stored, 10 Feb stays failed (never zero), the run says so.
    expect(second?.status).toBe('failed');
    expect(second?.error).toContain('page for 2026-02-10: bad amount');
    const manifests = await store.sourceDays('openai', '2026-02-01', '2026-02-20');
    const failed = manifests.filter((m) => m.status === 'failed').map((m) => m.date);
    expect(failed).toEqual(['2026-02-10']);
    expect(manifests.filter((m) => m.status === 'complete')).toHaveLength(19);
    expect(second?.coverage?.missingDays).toBe(1);
    // The halving is bounded: a handful of extra requests, not one per day.
    expect(again.asked.length).toBeLessThanOrEqual(12);
  });

  it('names a failure once when every half of a set-aside chunk fails the same way (a vendor that is down)', async () => {
    // Prepare: the vendor cannot be reached at all, on the first run and the next.
    const { store } = await dynamo.newStore();
    const down = () => dollarADayVendor(() => new Error('no answer after 5 attempts (ENOTFOUND)'));
    await runIngest({ config, store, connectors: [down()], clock: at('2026-01-05') });
    // Act
    const [second] = await runIngest({ config, store, connectors: [down()], clock: at('2026-01-06') });
    // Assess: found by a new user, the error read "X; X" (one per half of the halved chunk)
    expect(second?.status).toBe('failed');
    expect(second?.error?.split('no answer after 5 attempts (ENOTFOUND)')).toHaveLength(2);
  });
});
