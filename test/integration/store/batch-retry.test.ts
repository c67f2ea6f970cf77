import { describe, expect, it } from 'vitest';
import {
  batchWriteAll,
  UnprocessedItemsError,
  type WriteRequest,
} from '../../../functions/adapters/dynamo/batch-writer.js';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { localClient } from '../../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../../functions/adapters/dynamo/table.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();

/**
 * A document client whose first `throttledCalls` BatchWriteItem calls send only half the items to
 * DynamoDB Local and hand the rest back as UnprocessedItems, as DynamoDB does under throttling.
 */
function throttlingClient(throttledCalls: number) {
  // Its own low-level client: a document client shares its middleware stack with the client it wraps.
  const doc = createDocumentClient(localClient(dynamo.endpoint));
  let remaining = throttledCalls;
  doc.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, WriteRequest[]> };
      if (remaining <= 0 || !input.RequestItems) return next(args);
      remaining--;
      const [table, requests] = Object.entries(input.RequestItems)[0] ?? ['', []];
      const half = Math.floor(requests.length / 2);
      if (half === 0) {
        // Fully throttled: DynamoDB returns every item unprocessed.
        return {
          output: { UnprocessedItems: { [table]: requests }, $metadata: {} },
          response: {},
        } as Awaited<ReturnType<typeof next>>;
      }
      const result = await next({
        ...args,
        input: { ...input, RequestItems: { [table]: requests.slice(0, half) } },
      });
      const output = result.output as { UnprocessedItems?: Record<string, WriteRequest[]> };
      output.UnprocessedItems = { [table]: requests.slice(half) };
      return result;
    },
    { step: 'initialize', name: 'throttleBatchWrites' },
  );
  return doc;
}

describe('batched writes', () => {
  it('retries unprocessed items until every row is stored', async () => {
    // Prepare
    const tableName = `retry-${Date.now()}`;
    await ensureTable(dynamo.client, tableName);
    const store = new DynamoStore(throttlingClient(3), { tableName, batch: { baseDelayMs: 1 } });
    const records = Array.from({ length: 60 }, (_, i) =>
      aRecord({ lineItem: `model-${i}`, costMicros: BigInt(1_000_000 + i) }),
    );
    // Act
    await store.replaceSourceDays('anthropic', ['2026-03-02'], records);
    // Assess
    const plain = new DynamoStore(createDocumentClient(dynamo.client), { tableName });
    expect(await plain.teamLines('anthropic', '2026-03-02', 'payments')).toHaveLength(60);
    const [total] = await plain.teamDailyTotals('payments', '2026-03-02', '2026-03-02');
    expect(total?.costMicros).toBe(60_000_000n + BigInt((59 * 60) / 2));
  });

  it('fails loudly, never silently, when items stay unprocessed', async () => {
    const tableName = `retry-fail-${Date.now()}`;
    await ensureTable(dynamo.client, tableName);
    const requests: WriteRequest[] = [{ PutRequest: { Item: { pk: 'a', sk: 'b' } } }];
    await expect(
      batchWriteAll(throttlingClient(100), tableName, requests, { maxAttempts: 3, baseDelayMs: 1 }),
    ).rejects.toBeInstanceOf(UnprocessedItemsError);
  });
});
