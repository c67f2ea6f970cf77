import { describe, expect, it } from 'vitest';
import { createCopilotConnector } from '../../../functions/adapters/vendors/copilot.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { type Seat, startCopilotServer } from '../../fixtures/vendors/copilot-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    {
      id: 'copilot',
      type: 'copilot',
      organization: 'acme',
      attribution: [{ match: { githubTeam: 'payments' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: '#finance' },
});
// 150 seats (two pages of 100): 120 assigned by the payments team, 30 individually; 10 cancelled mid-June.
const seats: Seat[] = Array.from({ length: 150 }, (_, i) => ({
  login: `dev${i}`,
  team: i < 120 ? 'payments' : null,
  createdAt: '2026-01-05',
  ...(i < 10 ? { cancelOn: '2026-06-15' } : {}),
}));

describe('Copilot connector over loopback into DynamoDB Local', () => {
  it('accrues seats per day to the assigning team and stores premium requests, across pages and a 429', async () => {
    const server = await startCopilotServer({
      token: 'ghp_test',
      org: 'acme',
      seats,
      premium: (day) => [
        {
          sku: 'Copilot Premium Request',
          model: 'Claude Sonnet 4.5',
          netAmount: day === '2026-06-20' ? 8 : 4.04,
        },
      ],
      faults: { 1: '429' },
    });
    try {
      const { store } = await dynamo.newStore();
      const connector = createCopilotConnector({
        sourceId: 'copilot',
        organization: 'acme',
        seatPriceUsdPerMonth: 39,
        token: async () => 'ghp_test',
        baseUrl: server.baseUrl,
        sleep: async () => undefined,
      });
      const [outcome] = await runIngest({
        config,
        store,
        connectors: [connector],
        range: { from: '2026-06-01', to: '2026-06-30' },
        today: '2026-07-01',
      });
      expect(outcome?.status).toBe('ok');
      // June has 30 days: a seat costs $1.30 a day. Payments: 120 seats to Jun 15, 110 after.
      const payments = await store.teamDailyTotals('payments', '2026-06-01', '2026-06-30');
      expect(payments.find((t) => t.date === '2026-06-15')?.costMicros).toBe(156_000_000n);
      expect(payments.find((t) => t.date === '2026-06-16')?.costMicros).toBe(143_000_000n);
      // Premium requests are organization-level: unallocated unless a rule maps the org.
      const unallocated = await store.teamDailyTotals('unallocated', '2026-06-20', '2026-06-20');
      expect(unallocated[0]?.costMicros).toBe(30n * 1_300_000n + 8_000_000n);
    } finally {
      await server.close();
    }
  });

  it('recovers from a 500, replaces revised premium usage, and leaves the store as it was on a malformed page', async () => {
    const { store } = await dynamo.newStore();
    const run = async (netAmount: number, faults: Record<number, '429' | '500' | 'malformed'>) => {
      const server = await startCopilotServer({
        token: 'ghp_test',
        org: 'acme',
        seats: seats.slice(0, 5),
        premium: () => [{ sku: 'Copilot Premium Request', model: 'GPT-5', netAmount }],
        faults,
      });
      try {
        const connector = createCopilotConnector({
          sourceId: 'copilot',
          organization: 'acme',
          seatPriceUsdPerMonth: 39,
          token: async () => 'ghp_test',
          baseUrl: server.baseUrl,
          sleep: async () => undefined,
        });
        return (
          await runIngest({
            config,
            store,
            connectors: [connector],
            range: { from: '2026-06-01', to: '2026-06-03' },
            today: '2026-07-01',
          })
        )[0];
      } finally {
        await server.close();
      }
    };
    const premium = async () =>
      (await store.teamDailyTotals('unallocated', '2026-06-01', '2026-06-03')).reduce(
        (a, t) => a + t.costMicros,
        0n,
      );
    expect((await run(4, { 1: '500' }))?.status).toBe('ok');
    expect(await premium()).toBe(12_000_000n);
    await run(5, {});
    expect(await premium()).toBe(15_000_000n); // revised: replaced, not added
    const failed = await run(9, { 3: 'malformed' });
    expect(failed?.error).toMatch(
      /copilot billing\/premium_request\/usage page 1: usageItems\[0\]\.netAmount: expected a number of dollars/,
    );
    expect(await premium()).toBe(15_000_000n);
  });
});
