import type { GetCommandOutput, QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/dynamo/dynamo-store.js';
import { localClient } from '../../functions/adapters/dynamo/local-dynamodb.js';

type ReadOutput = { output: QueryCommandOutput | GetCommandOutput; response: unknown };

/**
 * A document client over DynamoDB Local whose eventually consistent reads (Query, GetItem) are
 * answered as a lagging replica may answer them: the first answer to a read is the answer to every
 * later one, whatever was written since (DynamoDB documents that such a read "might not reflect the
 * results of a recently completed write"; DynamoDB Local never lags). Consistent reads and writes go
 * to the table as they are.
 */
export function laggingReplicaClient(endpoint: string) {
  const doc = createDocumentClient(localClient(endpoint));
  const seen = new Map<string, ReadOutput>();
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ConsistentRead?: boolean };
      const read = context.commandName === 'QueryCommand' || context.commandName === 'GetItemCommand';
      if (!read || input.ConsistentRead) return next(args);
      const key = `${context.commandName} ${JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))}`;
      const first = seen.get(key) ?? ((await next(args)) as ReadOutput);
      seen.set(key, first);
      // A copy each time, as each answer of a real replica is its own.
      if (context.commandName === 'QueryCommand') {
        const output = first.output as QueryCommandOutput;
        return { ...first, output: { ...output, Items: structuredClone(output.Items) } };
      }
      const output = first.output as GetCommandOutput;
      return { ...first, output: { ...output, Item: structuredClone(output.Item) } };
    },
    { step: 'initialize', name: 'laggingReplica' },
  );
  return doc;
}
