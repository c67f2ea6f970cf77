import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { localClient } from '../../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../../functions/adapters/dynamo/table.js';
import { ConditionalWriteConflictError } from '../../../functions/core/ports.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { replaceDays } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const DAY = '2026-03-02';

type Phase = 'pending' | 'commit' | 'state';

/** Which PutItem of a phase loses its answer: a manifest's pending or commit write, or a state write. */
const isWriteOf = (phase: Phase, item: Record<string, AttributeValue> | undefined) =>
  phase === 'state'
    ? item?.type?.S === 'state'
    : item?.type?.S === 'sourceDay' && (item?.pending !== undefined) === (phase === 'pending');

/**
 * A document client whose first write of `phase` reaches DynamoDB Local and is applied, but whose
 * answer is lost (as a timed-out or reset connection loses it): the SDK retries the same request, as
 * it does for any transient error.
 */
function losingClient(phase: Phase) {
  const doc = createDocumentClient(localClient(dynamo.endpoint));
  let lost = 0;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const item = (args.input as { Item?: Record<string, AttributeValue> }).Item;
      const result = await next(args);
      if (lost === 0 && context.commandName === 'PutItemCommand' && isWriteOf(phase, item)) {
        lost++;
        throw Object.assign(new Error('socket hang up after the write was applied'), {
          name: 'TimeoutError',
        });
      }
      return result;
    },
    // Inside the SDK's retry loop: a transient error here is retried with the same input.
    { step: 'deserialize', name: 'loseFirstManifestAnswer' },
  );
  return { doc, lost: () => lost };
}

const opus = (usd: bigint) => aRecord({ date: DAY, lineItem: 'opus', costMicros: usd * 1_000_000n });

describe('a manifest write whose answer is lost', () => {
  it.each<Phase>(['pending', 'commit'])(
    'is its own write when the SDK retries it (%s), not another run’s',
    async (phase) => {
      // Prepare: the day holds $100; the re-pull says $140.
      const tableName = `lost-${phase}-${Date.now()}`;
      await ensureTable(dynamo.client, tableName);
      const plain = new DynamoStore(createDocumentClient(dynamo.client), { tableName });
      await replaceDays(plain, 'anthropic', [DAY], [opus(100n)]);
      const losing = losingClient(phase);
      const store = new DynamoStore(losing.doc, { tableName });

      // Act
      await replaceDays(store, 'anthropic', [DAY], [opus(140n)]);

      // Assess: the retried write was recognised as this run's own, and the replacement finished.
      expect(losing.lost()).toBe(1);
      const [total] = await plain.teamDailyTotals('payments', DAY, DAY);
      expect(total?.costMicros).toBe(140_000_000n);
      const items =
        (await createDocumentClient(dynamo.client).send(new ScanCommand({ TableName: tableName }))).Items ??
        [];
      expect(items.filter((i) => i.type === 'sourceDay' && (i.pending || i.garbage))).toEqual([]);
      expect(items.filter((i) => i.type === 'line')).toHaveLength(1);
    },
  );

  it('is its own compare-and-set when the SDK retries a state write (an alert claim), not a conflict', async () => {
    // Prepare
    const tableName = `lost-state-${Date.now()}`;
    await ensureTable(dynamo.client, tableName);
    const losing = losingClient('state');
    const store = new DynamoStore(losing.doc, { tableName });

    // Act
    const first = await store.putState('payments', 'ALERT#exhaustion', { state: 'critical' }, 0);
    const second = await store.putState('payments', 'ALERT#exhaustion', { state: 'warning' }, first);

    // Assess: both writes are the caller's, and a write from a stale version still conflicts.
    expect(losing.lost()).toBe(1);
    expect([first, second]).toEqual([1, 2]);
    expect(await store.getState('payments', 'ALERT#exhaustion')).toEqual({
      value: { state: 'warning' },
      version: 2,
    });
    await expect(store.putState('payments', 'ALERT#exhaustion', {}, 1)).rejects.toBeInstanceOf(
      ConditionalWriteConflictError,
    );
  });
});
