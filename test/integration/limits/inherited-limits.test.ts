import { afterEach, describe, expect, it } from 'vitest';
import { applyProposal, undoProposal } from '../../../functions/core/limits/apply.js';
import { startAnthropicLimitServer, startCursorLimitServer } from '../../fixtures/vendors/limit-servers.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { aCapCondition, LIMIT_KEYS, limitDepsFor, recordedProposal } from '../../helpers/limit-harness.js';

/**
 * A cap never raises the limit an engineer already has, including one they inherit and have no
 * override of their own for: Anthropic's seat tier, Cursor's team per-user limit (review E, finding
 * 1). What Undo restores stays the engineer's own override.
 */
const dynamo = useLocalDynamo();

let closeAll: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closeAll.map((c) => c()));
  closeAll = [];
});

const amyOverCap = (vendor: string) =>
  aCapCondition(1_500, [{ user: 'amy@corp.com', monthUsd: 1_900, vendors: [vendor] }]);

async function anthropicWithSeatTier(seatTierCents: string) {
  const anthropic = await startAnthropicLimitServer({
    adminKey: LIMIT_KEYS['burnwatch/anthropic-admin'],
    members: [{ userId: 'user_01AMY', email: 'amy@corp.com' }],
    seatTierCents,
  });
  closeAll.push(anthropic.close);
  const { store } = await dynamo.newStore();
  const deps = limitDepsFor(store, {
    anthropic: { adminSecretName: 'burnwatch/anthropic-admin', baseUrl: anthropic.url, workspaces: {} },
  });
  return { anthropic, deps, proposal: await recordedProposal(deps, amyOverCap('anthropic')) };
}

async function cursorWithTeamLimit(override: number | null, teamLimitDollars: number) {
  const cursor = await startCursorLimitServer({
    adminKey: LIMIT_KEYS['burnwatch/cursor-admin'],
    members: { 'amy@corp.com': override },
    teamLimitDollars,
  });
  closeAll.push(cursor.close);
  const { store } = await dynamo.newStore();
  const deps = limitDepsFor(store, {
    cursor: { adminSecretName: 'burnwatch/cursor-admin', baseUrl: cursor.url },
  });
  return { cursor, deps, proposal: await recordedProposal(deps, amyOverCap('cursor')) };
}

describe('a cap and the limit an engineer inherits', () => {
  it('Anthropic: a member on a $100 seat-tier limit is left at $100, not given a $1,500 override', async () => {
    // Prepare: amy has no override of her own; her seat tier limits her to $100 a month.
    const { anthropic, deps, proposal } = await anthropicWithSeatTier('10000');

    // Act
    const result = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: nothing written; the result says her limit was left and why.
    expect(anthropic.writes()).toEqual([]);
    expect(anthropic.limitOf('user:user_01AMY')).toBeUndefined();
    expect(result.proposal?.items[0]).toMatchObject({
      state: 'skipped',
      before: { amountCents: null, effectiveCents: 10_000 },
    });
    expect(result.summary).toContain(
      'already limited to $100 at the vendor (inherited), at or below the $1,500 proposed: left as it is',
    );
  });

  it('Anthropic: a member on a looser seat tier is capped, and Undo drops them back to the seat tier', async () => {
    // Prepare: the seat tier allows $3,000 a month.
    const { anthropic, deps, proposal } = await anthropicWithSeatTier('300000');

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    const capped = anthropic.limitOf('user:user_01AMY')?.amount;
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: "before" is amy's own (none), so Undo removes the override rather than set $3,000.
    expect(applied.outcome).toBe('applied');
    expect(capped).toBe('150000');
    expect(applied.proposal?.items[0]?.before).toEqual({ amountCents: null, effectiveCents: 300_000 });
    expect(undone.outcome).toBe('undone');
    expect(anthropic.limitOf('user:user_01AMY')).toBeUndefined();
    expect(anthropic.writes().map((w) => w.method)).toEqual(['POST', 'DELETE']);
  });

  it('Cursor: a member on the team’s $500 per-user limit is left at $500, not given a $1,500 override', async () => {
    // Prepare: amy has no hard limit of her own; the team's per-user limit is $500.
    const { cursor, deps, proposal } = await cursorWithTeamLimit(null, 500);

    // Act
    const result = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(cursor.writes()).toEqual([]);
    expect(cursor.limitOf('amy@corp.com')).toBeNull();
    expect(result.proposal?.items[0]).toMatchObject({
      state: 'skipped',
      before: { amountCents: null, effectiveCents: 50_000 },
    });
  });

  it('Cursor: a member whose own $2,000 limit replaces the team’s is capped, and Undo gives back $2,000', async () => {
    // Prepare: amy's own hard limit ($2,000) is the one in force, not the team's $500.
    const { cursor, deps, proposal } = await cursorWithTeamLimit(2_000, 500);

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    const capped = cursor.limitOf('amy@corp.com');
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(applied.outcome).toBe('applied');
    expect(capped).toBe(1_500);
    expect(applied.proposal?.items[0]?.before).toEqual({ amountCents: 200_000 });
    expect(undone.outcome).toBe('undone');
    expect(cursor.limitOf('amy@corp.com')).toBe(2_000);
  });
});
