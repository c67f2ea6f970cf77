import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { secretEnvName } from '../../../functions/adapters/secrets/local-secrets.js';
import { eachDay } from '../../../functions/core/dates.js';
import { recordProposal } from '../../../functions/core/limits/apply.js';
import type { LimitItem, LimitProposal } from '../../../functions/core/limits/proposal.js';
import { usdToMicros } from '../../../functions/core/money.js';
import { startCursorLimitServer } from '../../fixtures/vendors/limit-servers.js';
import { aRecord } from '../../helpers/builders.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { replaceDays } from '../../helpers/store-reads.js';

/** `burnwatch limits list|propose|apply|undo` against DynamoDB Local and a local Cursor limit server. */
const dynamo = useLocalDynamo();
const KEY = 'crsr_cli_admin_key_42';
let cursor: Awaited<ReturnType<typeof startCursorLimitServer>>;
let dir: string;

const write = (dryRun: boolean) => {
  const file = join(dir, `burnwatch.${dryRun ? 'dry' : 'live'}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      organization: { name: 'Acme' },
      fiscalYear: { startMonth: 1, startDay: 1 },
      teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 2_400_000 }],
      sources: [{ id: 'cursor', type: 'cursor', secretName: 'burnwatch/cursor' }],
      alerts: { perEngineerMonthlyCapUsd: 1_500 },
      finance: { slackChannel: 'C0FINANCE' },
      limits: { dryRun, cursor: { adminSecretName: 'burnwatch/cursor-limits-admin', baseUrl: cursor.url } },
    }),
  );
  return file;
};

beforeAll(async () => {
  cursor = await startCursorLimitServer({
    adminKey: KEY,
    members: { 'amy@corp.com': null, 'bob@corp.com': 200 },
  });
  dir = mkdtempSync(join(tmpdir(), 'burnwatch-limits-'));
});
afterAll(async () => {
  await cursor?.close();
});

describe('burnwatch limits', () => {
  it('proposes from the cap rule, applies (dry run first), lists and undoes, through the same code as Slack', async () => {
    // Prepare: amy spends $100/day with Cursor in April (over $1,500 by the 16th), bob $20.
    const env = {
      BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint,
      BURNWATCH_TABLE: 'limits-cli',
      USER: 'dana',
      [secretEnvName('burnwatch/cursor-limits-admin')]: KEY,
    };
    const dry = write(true);
    const live = write(false);
    await runCliCaptured(['limits', 'list', '--config', live], { env, cwd: dir }); // creates the table
    const table = new DynamoStore(createDocumentClient(dynamo.client), { tableName: 'limits-cli' });
    const days = eachDay('2026-04-01', '2026-04-20');
    await replaceDays(
      table,
      'cursor',
      days,
      days.flatMap((date) =>
        [
          ['amy@corp.com', 100],
          ['bob@corp.com', 20],
        ].map(([user, usd]) =>
          aRecord({
            date,
            source: 'cursor',
            vendor: 'cursor',
            identities: { userEmail: String(user) },
            lineItem: `${user}`,
            model: 'gpt-5',
            costMicros: usdToMicros(Number(usd)),
          }),
        ),
      ),
    );
    const cli = (args: string[]) => runCliCaptured(['limits', ...args], { env, cwd: dir });

    // Act
    const proposed = await cli(['propose', 'payments', '--as-of', '2026-04-20', '--json', '--config', live]);
    const [proposal] = JSON.parse(proposed.out) as Array<{ id: string; items: Array<{ subject: string }> }>;
    const dryRun = await cli(['apply', 'payments', proposal?.id ?? '', '--json', '--config', dry]);
    const afterDry = cursor.calls.length;
    const applied = await cli(['apply', 'payments', proposal?.id ?? '', '--config', live]);
    const listed = await cli(['list', 'payments', '--json', '--config', live]);
    const undone = await cli(['undo', 'payments', proposal?.id ?? '', '--config', live]);

    // Assess
    expect(proposed.code).toBe(0);
    expect(proposal?.items.map((i) => i.subject)).toEqual(['amy@corp.com']);
    expect(dryRun.code).toBe(0);
    expect(JSON.parse(dryRun.out)).toMatchObject({ outcome: 'dry-run' });
    expect(afterDry).toBe(0);
    expect(applied.code).toBe(0);
    expect(applied.out).toContain('1 of 1 limit applied and confirmed by reading back');
    const [listedProposal] = JSON.parse(listed.out) as Array<{
      status: string;
      history: Array<{ by: string }>;
    }>;
    expect(listedProposal?.status).toBe('applied');
    expect(listedProposal?.history.map((h) => h.by)).toEqual(['dana', 'dana']);
    expect(undone.code).toBe(0);
    expect(undone.out).toContain('1 of 1 limit restored');
    expect(cursor.limitOf('amy@corp.com')).toBeNull();
    expect(cursor.writes().map((c) => c.body)).toEqual([
      { userEmail: 'amy@corp.com', spendLimitDollars: 1_500 },
      { userEmail: 'amy@corp.com', spendLimitDollars: null },
    ]);
  });

  it('list shows why a limit was left as it was, at Approve (skipped) or at Undo (kept) (review E, finding 3)', async () => {
    // Prepare: a proposal whose two limits burnwatch left as they were, each with its reason.
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'limits-cli-notes' };
    const live = write(false);
    await runCliCaptured(['limits', 'list', '--config', live], { env, cwd: dir }); // creates the table
    const table = new DynamoStore(createDocumentClient(dynamo.client), { tableName: 'limits-cli-notes' });
    const item = (subject: string, state: LimitItem['state'], note: string): LimitItem => ({
      id: `cursor:user:${subject}`,
      vendor: 'cursor',
      scope: 'user',
      subject,
      person: true,
      amountCents: 150_000,
      period: 'monthly',
      state,
      note,
    });
    const proposal: LimitProposal = {
      id: '2026-04-20:engineer-cap',
      team: 'payments',
      teamName: 'Payments',
      rule: 'engineer-cap',
      asOf: '2026-04-20',
      createdAt: '2026-04-21T09:00:00.000Z',
      reason: 'cap',
      status: 'undone',
      items: [
        item(
          'amy@corp.com',
          'skipped',
          'already limited to $800 at the vendor, at or below the $1,500 proposed: left as it is',
        ),
        item(
          'bob@corp.com',
          'kept',
          'changed at the vendor since burnwatch set it: $900 now, burnwatch set $1,500; left as it is',
        ),
      ],
      skipped: [],
      history: [],
    };
    await recordProposal(table, proposal);

    // Act
    const listed = await runCliCaptured(['limits', 'list', 'payments', '--config', live], { env, cwd: dir });

    // Assess: each row carries its own reason in the Note column.
    expect(listed.code).toBe(0);
    const row = (who: string) => listed.out.split('\n').find((l) => l.includes(who)) ?? '';
    expect(row('amy@corp.com')).toContain('skipped  already limited to $800 at the vendor');
    expect(row('bob@corp.com')).toContain('kept     changed at the vendor since burnwatch set it: $900 now');
  });

  it('names the flag and the fix for a bad action or team', async () => {
    // Act
    const bad = await runCliCaptured(['limits', 'cap', '--config', write(true)], { env: {}, cwd: dir });
    const team = await runCliCaptured(['limits', 'propose', 'nope', '--config', write(true)], {
      env: { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'limits-cli' },
      cwd: dir,
    });

    // Assess
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('ACTION: must be one of list, propose, apply, undo');
    expect(team.err).toContain('TEAM: unknown team "nope"; teams in the config: payments');
  });
});
