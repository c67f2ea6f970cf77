import { describe, expect, it } from 'vitest';
import { costExplorerClient, createBedrockConnector } from '../../../functions/adapters/vendors/bedrock.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { usdStringToMicros } from '../../../functions/core/money.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import {
  type CostExplorerFault,
  startCostExplorerServer,
  type TagCost,
} from '../../fixtures/vendors/cost-explorer-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { storedUsage, teamSpend } from '../../helpers/store-reads.js';

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
const rows = (bump = 0): TagCost[] =>
  eachDay(range.from, range.to).flatMap((day, i) => [
    { day, team: 'payments', amount: (38.4127 + i * 0.0001 + bump).toFixed(4) },
    { day, team: '', amount: '2.10' },
  ]);
const served = (rs: TagCost[], team: string) =>
  rs.filter((r) => r.team === team).reduce((a, r) => a + usdStringToMicros(r.amount), 0n);

/** One run through a fresh Cost Explorer (one day per page: requests 1–4 without faults). */
async function ingest(
  store: UsageStore,
  o: { rows?: () => TagCost[]; faults?: Record<number, CostExplorerFault> } = {},
) {
  const server = await startCostExplorerServer({
    rows: o.rows ?? (() => rows()),
    estimatedFrom: '2026-08-04',
    faults: o.faults ?? {},
    retryAfter: '0.3',
  });
  // The production client (5 attempts, a timeout that throws) with fixed credentials.
  const client = costExplorerClient('us-east-1', {
    endpoint: server.endpoint,
    timeoutMs: 1000,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const connector = createBedrockConnector({
      sourceId: 'bedrock',
      tagKey: 'team',
      services: ['Amazon Bedrock'],
      client,
    });
    const [outcome] = await runIngest({
      config,
      store,
      connectors: [connector],
      range,
      clock: { now: () => new Date('2026-08-10T06:00:00Z') },
    });
    return { outcome, requests: server.requests(), arrivals: server.arrivals() };
  } finally {
    client.destroy();
    await server.close();
  }
}

const money = (store: UsageStore, team: string) => teamSpend(store, team, range);
const everything = (store: UsageStore) => storedUsage(store, 'bedrock', range);

describe('Bedrock (Cost Explorer) connector over loopback into DynamoDB Local', () => {
  it('stores tag groups exactly across NextPageToken pages; untagged goes to unallocated; Estimated is provisional', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, requests } = await ingest(store);
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(4); // one day per page
    expect(await money(store, 'payments')).toBe(served(rows(), 'payments'));
    expect(await money(store, 'unallocated')).toBe(served(rows(), ''));
    expect(outcome?.provisionalDays).toBe(1);
  });

  it('recovers from a 429 (waiting as Retry-After asks), a ThrottlingException, a 500 and a slow answer', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, requests, arrivals } = await ingest(store, {
      faults: { 1: '429', 3: 'throttle', 5: '500', 7: 'slow' },
    });
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(8); // each of the four pages after one failed attempt
    // The SDK waits at least the 0.3 s the 429 asked for before trying again.
    expect((arrivals[1] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(290);
    expect(await money(store, 'payments')).toBe(served(rows(), 'payments'));
    expect(await money(store, 'unallocated')).toBe(served(rows(), ''));
  });

  it('replaces revised days rather than adding to them', async () => {
    const { store } = await dynamo.newStore();
    await ingest(store);
    await ingest(store, { rows: () => rows(5) });
    expect(await money(store, 'payments')).toBe(served(rows(5), 'payments'));
    expect(await money(store, 'unallocated')).toBe(served(rows(5), ''));
  });

  it.each([
    [
      'a malformed amount',
      { 3: 'malformed' },
      /bedrock GetCostAndUsage page 3: ResultsByTime\[0\]\.Groups\[0\]\.Metrics\.UnblendedCost\.Amount: expected a decimal string of dollars/,
    ],
    ['a truncated page', { 2: 'truncated' }, /bedrock GetCostAndUsage page 2: response is not valid JSON/],
  ] as const)(
    'fails the source on %s, names it, and leaves the store as it was',
    async (_name, faults, message) => {
      const { store } = await dynamo.newStore();
      await ingest(store);
      const before = await everything(store);
      const { outcome } = await ingest(store, { rows: () => rows(9), faults });
      expect(outcome?.status).toBe('failed');
      expect(outcome?.error).toMatch(message);
      expect(await everything(store)).toEqual(before);
    },
  );
});

describe('Cost Explorer errors and credentials', () => {
  it('never shows a credential an endpoint (or a proxy) echoes back in its error', async () => {
    // Prepare: an endpoint that answers 400 quoting the request's session token.
    const { createServer } = await import('node:http');
    const token = `IQoJb3JpZ2luX2VjE${'x'.repeat(20)}canaryTOKEN1234567890`;
    const server = createServer((req, res) => {
      const echoed = String(req.headers['x-amz-security-token'] ?? '');
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(
        JSON.stringify({
          __type: 'UnrecognizedClientException',
          message: `The security token ${echoed} is invalid`,
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const client = costExplorerClient('us-east-1', {
      endpoint: `http://127.0.0.1:${port}`,
      credentials: {
        accessKeyId: 'AKIACANARYKEY0000001',
        secretAccessKey: 'secretcanary0000000000',
        sessionToken: token,
      },
    });
    const connector = createBedrockConnector({
      sourceId: 'bedrock',
      tagKey: 'team',
      services: ['Amazon Bedrock'],
      client,
    });

    // Act
    const error = await connector.fetchUsage(range).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    server.close();

    // Assess: the failure is named, and no 8 characters of the token are in it.
    expect(error?.message).toMatch(
      /bedrock GetCostAndUsage page 1: UnrecognizedClientException \(HTTP 400\)/,
    );
    for (let i = 0; i + 8 <= token.length; i++) expect(error?.message).not.toContain(token.slice(i, i + 8));
  });
});
