import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { rowsCoverage } from '../../../functions/core/ingest/coverage.js';
import { detailExpiresAt } from '../../../functions/core/retention.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const DAY = '2026-03-02';

describe('retention.personDetailMonths on stored lines', () => {
  it('expires every line naming a person, by email or by GitHub login, and no team-level line', async () => {
    // Prepare: GitHub outcomes and Copilot metrics name a member by login when no email is known.
    const { store, tableName } = await dynamo.newStore();
    const expiresAt = detailExpiresAt(DAY, 13);
    const lines = [
      aRecord({
        source: 'github',
        vendor: 'github',
        identities: { githubLogin: 'ana-dev' },
        lineItem: 'prs',
      }),
      aRecord({
        source: 'github',
        vendor: 'github',
        identities: { userEmail: 'bo@pay.com' },
        lineItem: 'prs',
      }),
      aRecord({
        source: 'github',
        vendor: 'github',
        identities: { githubTeam: 'payments' },
        lineItem: 'prs',
      }),
    ].map((r) => ({ ...r, billable: false, costMicros: 0n }));

    // Act
    await store.writeSourceDays('github', [
      {
        date: DAY,
        rows: lines,
        coverage: rowsCoverage(false, `${DAY}T23:00:00.000Z`),
        detailExpiresAt: expiresAt,
      },
    ]);

    // Assess
    const items =
      (await createDocumentClient(dynamo.client).send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    const expiry = Object.fromEntries(
      items
        .filter((i) => i.type === 'line')
        .map((i) => [
          Object.keys(i.identities as object).join(),
          i.expiresAt === undefined ? 'kept' : Number(i.expiresAt),
        ]),
    );
    expect(expiry).toEqual({ githubLogin: expiresAt, userEmail: expiresAt, githubTeam: 'kept' });
  });
});
