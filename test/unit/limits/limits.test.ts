import { describe, expect, it } from 'vitest';
import type { AlertCondition } from '../../../functions/core/alerts/types.js';
import { applyProposal, loadProposal, recordProposal } from '../../../functions/core/limits/apply.js';
import { mayApproveLimits } from '../../../functions/core/limits/limit-requests.js';
import { LIMIT_ACTIONS, limitButtons, limitProposalBlocks } from '../../../functions/core/limits/message.js';
import {
  type LimitProposal,
  proposeLimits,
  type VendorLimit,
} from '../../../functions/core/limits/proposal.js';
import type { LimitTarget, VendorLimitApi } from '../../../functions/core/limits/vendor-limit-api.js';
import { aConfig, MemoryStore } from '../alerts/fakes.js';

/** A vendor in memory: holds limits by subject; `ignore` takes writes without changing anything. */
class MemoryVendor implements VendorLimitApi {
  readonly vendor = 'cursor' as const;
  readonly limits = new Map<string, number | null>();
  readonly writes: Array<[string, number | null]> = [];
  ignore = new Set<string>();
  async read(t: LimitTarget): Promise<VendorLimit> {
    return { amountCents: this.limits.get(t.subject) ?? null };
  }
  async set(t: LimitTarget, amountCents: number | null) {
    this.writes.push([t.subject, amountCents]);
    if (!this.ignore.has(t.subject)) this.limits.set(t.subject, amountCents);
    return { response: { ok: true } };
  }
  describe(t: LimitTarget, amountCents: number | null) {
    return [
      {
        method: 'POST' as const,
        path: '/teams/user-spend-limit',
        body: { userEmail: t.subject, spendLimitDollars: amountCents },
      },
    ];
  }
}

const config = aConfig({
  finance: { slackChannel: 'C0FINANCE', slackUserIds: ['UCFO'] },
  alerts: { perEngineerMonthlyCapUsd: 1_500 },
  limits: { dryRun: false, cursor: { adminSecretName: 'burnwatch/cursor-admin' } },
});
const cap = (
  people: Array<{ user: string; vendors: string[]; vendorEmails?: Record<string, string> }>,
): AlertCondition => ({
  team: 'payments',
  rule: 'engineer-cap',
  key: 'ALERT#engineer-cap#2026-04',
  severity: 'warning',
  facts: {
    kind: 'engineer-cap',
    teamName: 'Payments',
    month: '2026-04',
    asOf: '2026-04-20',
    capUsd: 1_500,
    overCount: people.length,
    people: people.map((p) => ({ ...p, monthUsd: 1_600 })),
    vendors: ['cursor'],
  },
});
const NOW = new Date('2026-04-21T09:00:00Z');

async function stored(people: string[]) {
  const store = new MemoryStore();
  const p = proposeLimits({
    config,
    cond: cap(people.map((user) => ({ user, vendors: ['cursor'] }))),
    now: NOW,
  });
  if (!p) throw new Error('expected a proposal');
  await recordProposal(store, p);
  return { store, p };
}

