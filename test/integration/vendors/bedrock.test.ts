import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { describe, expect, it } from 'vitest';
import { createBedrockConnector } from '../../../functions/adapters/vendors/bedrock.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { usdStringToMicros } from '../../../functions/core/money.js';
import { startCostExplorerServer, type TagCost } from '../../fixtures/vendors/cost-explorer-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    { id: 'bedrock', type: 'bedrock', attribution: [{ match: { tag: 'payments' }, team: 'payments' }] },
  ],
  finance: { slackChannel: '#finance' },
});
const range = { from: '2026-08-01', to: '2026-08-04' };
const rows = (): TagCost[] =>
  eachDay(range.from, range.to).flatMap((day) => [
    { day, team: 'payments', amount: '38.4127' },
    { day, team: '', amount: '2.10' },
  ]);

async function ingest(
  opts: { malformedPage?: number; faults?: Record<number, 'throttle' | '500'> },
  store: Parameters<typeof runIngest>[0]['store'],
) {
  const server = await startCostExplorerServer({ rows, estimatedFrom: '2026-08-04', ...opts });
  try {
    const client = new CostExplorerClient({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const connector = createBedrockConnector({
      sourceId: 'bedrock',
      tagKey: 'team',
      services: ['Amazon Bedrock'],
      client,
    });
    const [outcome] = await runIngest({ config, store, connectors: [connector], range, today: '2026-08-10' });
    client.destroy();
    return { outcome, requests: server.requests() };
  } finally {
    await server.close();
  }
}

describe('Bedrock (Cost Explorer) connector over loopback into DynamoDB Local', () => {
  it('stores tag groups exactly across NextPageToken pages; untagged goes to unallocated; Estimated is provisional', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, requests } = await ingest({}, store);
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(4); // one day per page
    const payments = await store.teamDailyTotals('payments', range.from, range.to);
    expect(payments.reduce((a, t) => a + t.costMicros, 0n)).toBe(4n * usdStringToMicros('38.4127'));
    const untagged = await store.teamDailyTotals('unallocated', range.from, range.to);
    expect(untagged.reduce((a, t) => a + t.costMicros, 0n)).toBe(4n * 2_100_000n);
    expect(outcome?.provisionalDays).toBe(1);
  });

  it('recovers from throttling and a 500 (the SDK retries)', async () => {
    const { store } = await dynamo.newStore();
    const { outcome } = await ingest({ faults: { 1: 'throttle', 3: '500' } }, store);
    expect(outcome?.status).toBe('ok');
    const payments = await store.teamDailyTotals('payments', range.from, range.to);
    expect(payments.reduce((a, t) => a + t.costMicros, 0n)).toBe(4n * usdStringToMicros('38.4127'));
  });

  it('aborts on a malformed amount and leaves the store as it was', async () => {
    const { store } = await dynamo.newStore();
    await ingest({}, store);
    const { outcome } = await ingest({ malformedPage: 3 }, store);
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(
      /bedrock GetCostAndUsage page 3: ResultsByTime\[0\]\.Groups\[0\]\.Metrics\.UnblendedCost\.Amount/,
    );
    const payments = await store.teamDailyTotals('payments', range.from, range.to);
    expect(payments.reduce((a, t) => a + t.costMicros, 0n)).toBe(4n * usdStringToMicros('38.4127'));
  });
});
