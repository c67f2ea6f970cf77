import { describe, expect, it } from 'vitest';
import { budgetChanges, budgetInForce } from '../../../functions/core/budgets.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { config, setup } from './decisions-fixture.js';

describe('budget moves from Slack', () => {
  it('two moves on the same day, before the next forecast, add up', async () => {
    let t = Date.parse('2026-04-01T09:00:00Z');
    const { store, ask } = setup({
      now: () => {
        t += 60_000; // each command a minute after the last
        return new Date(t);
      },
    });
    await ask('UCFO', 'all move search payments 40000 reason first');
    await ask('UCFO', 'all move search payments 10000 reason second');
    const inForce = async (team: string) =>
      budgetInForce(
        0,
        await budgetChanges(store, team),
        '2026-04-01',
        fiscalYearOf(config.fiscalYear, '2026-04-01'),
      ).usd;
    const s = await inForce('search');
    const p = await inForce('payments');
    expect(s).toBe(850_000);
    expect(p).toBe(290_000);
  });

  it('refuses a move larger than what the donor has, and records nothing', async () => {
    const { store, ask } = setup();
    const res = await ask('UCFO', 'all move payments search 240000 reason all of it');
    expect(res.text).toContain("Not moved: Payments's annual budget is $240,000");
    expect(await budgetChanges(store, 'payments')).toEqual([]);
    expect(await budgetChanges(store, 'search')).toEqual([]);
  });
});
