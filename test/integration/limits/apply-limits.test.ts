import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { limitApisFor } from '../../../functions/adapters/vendors/limits/limit-apis.js';
import type { AlertCondition } from '../../../functions/core/alerts/types.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import type { ConfigInput } from '../../../functions/core/config/schema.js';
import {
  applyProposal,
  type LimitDeps,
  loadProposal,
  recordProposal,
  undoProposal,
} from '../../../functions/core/limits/apply.js';
import { proposeLimits } from '../../../functions/core/limits/proposal.js';
import type { Store } from '../../../functions/core/ports.js';
import {
  startAnthropicLimitServer,
  startCursorLimitServer,
  startGitHubBudgetServer,
} from '../../fixtures/vendors/limit-servers.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import {
  aBudgetCondition,
  aCapCondition,
  limitDepsFor,
  recordedProposal,
} from '../../helpers/limit-harness.js';

/**
 * Applying limits end to end over loopback: proposals from a fired cap rule and a fired budget rule,
 * applied through local Cursor, GitHub and Anthropic limit servers, recorded in DynamoDB Local.
 */
const dynamo = useLocalDynamo();
const KEYS = {
  'burnwatch/cursor-admin': 'crsr_admin_key_123456',
  'burnwatch/github-admin': 'ghp_admin_token_123456',
  'burnwatch/anthropic-admin': 'sk-ant-admin01-limits-123456',
} as const;
const READ_ONLY = {
  cursor: 'crsr_readonly_key_654321',
  github: 'ghp_readonly_654321',
  anthropic: 'sk-ant-readonly-654321',
};

let cursor: Awaited<ReturnType<typeof startCursorLimitServer>>;
let github: Awaited<ReturnType<typeof startGitHubBudgetServer>>;
let anthropic: Awaited<ReturnType<typeof startAnthropicLimitServer>>;

const PEOPLE = [
  { user: 'amy@corp.com', monthUsd: 1_900, vendors: ['anthropic', 'cursor'] },
  { user: 'bob@corp.com', monthUsd: 1_650, vendors: ['cursor'] },
  { user: 'cat@corp.com', monthUsd: 1_700, vendors: ['openai'] },
  { user: 'dan@corp.com', monthUsd: 1_520, vendors: ['openai'] },
];
const capCondition: AlertCondition = {
  team: 'payments',
  rule: 'engineer-cap',
  key: 'ALERT#engineer-cap#2026-04',
  severity: 'warning',
  metric: PEOPLE.length,
  facts: {
    kind: 'engineer-cap',
    teamName: 'Payments',
    month: '2026-04',
    asOf: '2026-04-20',
    capUsd: 1_500,
    overCount: PEOPLE.length,
    people: PEOPLE,
    vendors: ['anthropic', 'cursor', 'openai'],
  },
};

/** Fresh vendor servers for every test: each starts from the same limits. */
beforeEach(async () => {
  cursor = await startCursorLimitServer({
    adminKey: KEYS['burnwatch/cursor-admin'],
    readOnlyKey: READ_ONLY.cursor,
    members: { 'amy@corp.com': null, 'bob@corp.com': 800, 'zed@corp.com': null },
  });
  github = await startGitHubBudgetServer({
    org: 'acme',
    adminToken: KEYS['burnwatch/github-admin'],
    readOnlyToken: READ_ONLY.github,
    budgets: [
      {
        budget_type: 'ProductPricing',
        budget_product_sku: 'actions',
        budget_scope: 'organization',
        budget_entity_name: 'acme',
        budget_amount: 5_000,
        prevent_further_usage: false,
        budget_alerting: { will_alert: true, alert_recipients: [] },
      },
    ],
  });
  anthropic = await startAnthropicLimitServer({
    adminKey: KEYS['burnwatch/anthropic-admin'],
    readOnlyKey: READ_ONLY.anthropic,
    members: [
      { userId: 'user_01AMY', email: 'amy@corp.com' },
      { userId: 'user_01ZED', email: 'zed@corp.com' },
    ],
    seatTierCents: '300000',
  });
});
afterEach(async () => {
  await Promise.all([cursor?.close(), github?.close(), anthropic?.close()]);
});

const configFor = (
  limits: Partial<NonNullable<ConfigInput['limits']>>,
  keys: Record<string, string> = {},
) => {
  const config = parseConfig({
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 1, startDay: 1 },
    teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 240_000 }],
    finance: { slackChannel: 'C0FINANCE', slackUserIds: ['UCFO'] },
    alerts: { perEngineerMonthlyCapUsd: 1_500 },
    limits: {
      dryRun: false,
      cursor: { adminSecretName: 'burnwatch/cursor-admin', baseUrl: cursor.url },
      copilot: {
        organization: 'acme',
        adminSecretName: 'burnwatch/github-admin',
        baseUrl: github.url,
        logins: { 'cat@corp.com': 'cat-gh' },
      },
      anthropic: {
        adminSecretName: 'burnwatch/anthropic-admin',
        baseUrl: anthropic.url,
        workspaces: { payments: { workspaceId: 'wrkspc_01PAY' } },
      },
      ...limits,
    },
  });
  const secrets: Record<string, string> = { ...KEYS, ...keys };
  return { config, secrets };
};

