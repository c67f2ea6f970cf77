import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { affirmedDayWrites } from '../../../functions/core/ingest/coverage.js';
import { activePeopleOfLines, type PersonIds } from '../../../functions/core/outcomes/active-people.js';
import type { UsageRecord } from '../../../functions/core/usage.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const DAY = '2026-03-02';
const AT = '2026-03-03T06:00:00Z';
const sorted = (people: readonly PersonIds[]) =>
  people.map((p) => `${p.userEmail ?? ''}|${p.githubLogin ?? ''}`).sort();

/** 2,500 people (two digest chunks): one at zero cost, one with a login too, and a team-level line. */
function cursorDay(): UsageRecord[] {
  const line = (i: number, over: Partial<UsageRecord> = {}) =>
    aRecord({
      source: 'cursor',
      vendor: 'cursor',
      date: DAY,
      identities: { userEmail: `dev${i}@payments.example` },
      lineItem: `usage dev${i}`,
      model: 'claude-sonnet-4-6',
      ...over,
    });
  return [
    ...Array.from({ length: 2500 }, (_, i) => line(i)),
    line(2500, { costMicros: 0n }),
    line(2501, { identities: { userEmail: 'pat@payments.example', githubLogin: 'pat-gh' } }),
    line(2502, { identities: {}, lineItem: 'team plan fee' }),
  ];
}

describe('the people a team-day names, for the outcome metrics', () => {
  it('are the same from the day’s digest as from its lines, and from the lines where a digest does not list them', async () => {
    const { store, tableName } = await dynamo.newStore();
    const doc = createDocumentClient(dynamo.client);
    await store.writeSourceDays('cursor', affirmedDayWrites([DAY], cursorDay(), AT));
    const fromLines = activePeopleOfLines(await store.teamLines('cursor', DAY, 'payments'));
    expect(fromLines).toHaveLength(2502); // everyone named, zero cost included; the team-level line is no one
    expect(sorted(await store.activePeople('cursor', DAY, 'payments'))).toEqual(sorted(fromLines));

    const digests = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': 'TEAM#payments', ':p': `PEOPLE#${DAY}#cursor#` },
      }),
    );
    expect(digests.Items).toHaveLength(2);
    // A digest written before the list was kept (no `active`): the lines answer.
    for (const d of digests.Items ?? [])
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: d.pk, sk: d.sk },
          UpdateExpression: 'REMOVE active',
        }),
      );
    expect(sorted(await store.activePeople('cursor', DAY, 'payments'))).toEqual(sorted(fromLines));
  });

  it('reads the digest, not the lines, once it lists them', async () => {
    const { store, tableName } = await dynamo.newStore();
    const doc = createDocumentClient(dynamo.client);
    await store.writeSourceDays('cursor', affirmedDayWrites([DAY], cursorDay(), AT));
    const expected = sorted(await store.activePeople('cursor', DAY, 'payments'));
    const lines = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `LINES#cursor#${DAY}#payments` },
      }),
    );
    // Lines gone, digest kept: the people are still there, so they were never read from the lines.
    const keysOf = (lines.Items ?? []).map((i) => ({ pk: i.pk as string, sk: i.sk as string }));
    for (let i = 0; i < keysOf.length; i += 25)
      await doc.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: keysOf.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) },
        }),
      );
    expect(sorted(await store.activePeople('cursor', DAY, 'payments'))).toEqual(expected);
  });

  it('a login-only day (no email, so no digest) answers from its lines', async () => {
    const { store } = await dynamo.newStore();
    const rows = ['ana', 'bo'].map((login) =>
      aRecord({
        source: 'copilot-metrics',
        vendor: 'copilot',
        date: DAY,
        identities: { githubLogin: login },
        lineItem: `usage ${login}`,
        costMicros: 0n,
      }),
    );
    await store.writeSourceDays('copilot-metrics', affirmedDayWrites([DAY], rows, AT));
    expect(sorted(await store.activePeople('copilot-metrics', DAY, 'payments'))).toEqual(['|ana', '|bo']);
  });
});
