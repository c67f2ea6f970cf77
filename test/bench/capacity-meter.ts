import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What a client wrote: items by kind and the write capacity units DynamoDB charged for them. */
export interface WriteMeter {
  puts: number;
  deletes: number;
  /** PutItem, UpdateItem and DeleteItem calls (manifests, rollups, alert state, summaries). */
  singles: number;
  /** Write capacity units as DynamoDB (Local) reports them (`ReturnConsumedCapacity: TOTAL`). */
  writeUnits: number;
  /** BatchWriteItem and single-item write requests sent (retries of unprocessed items included). */
  requests: number;
}

const WRITES = new Set([
  'BatchWriteItemCommand',
  'PutItemCommand',
  'PutCommand',
  'UpdateItemCommand',
  'UpdateCommand',
  'DeleteItemCommand',
  'DeleteCommand',
  'BatchWriteCommand',
]);

type Capacity = { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
const unitsOf = (c: Capacity) =>
  (Array.isArray(c) ? c : c ? [c] : []).reduce((a, x) => a + (x.CapacityUnits ?? 0), 0);

/**
 * Counts every write `client` sends (a benchmark's instrument, never production code): asks DynamoDB
 * for the consumed capacity of each write and adds it up, with the items written and deleted.
 */
export function meterWrites(client: DynamoDBClient): WriteMeter {
  const meter: WriteMeter = { puts: 0, deletes: 0, singles: 0, writeUnits: 0, requests: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!WRITES.has(context.commandName ?? '')) return next(args);
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as {
        ConsumedCapacity?: Capacity;
        UnprocessedItems?: Record<string, unknown[]>;
      };
      meter.requests++;
      meter.writeUnits += unitsOf(output.ConsumedCapacity);
      const batch = input.RequestItems as Record<string, Array<Record<string, unknown>>> | undefined;
      if (!batch) {
        meter.singles++;
        return result;
      }
      // Unprocessed items are sent again (and counted then).
      const isDelete = (r: unknown) => typeof r === 'object' && r !== null && 'DeleteRequest' in r;
      const sent = Object.values(batch).flat();
      const left = Object.values(output.UnprocessedItems ?? {}).flat();
      meter.deletes += sent.filter(isDelete).length - left.filter(isDelete).length;
      meter.puts += sent.filter((r) => !isDelete(r)).length - left.filter((r) => !isDelete(r)).length;
      return result;
    },
    { step: 'initialize', name: 'benchWriteMeter' },
  );
  return meter;
}
