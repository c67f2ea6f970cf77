import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import {
  createDocumentClient,
  DynamoStore,
  type DynamoStoreOptions,
} from '../../functions/adapters/dynamo/dynamo-store.js';
import { type LocalDynamo, startLocalDynamo } from '../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../functions/adapters/dynamo/table.js';

export interface DynamoFixture {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** A fresh table (own namespace) with a store over it. */
  newStore(opts?: Partial<DynamoStoreOptions>): Promise<{ store: DynamoStore; tableName: string }>;
}

/**
 * Starts one DynamoDB Local per test file on a free loopback port, stops it after. Each test gets its
 * own table via `newStore()`, so tests never see each other's data.
 */
export function useLocalDynamo(): DynamoFixture {
  let local: LocalDynamo | undefined;
  beforeAll(async () => {
    local = await startLocalDynamo();
  });
  afterAll(async () => {
    await local?.stop();
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
      return {
        store: new DynamoStore(createDocumentClient(get().client), { tableName, ...opts }),
        tableName,
      };
    },
  };
}