describe('limit proposals', () => {
  it('limits an engineer at Cursor by the email Cursor knows, not her canonical alias (review G, F2)', () => {
    // Act
    const p = proposeLimits({
      config,
      cond: cap([{ user: 'ana@x.com', vendors: ['cursor'], vendorEmails: { cursor: 'a.s@x.com' } }]),
      now: NOW,
    });

    // Assess
    expect(p?.items.map((i) => i.subject)).toEqual(['a.s@x.com']);
  });

  it('proposes nothing for a rule that is not firing, or with no configured vendor for anyone', () => {
    // Act
    const ok = proposeLimits({
      config,
      cond: { ...cap([{ user: 'a@x.com', vendors: ['cursor'] }]), severity: 'ok' },
      now: NOW,
    });
    const openaiOnly = proposeLimits({
      config,
      cond: cap([{ user: 'a@x.com', vendors: ['openai'] }]),
      now: NOW,
    });

    // Assess
    expect(ok).toBeUndefined();
    expect(openaiOnly).toBeUndefined();
  });

  it('shows counts in the channel and names only in the private message', () => {
    // Prepare
    const p = proposeLimits({
      config,
      cond: cap([{ user: 'amy@x.com', vendors: ['cursor'] }]),
      now: NOW,
    }) as LimitProposal;

    // Act
    const channel = JSON.stringify(limitProposalBlocks(p, { audience: 'channel', dryRun: true }));
    const personal = JSON.stringify(limitProposalBlocks(p, { audience: 'private', dryRun: true }));

    // Assess
    expect(channel).toContain('Cursor: $1,500/month for 1 engineer');
    expect(channel).toContain('dry run');
    expect(channel).not.toContain('amy@');
    expect(personal).toContain('amy@x.com');
    expect(personal).not.toContain(LIMIT_ACTIONS.approve);
  });

  it('offers Approve while something is open and Undo once something is applied', () => {
    // Prepare
    const p = proposeLimits({
      config,
      cond: cap([
        { user: 'a@x.com', vendors: ['cursor'] },
        { user: 'b@x.com', vendors: ['cursor'] },
      ]),
      now: NOW,
    }) as LimitProposal;
    const partial = {
      ...p,
      items: p.items.map((i, n) => ({ ...i, state: n === 0 ? ('applied' as const) : ('failed' as const) })),
    };
    const done = { ...p, items: p.items.map((i) => ({ ...i, state: 'applied' as const })) };
    const ids = (q: LimitProposal) => {
      const block = limitButtons(q);
      return block?.type === 'actions' ? block.elements.map((e) => e.action_id) : [];
    };

    // Assess
    expect(ids(p)).toEqual([LIMIT_ACTIONS.approve]);
    expect(ids(partial)).toEqual([LIMIT_ACTIONS.approve, LIMIT_ACTIONS.undo]);
    expect(ids(done)).toEqual([LIMIT_ACTIONS.undo]);
  });

  it('lets limits.approvers approve when named, else finance', async () => {
    // Prepare
    const named = aConfig({
      finance: { slackChannel: 'C0FINANCE', slackUserIds: ['UCFO'] },
      limits: { approvers: { slackUserIds: ['UCTO'] } },
    });
    const none = async () => [];

    // Assess
    expect(await mayApproveLimits(config, 'UCFO', none)).toBe('yes');
    expect(await mayApproveLimits(config, 'UCTO', none)).toBe('no');
    expect(await mayApproveLimits(named, 'UCTO', none)).toBe('yes');
    expect(await mayApproveLimits(named, 'UCFO', none)).toBe('no');
  });

  it("says it cannot tell, rather than no, when the approvers' user-group lookup fails", async () => {
    // Prepare: approvers named by a user group Slack cannot be asked about.
    const byGroup = aConfig({
      finance: { slackChannel: 'C0FINANCE', slackUserIds: ['UCFO'] },
      limits: { approvers: { slackUserGroupIds: ['SAPPROVERS'] } },
    });
    const failing = async (): Promise<readonly string[]> => {
      throw new Error('missing_scope');
    };

    // Assess
    expect(await mayApproveLimits(byGroup, 'UCTO', failing)).toBe('unknown');
    expect(await mayApproveLimits(byGroup, 'UCTO', async () => ['UOTHER1'])).toBe('no');
    expect(await mayApproveLimits(byGroup, 'UCTO', async () => ['UCTO'])).toBe('yes');
  });
});

describe('applying limits', () => {
  it('does not call a limit applied when reading back shows otherwise, and offers Undo for it', async () => {
    // Prepare: the vendor answers OK to bob's write but keeps what it had.
    const { store, p } = await stored(['amy@x.com', 'bob@x.com']);
    const vendor = new MemoryVendor();
    vendor.ignore.add('bob@x.com');

    // Act
    const result = await applyProposal(
      { config, store, clock: { now: () => NOW }, apis: () => vendor },
      'payments',
      p.id,
      'UCFO',
    );

    // Assess
    expect(result.outcome).toBe('partial');
    const bob = (await loadProposal(store, 'payments', p.id))?.proposal.items.find(
      (i) => i.subject === 'bob@x.com',
    );
    // The vendor said yes to the write, so it may hold it: not "failed", and Undo is offered.
    expect(bob).toMatchObject({
      state: 'unconfirmed',
      error: expect.stringContaining('reading back shows no limit, not $1,500'),
    });
    const record = (await loadProposal(store, 'payments', p.id))?.proposal;
    const block = record && limitButtons(record);
    expect(block?.type === 'actions' ? block.elements.map((e) => e.action_id) : []).toContain(
      LIMIT_ACTIONS.undo,
    );
  });

  it('after a crash mid-apply keeps what was in place, holds off others while the claim runs, then completes with the true before', async () => {
    // Prepare: bob had $4,000; the store goes down right after Cursor took bob's new limit.
    const { store, p } = await stored(['amy@x.com', 'bob@x.com']);
    const vendor = new MemoryVendor();
    vendor.limits.set('bob@x.com', 400_000);
    let now = NOW;
    const deps = { config, store, clock: { now: () => now }, apis: () => vendor };
    // Writes: claim, amy's before, amy's result, bob's before, bob's result (fails).
    store.failPutStateAt = 5;

    // Act
    await expect(applyProposal(deps, 'payments', p.id, 'UCFO')).rejects.toThrow('simulated crash');
    const during = await applyProposal(deps, 'payments', p.id, 'UFINOPS');
    now = new Date(NOW.getTime() + 16 * 60_000);
    const retry = await applyProposal(deps, 'payments', p.id, 'UFINOPS');

    // Assess
    expect(during.outcome).toBe('busy');
    expect(retry.outcome).toBe('applied');
    const items = (await loadProposal(store, 'payments', p.id))?.proposal.items;
    expect(items?.map((i) => [i.subject, i.state, i.before?.amountCents])).toEqual([
      ['amy@x.com', 'applied', null],
      ['bob@x.com', 'applied', 400_000],
    ]);
    // amy was written once; bob twice (the crashed write and the retry), never re-read as "before".
    expect(vendor.writes).toEqual([
      ['amy@x.com', 150_000],
      ['bob@x.com', 150_000],
      ['bob@x.com', 150_000],
    ]);
  });
});
