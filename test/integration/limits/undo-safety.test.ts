import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyProposal, undoProposal } from '../../../functions/core/limits/apply.js';
import {
  startAnthropicLimitServer,
  startCursorLimitServer,
  startGitHubBudgetServer,
} from '../../fixtures/vendors/limit-servers.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import {
  ANTHROPIC_SHARE,
  aBudgetCondition,
  aCapCondition,
  LIMIT_KEYS,
  limitDepsFor,
  recordedProposal,
} from '../../helpers/limit-harness.js';

/**
 * Undo gives each vendor back what it held before burnwatch's limit, and nothing else (review A):
 * every setting of the limit it replaced, and never a limit someone set after it.
 */
const dynamo = useLocalDynamo();

describe('Undo of a GitHub user budget', () => {
  let github: Awaited<ReturnType<typeof startGitHubBudgetServer>>;
  beforeEach(async () => {
    // cat has a $1,000 alert-only budget (prevent_further_usage false).
    github = await startGitHubBudgetServer({
      org: 'acme',
      adminToken: LIMIT_KEYS['burnwatch/github-admin'],
      budgets: [
        {
          budget_type: 'BundlePricing',
          budget_product_sku: 'ai_credits',
          budget_scope: 'user',
          budget_entity_name: '',
          user: 'cat-gh',
          budget_amount: 1_000,
          prevent_further_usage: false,
          budget_alerting: { will_alert: true, alert_recipients: [] },
        },
      ],
    });
  });
  afterEach(async () => {
    await github?.close();
  });

  it('gives an alert-only budget back its amount and its alert-only setting (F3)', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, {
      copilot: {
        organization: 'acme',
        adminSecretName: 'burnwatch/github-admin',
        baseUrl: github.url,
        logins: { 'cat@corp.com': 'cat-gh' },
      },
    });
    const proposal = await recordedProposal(
      deps,
      aCapCondition(1_500, [{ user: 'cat@corp.com', monthUsd: 1_700, vendors: ['copilot'] }]),
    );

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    const capped = { ...github.budgetOf('cat-gh') };
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: the cap was a hard stop; after Undo cat is alerted at $1,000 again, not stopped.
    expect(applied.outcome).toBe('applied');
    expect(capped).toMatchObject({ budget_amount: 1_500, prevent_further_usage: true });
    expect(undone.outcome).toBe('undone');
    expect(github.budgetOf('cat-gh')).toMatchObject({ budget_amount: 1_000, prevent_further_usage: false });
  });
});

describe('Undo of a limit changed at the vendor after burnwatch set it', () => {
  let cursor: Awaited<ReturnType<typeof startCursorLimitServer>>;
  beforeEach(async () => {
    cursor = await startCursorLimitServer({
      adminKey: LIMIT_KEYS['burnwatch/cursor-admin'],
      members: { 'eve@corp.com': 2_000 },
    });
  });
  afterEach(async () => {
    await cursor?.close();
  });

  /** eve ($2,000 of her own) capped at $1,500 by an approved proposal. */
  async function eveCapped() {
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, {
      cursor: { adminSecretName: 'burnwatch/cursor-admin', baseUrl: cursor.url },
    });
    const proposal = await recordedProposal(
      deps,
      aCapCondition(1_500, [{ user: 'eve@corp.com', monthUsd: 1_650, vendors: ['cursor'] }]),
    );
    await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    return { deps, proposal };
  }

  it("leaves an admin's own change in place and says it changed since (F6)", async () => {
    // Prepare: an admin then sets eve to $300 in Cursor.
    const { deps, proposal } = await eveCapped();
    cursor.setLimitOf('eve@corp.com', 300);
    const writes = cursor.writes().length;

    // Act
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(cursor.limitOf('eve@corp.com')).toBe(300);
    expect(cursor.writes()).toHaveLength(writes);
    expect(undone.summary).toBe(
      'Undo: 0 of 1 limit restored; 1 not restored (changed at the vendor since burnwatch set it: $300 now, burnwatch set $1,500; left as it is).',
    );
    expect(undone.proposal?.items[0]?.state).toBe('kept');
  });

  it('writes nothing for a limit an admin already put back', async () => {
    // Prepare: an admin gives eve her $2,000 back by hand.
    const { deps, proposal } = await eveCapped();
    cursor.setLimitOf('eve@corp.com', 2_000);
    const writes = cursor.writes().length;

    // Act
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(undone.outcome).toBe('undone');
    expect(undone.proposal?.items[0]?.state).toBe('undone');
    expect(cursor.writes()).toHaveLength(writes);
  });
});