/** Limit APIs reading `secrets`; retries without waiting (the servers answer 429 with Retry-After: 0). */
const apisFor = (config: ReturnType<typeof configFor>['config'], secrets: Record<string, string>) =>
  limitApisFor(
    config.limits,
    async (name) => {
      const v = secrets[name];
      if (!v) throw new Error(`no secret ${name}`);
      return v;
    },
    { sleep: async () => {}, maxAttempts: 2, timeoutMs: 5_000 },
  );

async function setup(
  limits: Partial<NonNullable<ConfigInput['limits']>> = {},
  keys: Record<string, string> = {},
): Promise<{ deps: LimitDeps; store: Store; id: string }> {
  const { store } = await dynamo.newStore();
  const { config, secrets } = configFor(limits, keys);
  const deps: LimitDeps = {
    config,
    store,
    clock: { now: () => new Date('2026-04-21T09:00:00Z') },
    apis: apisFor(config, secrets),
  };
  const proposal = proposeLimits({ config, cond: capCondition, now: deps.clock.now() });
  if (!proposal) throw new Error('expected a proposal');
  await recordProposal(store, proposal);
  return { deps, store, id: proposal.id };
}

describe('limits at the vendors', () => {
  it('proposes a cap at each vendor a person spent with, and says who cannot be capped', async () => {
    // Prepare
    const { config } = configFor({});

    // Act
    const p = proposeLimits({ config, cond: capCondition, now: new Date('2026-04-21T09:00:00Z') });

    // Assess
    expect(p?.items.map((i) => [i.vendor, i.subject, i.amountCents, i.state])).toEqual([
      ['cursor', 'amy@corp.com', 150_000, 'pending'],
      ['anthropic', 'amy@corp.com', 150_000, 'pending'],
      ['cursor', 'bob@corp.com', 150_000, 'pending'],
      ['copilot', 'cat-gh', 150_000, 'pending'],
    ]);
    expect(p?.skipped).toEqual([
      { subject: 'dan@corp.com', person: true, reason: expect.stringContaining('OpenAI') },
    ]);
  });

  it('applies exactly the proposed limits, reads them back and records who, before and after', async () => {
    // Prepare: bob's own Cursor limit is $2,000, looser than the cap.
    const { deps, store, id } = await setup();
    cursor.setLimitOf('bob@corp.com', 2_000);
    const writesBefore = [cursor.writes().length, github.writes().length, anthropic.writes().length];

    // Act
    const result = await applyProposal(deps, 'payments', id, 'UCFO');

    // Assess: at each vendor exactly the proposed writes, and the state they hold now.
    expect(result.outcome).toBe('applied');
    expect(
      cursor
        .writes()
        .slice(writesBefore[0])
        .map((c) => c.body),
    ).toEqual([
      { userEmail: 'amy@corp.com', spendLimitDollars: 1_500 },
      { userEmail: 'bob@corp.com', spendLimitDollars: 1_500 },
    ]);
    expect(cursor.limitOf('amy@corp.com')).toBe(1_500);
    expect(cursor.limitOf('zed@corp.com')).toBeNull();
    expect(github.writes().slice(writesBefore[1])).toEqual([
      {
        method: 'POST',
        path: '/organizations/acme/settings/billing/budgets',
        body: expect.objectContaining({
          budget_scope: 'user',
          user: 'cat-gh',
          budget_product_sku: 'ai_credits',
          budget_amount: 1_500,
          prevent_further_usage: true,
        }),
      },
    ]);
    expect(
      anthropic
        .writes()
        .slice(writesBefore[2])
        .map((c) => c.body),
    ).toEqual([{ amount: '150000', scope: { type: 'user', user_id: 'user_01AMY' }, period: 'monthly' }]);
    const stored = await loadProposal(store, 'payments', id);
    expect(stored?.proposal.status).toBe('applied');
    expect(
      stored?.proposal.items.map((i) => [i.subject, i.state, i.before?.amountCents, i.after?.amountCents]),
    ).toEqual([
      ['amy@corp.com', 'applied', null, 150_000],
      ['amy@corp.com', 'applied', null, 150_000],
      ['bob@corp.com', 'applied', 200_000, 150_000],
      ['cat-gh', 'applied', null, 150_000],
    ]);
    expect(stored?.proposal.history.at(-1)).toMatchObject({ action: 'apply', by: 'UCFO' });
    const audit = (await store.listTeamRecords('payments', 'limit')) as Array<Record<string, unknown>>;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ by: 'UCFO', action: 'apply', outcome: 'applied' });
    expect(JSON.stringify(audit[0])).toContain('Spend limit set for bob@corp.com');
  });

  it('a failure half-way leaves an accurate record, and a retry completes only what is left', async () => {
    // Prepare: Cursor keeps rate limiting bob (whose own limit is $2,000); GitHub is refused for a
    // key without the admin scope.
    const { deps, store, id } = await setup({}, { 'burnwatch/github-admin': READ_ONLY.github });
    cursor.setLimitOf('bob@corp.com', 2_000);
    cursor.setFault((c) =>
      c.path === '/teams/user-spend-limit' && (c.body as { userEmail?: string }).userEmail === 'bob@corp.com'
        ? 429
        : undefined,
    );

    // Act
    const first = await applyProposal(deps, 'payments', id, 'UCFO');

    // Assess: two applied, two not, each with its reason; the proposal stays open.
    expect(first.outcome).toBe('partial');
    const afterFirst = await loadProposal(store, 'payments', id);
    expect(afterFirst?.proposal.status).toBe('partial');
    expect(afterFirst?.proposal.busy).toBeUndefined();
    const states = Object.fromEntries(
      afterFirst?.proposal.items.map((i) => [`${i.vendor}:${i.subject}`, [i.state, i.error ?? '']]) ?? [],
    );
    expect(states['cursor:amy@corp.com']).toEqual(['applied', '']);
    expect(states['anthropic:amy@corp.com']).toEqual(['applied', '']);
    expect(states['cursor:bob@corp.com']).toEqual(['failed', expect.stringContaining('rate limited')]);
    expect(states['copilot:cat-gh']).toEqual(['failed', expect.stringContaining('admin scope')]);
    expect(cursor.limitOf('bob@corp.com')).toBe(2_000);
    expect(github.budgetOf('cat-gh')).toBeUndefined();
    expect(JSON.stringify(afterFirst)).not.toContain(READ_ONLY.github);

    // Act: the rate limit passes and the admin key is fixed; Approve again.
    cursor.setFault(undefined);
    const fixed = { ...deps, apis: apisFor(deps.config, { ...KEYS }) };
    const cursorWrites = cursor.writes().length;
    const retry = await applyProposal(fixed, 'payments', id, 'UCFO');

    // Assess: only the two that failed were sent again, and everything is in place.
    expect(retry.outcome).toBe('applied');
    expect(
      cursor
        .writes()
        .slice(cursorWrites)
        .map((c) => c.body),
    ).toEqual([{ userEmail: 'bob@corp.com', spendLimitDollars: 1_500 }]);
    expect(cursor.limitOf('bob@corp.com')).toBe(1_500);
    expect(github.budgetOf('cat-gh')?.budget_amount).toBe(1_500);
    const final = await loadProposal(store, 'payments', id);
    expect(final?.proposal.status).toBe('applied');
    // Bob's "before" is still what Cursor held before burnwatch touched it.
    expect(final?.proposal.items.find((i) => i.id === 'cursor:user:bob@corp.com')?.before?.amountCents).toBe(
      200_000,
    );
  });

  it('undo restores what each vendor held before', async () => {
    // Prepare
    const { deps, store, id } = await setup();
    cursor.setLimitOf('bob@corp.com', 2_000);
    await applyProposal(deps, 'payments', id, 'UCFO');

    // Act
    const undone = await undoProposal(deps, 'payments', id, 'UCFO');

    // Assess
    expect(undone.outcome).toBe('undone');
    expect(cursor.limitOf('amy@corp.com')).toBeNull();
    expect(cursor.limitOf('bob@corp.com')).toBe(2_000);
    expect(github.budgetOf('cat-gh')).toBeUndefined();
    expect(anthropic.limitOf('user:user_01AMY')).toBeUndefined();
    const stored = await loadProposal(store, 'payments', id);
    expect(stored?.proposal.status).toBe('undone');
    expect(stored?.proposal.items.every((i) => i.state === 'undone')).toBe(true);
    expect((await store.listTeamRecords('payments', 'limit')).length).toBe(2);
  });

  it('leaves an engineer whose own limit is already stricter than the cap as they are (review A, F5)', async () => {
    // Prepare: bob already has an $800 Cursor hard limit; the cap rule says $1,500.
    const { deps, store, id } = await setup();

    // Act
    const result = await applyProposal(deps, 'payments', id, 'UCFO');

    // Assess: approving a cap never gives bob more room; the result says his limit was left.
    expect(result.outcome).toBe('applied');
    expect(cursor.writes().map((w) => (w.body as { userEmail?: string }).userEmail)).toEqual([
      'amy@corp.com',
    ]);
    expect(cursor.limitOf('bob@corp.com')).toBe(800);
    expect(result.summary).toContain(
      '1 not changed (already limited to $800 at the vendor, at or below the $1,500 proposed: left as it is)',
    );
    const bob = (await loadProposal(store, 'payments', id))?.proposal.items.find(
      (i) => i.id === 'cursor:user:bob@corp.com',
    );
    expect(bob).toMatchObject({ state: 'skipped', before: { amountCents: 80_000 } });

    // Act: Undo leaves bob's own limit alone too.
    const undone = await undoProposal(deps, 'payments', id, 'UCFO');

    // Assess
    expect(undone.outcome).toBe('undone');
    expect(cursor.limitOf('bob@corp.com')).toBe(800);
  });

  it('a proposal whose every limit is already as strict is done once approved, and says nothing changed (review E, finding 4)', async () => {
    // Prepare: the cap names only bob, whose own Cursor hard limit ($800) is below the $1,500 cap.
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, {
      cursor: { adminSecretName: 'burnwatch/cursor-admin', baseUrl: cursor.url },
    });
    const proposal = await recordedProposal(
      deps,
      aCapCondition(1_500, [{ user: 'bob@corp.com', monthUsd: 1_650, vendors: ['cursor'] }]),
    );

    // Act
    const result = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    const again = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: applied (nothing left to approve), nothing written, and the result says why.
    expect(result.outcome).toBe('applied');
    expect(result.summary).toBe(
      'Nothing to change: the limit is already as strict at the vendor (already limited to $800 at the vendor, at or below the $1,500 proposed: left as it is).',
    );
    expect(cursor.writes()).toEqual([]);
    const stored = await loadProposal(store, 'payments', proposal.id);
    expect(stored?.proposal.status).toBe('applied');
    expect(stored?.proposal.items.map((i) => i.state)).toEqual(['skipped']);
    expect(again.outcome).toBe('nothing');
  });

  it('with dryRun nothing reaches a vendor, and the record says what would have been sent', async () => {
    // Prepare
    const { deps, store, id } = await setup({ dryRun: true });
    const calls = [cursor.calls.length, github.calls.length, anthropic.calls.length];

    // Act
    const result = await applyProposal(deps, 'payments', id, 'UCFO');

    // Assess
    expect(result.outcome).toBe('dry-run');
    expect([cursor.calls.length, github.calls.length, anthropic.calls.length]).toEqual(calls);
    expect(result.wouldSend?.find((w) => w.item === 'cursor:user:bob@corp.com')?.requests).toEqual([
      {
        method: 'POST',
        path: '/teams/user-spend-limit',
        body: { userEmail: 'bob@corp.com', spendLimitDollars: 1_500 },
      },
    ]);
    const stored = await loadProposal(store, 'payments', id);
    expect(stored?.proposal.status).toBe('proposed');
    expect(stored?.proposal.items.every((i) => i.state === 'pending')).toBe(true);
    expect(stored?.proposal.history.at(-1)?.action).toBe('dry-run');
  });

  it('a budget rule limits the team workspace to its share of what is left, and Undo never removes a limit it could not read before', async () => {
    // Prepare: $180k of $240k spent by 31 Mar, forecast $800k; Anthropic is 40% of recent spend.
    const { store } = await dynamo.newStore();
    const { config } = configFor({});
    const deps: LimitDeps = {
      config,
      store,
      clock: { now: () => new Date('2026-04-01T07:00:00Z') },
      apis: apisFor(config, { ...KEYS }),
    };
    const proposal = proposeLimits({
      config,
      now: deps.clock.now(),
      share: { dailyUsd: 2_000, vendorDailyUsd: new Map([['anthropic', 800]]) },
      cond: aBudgetCondition,
    });
    if (!proposal) throw new Error('expected a proposal');
    await recordProposal(store, proposal);

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: $60,000 left × 40% = $24,000 over 275 days (9.03 months) = $2,656/month, rounded down.
    expect(proposal.items).toEqual([
      expect.objectContaining({ scope: 'workspace', subject: 'wrkspc_01PAY', amountCents: 265_600 }),
    ]);
    expect(applied.outcome).toBe('applied');
    expect(anthropic.limitOf('workspace:wrkspc_01PAY')?.amount).toBe('265600');

    // Act: undo, with no spendLimitId in config (what the workspace held before is not known).
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: it may have replaced a limit of the workspace's own, so it is left, and Undo says why.
    expect(undone.outcome).toBe('undone');
    expect(undone.summary).toContain('could not be read (no spendLimitId for this workspace');
    expect(anthropic.limitOf('workspace:wrkspc_01PAY')?.amount).toBe('265600');
  });
});
