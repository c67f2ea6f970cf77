import { describe, expect, it } from 'vitest';
import { DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { ensureTable } from '../../../functions/adapters/dynamo/table.js';
import { createSeatHistory } from '../../../functions/core/ingest/seat-history.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { laggingReplicaClient } from '../../helpers/lagging-replica.js';

const dynamo = useLocalDynamo();

describe('state read for a compare-and-set', () => {
  it('is the version last written, so the caller’s next compare-and-set succeeds', async () => {
    // Prepare: the alert run read the state; then someone pressed Acknowledge (version 2).
    const tableName = `state-reads-${Date.now()}`;
    await ensureTable(dynamo.client, tableName);
    const store = new DynamoStore(laggingReplicaClient(dynamo.endpoint), { tableName });
    await store.putState('payments', 'ALERT#exhaustion', { state: 'critical' }, 0);
    expect((await store.getState('payments', 'ALERT#exhaustion'))?.version).toBe(1);
    await store.putState('payments', 'ALERT#exhaustion', { state: 'critical', acknowledged: true }, 1);

    // Act: the run re-reads after its conflict (alert-state-ledger takeDecisionsOnly) and writes on.
    const read = await store.getState('payments', 'ALERT#exhaustion');
    const next = await store.putState(
      'payments',
      'ALERT#exhaustion',
      { state: 'warning' },
      read?.version ?? 0,
    );

    // Assess
    expect(read).toEqual({ value: { state: 'critical', acknowledged: true }, version: 2 });
    expect(next).toBe(3);
  });
});

describe('states listed right after the caller wrote one', () => {
  it('include that write: the seat list stored today is the one today is read from', async () => {
    // Prepare: yesterday's run stored one seat; today Copilot lists two. The run stores today's list
    // (putState) and at once lists the day headers (listStates) to pick each day's seats.
    const tableName = `state-lists-${Date.now()}`;
    await ensureTable(dynamo.client, tableName);
    const store = new DynamoStore(laggingReplicaClient(dynamo.endpoint), { tableName });
    const history = createSeatHistory(store, 'copilot');
    const ana = { login: 'ana', team: null, createdOn: '2026-03-01' };
    const bo = { login: 'bo', team: null, createdOn: '2026-03-03' };
    await history.seatsByDay('2026-03-02', [ana], ['2026-03-02']);

    // Act
    const today = await history.seatsByDay('2026-03-03', [ana, bo], ['2026-03-03']);

    // Assess: today's own snapshot, not yesterday's carried forward (bo's seat uncounted).
    expect(today.get('2026-03-03')).toEqual({ seats: [ana, bo], basis: 'snapshot' });
  });
});
