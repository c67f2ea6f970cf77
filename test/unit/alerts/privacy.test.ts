import { describe, expect, it } from 'vitest';
import { createCursorLimitApi } from '../../../functions/adapters/vendors/limits/cursor-limits.js';
import { composeAlertNotice } from '../../../functions/core/alerts/notice-composer.js';
import { evaluateSpike } from '../../../functions/core/alerts/rules.js';
import type { AlertCondition } from '../../../functions/core/alerts/types.js';
import { DEFAULT_ALERTS } from '../../../functions/core/config/schema.js';
import { eachDay } from '../../../functions/core/dates.js';
import { loadProposal, recordProposal } from '../../../functions/core/limits/apply.js';
import { runLimitRequest } from '../../../functions/core/limits/limit-requests.js';
import { proposeLimits } from '../../../functions/core/limits/proposal.js';
import { usdToMicros } from '../../../functions/core/money.js';
import type { UsageRecord } from '../../../functions/core/usage.js';
import { aConfig, aTotal, MemoryStore } from './fakes.js';

describe('per-person data stays out of channel messages', () => {
  it('a Copilot spike driven by one user does not name their GitHub login in the channel or SNS; the private message does', async () => {
    const quiet = eachDay('2026-02-01', '2026-03-09').map((d) => aTotal(d, 300, { vendor: 'copilot' }));
    const spike = aTotal('2026-03-10', 4_800, { vendor: 'copilot' });
    const line = (identities: UsageRecord['identities'], usd: number): UsageRecord => ({
      date: '2026-03-10',
      source: 'copilot',
      team: 'payments',
      vendor: 'copilot',
      identities,
      lineItem: 'AI credits',
      model: 'copilot-model',
      costMicros: usdToMicros(usd),
      provisional: false,
    });
    // As copilot.ts writes per-user AI-credit lines: { account: seat.login, githubTeam }.
    const lines = [
      line({ account: 'octo-alice', githubTeam: 'payments' }, 4_400),
      line({ account: 'acme-org' }, 100),
    ];
    const cond = await evaluateSpike({
      team: 'payments',
      teamName: 'Payments',
      totals: [...quiet, spike],
      asOf: '2026-03-10',
      settings: { ...DEFAULT_ALERTS },
      linesOf: async () => lines,
    });
    expect(cond.severity).toBe('warning');
    const notice = composeAlertNotice({
      cond,
      kind: 'enter',
      asOf: '2026-03-10',
      previousExhaustionP50: null,
      worseningDays: 7,
    });
    const channelText = JSON.stringify(notice.messages.channel);
    expect(channelText).not.toContain('octo-alice');
    expect(channelText).toContain('one account (details sent to the people allowed to see them)');
    expect(notice.sns?.message).not.toContain('octo-alice');
    expect(JSON.stringify(notice.messages.private)).toContain('octo-alice');
  });

  it('a failed Cursor limit keeps the engineer out of the channel alert (chat.update) and out of a reply to an approver who may not see people', async () => {
    const config = aConfig({
      finance: { slackChannel: 'C0FINANCE', slackUserIds: ['UCFO'] },
      alerts: { perEngineerMonthlyCapUsd: 1_500 },
      limits: { dryRun: false, cursor: { adminSecretName: 'burnwatch/cursor-admin' } },
    });
    const cond: AlertCondition = {
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
        overCount: 1,
        people: [{ user: 'alice@acme.com', vendors: ['cursor'], monthUsd: 1_600 }],
        vendors: ['cursor'],
      },
    };
    const store = new MemoryStore();
    const p = proposeLimits({ config, cond, now: new Date('2026-04-21T09:00:00Z') });
    if (!p) throw new Error('no proposal');
    await recordProposal(store, p);
    // Cursor answers /teams/spend without alice (she left the team since the usage was pulled).
    const cursor = createCursorLimitApi({
      apiKey: async () => 'key_admin',
      baseUrl: 'http://cursor.test',
      fetchImpl: (async () =>
        new Response(JSON.stringify({ teamMemberSpend: [], totalPages: 1 }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        })) as typeof fetch,
    });
    const updates: unknown[] = [];
    const responses: unknown[] = [];
    await runLimitRequest(
      {
        config,
        store,
        clock: { now: () => new Date('2026-04-21T10:00:00Z') },
        apis: (v) => (v === 'cursor' ? cursor : undefined),
        slack: { updateMessage: async (_c, _t, m) => void updates.push(m) },
        postResponse: async (_u, m) => void responses.push(m),
        responseUrlAllowed: () => true,
        groupMembers: async () => [],
      },
      {
        action: 'apply',
        team: 'payments',
        proposalId: p.id,
        by: 'UCFO',
        message: { channel: 'C0PAYMENTS', ts: '1.2', text: 'alert', blocks: [] },
        responseUrl: 'https://hooks.slack.com/actions/x',
      },
    );
    const channelUpdate = JSON.stringify(updates);
    expect(channelUpdate).toContain('Not applied: Cursor 1');
    expect(channelUpdate).not.toContain('alice@acme.com');
    expect(JSON.stringify(responses)).not.toContain('alice@acme.com');
    // The error as the vendor gave it stays on the record, for per-person viewers.
    const stored = await loadProposal(store, 'payments', p.id);
    expect(stored?.proposal.items[0]?.error).toContain('alice@acme.com');
  });
});
