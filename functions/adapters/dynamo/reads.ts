import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

/**
 * BatchGetItem in chunks of 100, re-requesting unprocessed keys with jittered backoff; missing items
 * are simply absent. `consistent` for reads a write depends on (the replacement's manifests).
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  table: string,
  keyList: ReadonlyArray<Record<string, string>>,
  opts: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keyList.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead?: boolean }> | undefined = {
      [table]: { Keys: keyList.slice(i, i + 100), ...(opts.consistent ? { ConsistentRead: true } : {}) },
    };
    for (let attempt = 1; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 8) throw new Error('BatchGetItem left keys unprocessed after 8 attempts');
      if (attempt > 1) await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** (attempt - 2)));
      const out = await doc.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...(out.Responses?.[table] ?? []));
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

/** A Query followed through `LastEvaluatedKey` to the end. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  table: string,
  input: Omit<QueryCommandInput, 'TableName'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new QueryCommand({ ...input, TableName: table, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
