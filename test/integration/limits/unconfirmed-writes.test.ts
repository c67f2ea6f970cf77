import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyProposal, loadProposal, undoProposal } from '../../../functions/core/limits/apply.js';
import { LIMIT_ACTIONS, limitButtons } from '../../../functions/core/limits/message.js';
import type { LimitProposal } from '../../../functions/core/limits/proposal.js';
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
/** The buttons the proposal's Slack message offers. */
const buttonsOf = (p: LimitProposal | undefined) => {
  const block = p && limitButtons(p);
  return block?.type === 'actions' ? block.elements.map((e) => e.action_id) : [];
};
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

describe('Approve again of a write that reading back could not confirm, when writing again fails (review E, finding 2)', () => {
  it('keeps it as possibly in place while Cursor is down, so Undo still takes it back', async () => {
    // Prepare: eve's $1,500 was taken by Cursor but not confirmed (its read-back was down).
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, cursorOnly());
    const proposal = await recordedProposal(deps, eveOverCap);
    readBackDown();
    await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    expect(cursor.limitOf('eve@corp.com')).toBe(1_500);

    // Act: Approve again while Cursor answers 503 to everything, then Undo once it is back.
    cursor.setFault(() => 503);
    const again = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    cursor.setFault(undefined);
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: still "written, not confirmed" with why the retry failed; Undo offered and done.
    expect(again.proposal?.items[0]).toMatchObject({
      state: 'unconfirmed',
      error: expect.stringContaining('may be in place, but writing it again failed'),
    });
    expect(again.proposal?.status).toBe('partial');
    expect(buttonsOf(again.proposal)).toEqual([LIMIT_ACTIONS.approve, LIMIT_ACTIONS.undo]);
    expect(undone.outcome).toBe('undone');
    expect(cursor.limitOf('eve@corp.com')).toBe(2_000);
  });

  it('records it as not applied once a read shows burnwatch’s limit is not there', async () => {
    // Prepare: the unconfirmed write did not stick after all (Cursor shows eve's $2,000 again).
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, cursorOnly());
    const proposal = await recordedProposal(deps, eveOverCap);
    readBackDown();
    await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    cursor.setLimitOf('eve@corp.com', 2_000);

    // Act: Approve again; the read answers, the write is refused with 503.
    cursor.setFault((c) => (c.path === '/teams/user-spend-limit' ? 503 : undefined));
    const again = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: nothing of burnwatch's is in place, so there is nothing to Undo; Approve retries it.
    expect(again.proposal?.items[0]?.state).toBe('failed');
    expect(buttonsOf(again.proposal)).toEqual([LIMIT_ACTIONS.approve]);
    expect(cursor.limitOf('eve@corp.com')).toBe(2_000);
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

describe('a first write whose answer is lost (the vendor took it; every answer was a 503)', () => {
  const answersLost = () =>
    cursor.setFault((c) => (c.path === '/teams/user-spend-limit' ? 'lost' : undefined));

  it('is read back and recorded applied, so Undo takes it back', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, cursorOnly());
    const proposal = await recordedProposal(deps, eveOverCap);
    answersLost();

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    cursor.setFault(undefined);
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess: Cursor holds $1,500, the record says so, and Undo gives eve her $2,000 back.
    expect(applied.proposal?.items[0]).toMatchObject({ state: 'applied', after: { amountCents: 150_000 } });
    expect(applied.outcome).toBe('applied');
    expect(undone.outcome).toBe('undone');
    expect(cursor.limitOf('eve@corp.com')).toBe(2_000);
  });

  it('is unconfirmed, with Undo offered, when reading back fails too', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, cursorOnly());
    const proposal = await recordedProposal(deps, eveOverCap);
    cursor.setFault((c) =>
      c.path === '/teams/user-spend-limit' ? 'lost' : cursor.writes().length > 0 ? 503 : undefined,
    );

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(cursor.limitOf('eve@corp.com')).toBe(1_500);
    expect(applied.proposal?.items[0]).toMatchObject({
      state: 'unconfirmed',
      error: expect.stringContaining('no answer'),
    });
    expect(buttonsOf(applied.proposal)).toEqual([LIMIT_ACTIONS.approve, LIMIT_ACTIONS.undo]);
  });

  it('stays failed when the read shows the write did not take', async () => {
    // Prepare: Cursor answers 503 to the write without carrying it out.
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, cursorOnly());
    const proposal = await recordedProposal(deps, eveOverCap);
    cursor.setFault((c) => (c.path === '/teams/user-spend-limit' ? 503 : undefined));

    // Act
    const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(cursor.limitOf('eve@corp.com')).toBe(2_000);
    expect(applied.proposal?.items[0]?.state).toBe('failed');
    expect(buttonsOf(applied.proposal)).toEqual([LIMIT_ACTIONS.approve]);
  });
});