describe('Undo of a team workspace limit at Anthropic', () => {
  let anthropic: Awaited<ReturnType<typeof startAnthropicLimitServer>>;
  beforeEach(async () => {
    // The workspace already has a $5,000/month limit of its own.
    anthropic = await startAnthropicLimitServer({
      adminKey: LIMIT_KEYS['burnwatch/anthropic-admin'],
      members: [],
      limits: [
        {
          id: 'spl_01EXISTING',
          scope: { type: 'workspace', workspace_id: 'wrkspc_01PAY' },
          period: 'monthly',
          amount: '500000',
        },
      ],
    });
  });
  afterEach(async () => {
    await anthropic?.close();
  });

  const depsWith = (store: Parameters<typeof limitDepsFor>[0], spendLimitId?: string) =>
    limitDepsFor(store, {
      anthropic: {
        adminSecretName: 'burnwatch/anthropic-admin',
        baseUrl: anthropic.url,
        workspaces: { payments: { workspaceId: 'wrkspc_01PAY', ...(spendLimitId ? { spendLimitId } : {}) } },
      },
    });

  it('without spendLimitId in config leaves the limit rather than delete the one the workspace had (F4)', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const deps = depsWith(store);
    const proposal = await recordedProposal(deps, aBudgetCondition, ANTHROPIC_SHARE);
    await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Act
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: the workspace keeps a limit, and the answer says why Undo did not remove it.
    expect(anthropic.calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    expect(anthropic.limitOf('workspace:wrkspc_01PAY')?.amount).toBe('265600');
    expect(undone.summary).toContain(
      "what the vendor held before burnwatch's $2,656 could not be read (no spendLimitId for this workspace in limits.anthropic.workspaces), so it is left in place rather than removed",
    );
    expect(undone.proposal?.items[0]).toMatchObject({ state: 'kept', before: { known: false } });
  });

  it("with spendLimitId in config restores the workspace's own limit", async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const deps = depsWith(store, 'spl_01EXISTING');
    const proposal = await recordedProposal(deps, aBudgetCondition, ANTHROPIC_SHARE);
    await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Act
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(undone.outcome).toBe('undone');
    expect(undone.proposal?.items[0]?.before).toEqual({ amountCents: 500_000, ref: 'spl_01EXISTING' });
    expect(anthropic.limitOf('workspace:wrkspc_01PAY')?.amount).toBe('500000');
  });
});

describe('Undo of an Anthropic member override', () => {
  let anthropic: Awaited<ReturnType<typeof startAnthropicLimitServer>>;
  beforeEach(async () => {
    // amy is exempt from her seat tier's $3,000: an explicit "no limit" override of her own.
    anthropic = await startAnthropicLimitServer({
      adminKey: LIMIT_KEYS['burnwatch/anthropic-admin'],
      members: [{ userId: 'user_01AMY', email: 'amy@corp.com' }],
      seatTierCents: '300000',
      limits: [
        {
          id: 'spl_01AMYNULL',
          scope: { type: 'user', user_id: 'user_01AMY' },
          period: 'monthly',
          amount: null,
        },
      ],
    });
  });
  afterEach(async () => {
    await anthropic?.close();
  });

  it('gives back an explicit "no limit" override instead of dropping the member to the seat tier (F7)', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, {
      anthropic: { adminSecretName: 'burnwatch/anthropic-admin', baseUrl: anthropic.url },
    });
    const proposal = await recordedProposal(
      deps,
      aCapCondition(1_500, [{ user: 'amy@corp.com', monthUsd: 1_900, vendors: ['anthropic'] }]),
    );

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: amy has her own no-limit override again, not the $3,000 seat tier.
    expect(applied.outcome).toBe('applied');
    expect(undone.outcome).toBe('undone');
    expect(anthropic.calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    expect(anthropic.limitOf('user:user_01AMY')).toMatchObject({ amount: null });
  });
});
