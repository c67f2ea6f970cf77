import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import {
  createDocumentClient,
  DynamoStore,
  type DynamoStoreOptions,
} from '../../functions/adapters/dynamo/dynamo-store.js';
import {
  type LocalDynamo,
  localClient,
  startLocalDynamo,
} from '../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../functions/adapters/dynamo/table.js';

export interface DynamoFixture {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** A fresh table (own namespace) with a store over it. */
  newStore(opts?: Partial<DynamoStoreOptions>): Promise<{ store: DynamoStore; tableName: string }>;
}

/**
 * The run's DynamoDB Local (started once by `dynamo-global-setup.ts`), or one of the file's own when
 * the project has no global setup. Each test gets its own table via `newStore()`, so tests never see
 * each other's data; the file's tables are dropped after it so the shared instance does not grow.
 */
export function useLocalDynamo(): DynamoFixture {
  let local: Pick<LocalDynamo, 'endpoint' | 'client'> | undefined;
  let stop: (() => Promise<void>) | undefined;
  const created: string[] = [];
  beforeAll(async () => {
    const shared = inject('dynamoEndpoint');
    if (shared) {
      const client = localClient(shared);
      local = { endpoint: shared, client };
      stop = async () => client.destroy();
    } else {
      const own = await startLocalDynamo();
      local = own;
      stop = () => own.stop();
    }
  });
  afterAll(async () => {
    if (local) {
      const { client } = local;
      await Promise.allSettled(
        created.map((TableName) => client.send(new DeleteTableCommand({ TableName }))),
      );
    }
    await stop?.();
  });
  const get = () => {
    if (!local)
      throw new Error('DynamoDB Local is not started (useLocalDynamo must be called at file level)');
    return local;
  };
  return {
    get endpoint() {
      return get().endpoint;
    },
    get client() {
      return get().client;
    },
    async newStore(opts = {}) {
      const tableName = `t-${randomUUID()}`;
      await ensureTable(get().client, tableName);
      created.push(tableName);
      return {
        store: new DynamoStore(createDocumentClient(get().client), { tableName, ...opts }),
        tableName,
      };
    },
  };
}
