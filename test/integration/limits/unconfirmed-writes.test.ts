import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyProposal, loadProposal, undoProposal } from '../../../functions/core/limits/apply.js';
import { startCursorLimitServer } from '../../fixtures/vendors/limit-servers.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { aCapCondition, LIMIT_KEYS, limitDepsFor, recordedProposal } from '../../helpers/limit-harness.js';

/**
 * A vendor that took a write burnwatch could not confirm (review A, F1): the record says the vendor
 * was written, Undo can take it back, and Approve again checks before writing a second time.
 */
const dynamo = useLocalDynamo();
let cursor: Awaited<ReturnType<typeof startCursorLimitServer>>;

beforeEach(async () => {
  cursor = await startCursorLimitServer({
    adminKey: LIMIT_KEYS['burnwatch/cursor-admin'],
    members: { 'amy@corp.com': null, 'eve@corp.com': 2_000 },
  });
});
afterEach(async () => {
  await cursor?.close();
});

const cursorOnly = () => ({ cursor: { adminSecretName: 'burnwatch/cursor-admin', baseUrl: cursor.url } });
const eveOverCap = aCapCondition(1_500, [{ user: 'eve@corp.com', monthUsd: 1_650, vendors: ['cursor'] }]);
/** Cursor's member list (the read-back) answers 503 once a limit has been written. */
const readBackDown = () =>
  cursor.setFault((c) => (c.path === '/teams/spend' && cursor.writes().length > 0 ? 503 : undefined));

describe('a vendor write that reading back cannot confirm', () => {
  it('is recorded as written but unconfirmed, and Undo restores what the vendor held before', async () => {
    // Prepare: eve has a $2,000 Cursor limit; Cursor takes her $1,500, then its read-back is down.
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, cursorOnly());
    const proposal = await recordedProposal(deps, eveOverCap);
    readBackDown();

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    cursor.setFault(undefined);
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: the approver is told the limit may be in place; Undo takes it back to $2,000.
    expect(applied.outcome).toBe('failed');
    expect(applied.summary).toContain('1 written but not confirmed by reading back');
    expect(applied.proposal?.items[0]).toMatchObject({
      state: 'unconfirmed',
      error: expect.stringContaining('the vendor accepted it but reading it back failed'),
      vendorResponse: { outcome: 'success', message: 'Spend limit set for eve@corp.com' },
    });
    expect(undone.outcome).toBe('undone');
    expect(cursor.limitOf('eve@corp.com')).toBe(2_000);
    expect((await loadProposal(store, 'payments', proposal.id))?.proposal.items[0]?.state).toBe('undone');
  });

  it('Approve again confirms it by reading, without writing it again', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, cursorOnly());
    const proposal = await recordedProposal(deps, eveOverCap);
    readBackDown();
    await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    cursor.setFault(undefined);
    const writes = cursor.writes().length;

    // Act
    const retry = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(retry.outcome).toBe('applied');
    expect(cursor.writes()).toHaveLength(writes);
    expect(retry.proposal?.items[0]).toMatchObject({ state: 'applied', after: { amountCents: 150_000 } });
  });
});

describe('caps at vendors that take whole dollars', () => {
  it('proposes a fractional cap in whole dollars, rounded down, so what is shown is what is set', async () => {
    // Prepare: perEngineerMonthlyCapUsd 1499.5 (the schema takes any positive number).
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, cursorOnly(), 1_499.5);
    const proposal = await recordedProposal(
      deps,
      aCapCondition(1_499.5, [{ user: 'amy@corp.com', monthUsd: 1_650, vendors: ['cursor'] }]),
    );

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(proposal.items[0]?.amountCents).toBe(149_900);
    expect(proposal.reason).toContain('Cursor and GitHub take whole dollars: $1,499');
    expect(applied.outcome).toBe('applied');
    expect(cursor.writes().map((w) => w.body)).toEqual([
      { userEmail: 'amy@corp.com', spendLimitDollars: 1_499 },
    ]);
    expect(cursor.limitOf('amy@corp.com')).toBe(1_499);
  });
});
