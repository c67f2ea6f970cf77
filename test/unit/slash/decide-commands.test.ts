import { describe, expect, it } from 'vitest';
import { setup } from './decisions-fixture.js';

describe('/burn decisions', () => {
  it("a team's manager plans a change; it is stored with who and when, listed, and can be removed", async () => {
    const { store, said } = setup();
    const added = await said('UPAYMGR', 'payments plan +20 engineers from 2026-06-01');
    const [plan] = await store.listTeamRecords('payments', 'plan');
    const listed = await said('UPAYMGR', 'payments plans');
    const id = (plan as { id: string }).id;
    const removed = await said('UPAYMGR', `payments plan remove ${id}`);

    expect(added).toMatch(/Planned for \*Payments\*: \+20 engineers from 2026-06-01/);
    expect(plan).toMatchObject({
      team: 'payments',
      kind: 'headcount',
      amount: 20,
      by: 'UPAYMGR',
      at: '2026-04-01T09:00:00.000Z',
    });
    expect(listed).toContain('+20 engineers from 2026-06-01');
    expect(removed).toMatch(/Removed from \*Payments\*'s plans/);
    expect((await store.listTeamRecords('payments', 'plan'))[0]).toMatchObject({
      removed: { by: 'UPAYMGR' },
    });
  });

  it("refuses another team's manager, and lets only finance change a budget", async () => {
    const { store, said } = setup();
    expect(await said('USRCHMGR', 'payments plan +5 engineers from 2026-06-01')).toMatch(
      /Only a team's managers and finance/,
    );
    expect(await said('UPAYMGR', 'payments budget 300000 reason more')).toMatch(
      /Only finance changes budgets/,
    );
    expect(await said('UCFO', 'payments budget 300000 from 2026-04-01 reason hiring plan')).toMatch(
      /annual budget \$300,000 from 2026-04-01 \(was \$240,000 in the config\), set by <@UCFO>: hiring plan/,
    );
    expect(await store.listTeamRecords('payments', 'budget')).toEqual([
      expect.objectContaining({ annualUsd: 300_000, from: '2026-04-01', by: 'UCFO', reason: 'hiring plan' }),
    ]);
    expect(await said('UPAYMGR', 'payments budget')).toMatch(/\$300,000 from 2026-04-01 — by <@UCFO>/);
  });

  it('answers a what-if with the year end before and after, storing nothing', async () => {
    const { store, said } = setup();
    const text = await said('UPAYMGR', 'payments what-if +10 hires');
    expect(text).toMatch(/What if, Payments/);
    expect(text).toMatch(/\*Now:\* \$\d+k/);
    expect(text).toMatch(/\*With it:\* \$\d+k/);
    expect(store.records.size).toBe(0);
  });

  it('suggests budget moves to finance and applies one as two budget changes', async () => {
    const { store, said } = setup();
    const moves = await said('UCFO', 'all moves');
    const applied = await said('UCFO', 'all move search payments 200000 reason Q2 rebalance');
    expect(moves).toMatch(/from \*Search\* to \*Payments\*/);
    expect(applied).toMatch(
      /Moved \*\$200,000\* from \*Search\* \(now \$700,000\) to \*Payments\* \(now \$440,000\)/,
    );
    expect(await store.listTeamRecords('search', 'budget')).toEqual([
      expect.objectContaining({ annualUsd: 700_000 }),
    ]);
    expect(await store.listTeamRecords('payments', 'budget')).toEqual([
      expect.objectContaining({ annualUsd: 440_000 }),
    ]);
    expect(await said('UPAYMGR', 'all moves')).toMatch(/for finance/);
  });
});
