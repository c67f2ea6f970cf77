import { BatchWriteItemCommand, type WriteRequest as MarshalledWriteRequest } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type { MarshalledWriteRequest };

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

export interface BatchWriteOptions {
  /** Batches in flight at once. */
  readonly concurrency?: number;
  /** Attempts for items DynamoDB returns as unprocessed (throttling) before giving up loudly. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called before each BatchWriteItem request (fault-injection tests throw here). */
  readonly beforeSend?: () => void | Promise<void>;
}

export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItemsError';
  readonly code = 'UNPROCESSED_ITEMS';
  constructor(
    readonly remaining: number,
    attempts: number,
  ) {
    super(`${remaining} items still unprocessed after ${attempts} BatchWriteItem attempts`);
  }
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes any number of requests in 25-item BatchWriteItem calls, re-sending whatever DynamoDB returns
 * as `UnprocessedItems` with jittered exponential backoff. Nothing is dropped: if items are still
 * unprocessed after `maxAttempts`, it throws and the caller's run fails (and is safe to re-run).
 */
export function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  opts: BatchWriteOptions = {},
): Promise<number> {
  return writeInBatches(requests, opts, async (pending) => {
    const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    return (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
  });
}

/**
 * `batchWriteAll` for requests already in DynamoDB's wire form (attribute-values.ts), produced as
 * they are written (a day read as it is written, or streaming from its scratch file): `batches`
 * yields at most 25 requests at a time, and the next is asked for whenever one of `concurrency`
 * writers is free, so the writes never wait for a page boundary and at most `concurrency` batches
 * are held.
 */
export async function batchWriteMarshalledStream(
  client: DynamoDBDocumentClient,
  table: string,
  batches: AsyncIterable<readonly MarshalledWriteRequest[]>,
  opts: BatchWriteOptions = {},
): Promise<number> {
  const it = batches[Symbol.asyncIterator]();
  let written = 0;
  // An async generator queues concurrent `next()` calls, so writers can share it.
  const next = async () => {
    const r = await it.next();
    if (r.done) return undefined;
    if (r.value.length > 25) throw new Error(`a batch of ${r.value.length} requests (25 at most)`);
    written += r.value.length;
    return [...r.value];
  };
  await writeChunks(next, Number.POSITIVE_INFINITY, opts, sendMarshalled(client, table));
  return written;
}

/** One BatchWriteItem of wire-form requests; answers what DynamoDB left unprocessed. */
function sendMarshalled(client: DynamoDBDocumentClient, table: string) {
  return async (pending: MarshalledWriteRequest[]): Promise<MarshalledWriteRequest[]> => {
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    return out.UnprocessedItems?.[table] ?? [];
  };
}

async function writeInBatches<R>(
  requests: readonly R[],
  opts: BatchWriteOptions,
  send: (pending: R[]) => Promise<R[]>,
): Promise<number> {
  let next = 0;
  const chunks = Math.ceil(requests.length / 25);
  await writeChunks(
    async () => (next * 25 < requests.length ? requests.slice(next * 25, ++next * 25) : undefined),
    chunks,
    opts,
    send,
  );
  return requests.length;
}

/** Up to `concurrency` writers, each taking the next chunk until there is none (or one failed). */
async function writeChunks<R>(
  nextChunk: () => Promise<R[] | undefined>,
  chunks: number,
  opts: BatchWriteOptions,
  send: (pending: R[]) => Promise<R[]>,
): Promise<void> {
  const { concurrency = 8, maxAttempts = 8, baseDelayMs = 50, sleep = sleepFor } = opts;
  let failed = false;
  const worker = async () => {
    while (!failed) {
      try {
        const chunk = await nextChunk();
        if (!chunk) return;
        await writeChunk(chunk);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const writeChunk = async (chunk: R[]) => {
    let pending: R[] = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) throw new UnprocessedItemsError(pending.length, maxAttempts);
      if (attempt > 1) await sleep(Math.random() * baseDelayMs * 2 ** (attempt - 2));
      await opts.beforeSend?.();
      pending = await send(pending);
    }
  };
  // Settle every worker before returning or throwing: nothing is still being written when this ends.
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, chunks) }, worker));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
