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
import { replaceDays } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();

/**
 * A document client whose first `throttledCalls` BatchWriteItem calls send only half the items to
 * DynamoDB Local and hand the rest back as UnprocessedItems, as DynamoDB does under throttling.
 */
function throttlingClient(throttledCalls: number): {
  doc: ReturnType<typeof createDocumentClient>;
  throttled: () => number;
} {
  // Its own low-level client: a document client shares its middleware stack with the client it wraps.
  const doc = createDocumentClient(localClient(dynamo.endpoint));
  let remaining = throttledCalls;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, WriteRequest[]> };
      if (remaining <= 0 || context.commandName !== 'BatchWriteItemCommand' || !input.RequestItems)
        return next(args);
      remaining--;
      const [table, requests] = Object.entries(input.RequestItems)[0] ?? ['', []];
      // Send half (at least one) for real; report the rest as unprocessed. A single item is sent and
      // still reported unprocessed, as a throttled table would keep doing.
      const half = Math.floor(requests.length / 2);
      const sent = half === 0 ? requests : requests.slice(0, half);
      const result = await next({ ...args, input: { ...input, RequestItems: { [table]: sent } } });
      const output = result.output as { UnprocessedItems?: Record<string, WriteRequest[]> };
      output.UnprocessedItems = { [table]: half === 0 ? requests : requests.slice(half) };
      return result;
    },
    { step: 'initialize', name: 'throttleBatchWrites' },
  );
  return { doc, throttled: () => throttledCalls - remaining };
}

describe('batched writes', () => {
  it('retries unprocessed items until every row is stored', async () => {
    // Prepare
    const tableName = `retry-${Date.now()}`;
    await ensureTable(dynamo.client, tableName);
    const throttling = throttlingClient(3);
    const store = new DynamoStore(throttling.doc, { tableName, batch: { baseDelayMs: 1 } });
    const records = Array.from({ length: 60 }, (_, i) =>
      aRecord({ lineItem: `model-${i}`, costMicros: BigInt(1_000_000 + i) }),
    );
    // Act
    await replaceDays(store, 'anthropic', ['2026-03-02'], records);
    // Assess
    expect(throttling.throttled()).toBe(3);
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
      batchWriteAll(throttlingClient(100).doc, tableName, requests, { maxAttempts: 3, baseDelayMs: 1 }),
    ).rejects.toBeInstanceOf(UnprocessedItemsError);
  });
});
