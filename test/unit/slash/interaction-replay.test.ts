import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { handleSlashRequest } from '../../../functions/core/slash/handle-request.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { MemoryStore } from '../alerts/fakes.js';

const SECRET = 'unit-signing-secret';
const SIGNED_AT = new Date('2026-04-02T09:15:00Z');
const ts = String(SIGNED_AT.getTime() / 1000);
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 1000, managers: { slackUserIds: ['UPAYMGR'] } },
  ],
  finance: { slackChannel: '#finance' },
});

/**
 * A planned-change modal submitted once and its signed request delivered again within the 5-minute
 * window (a captured request replayed): the slash command's plan is marked by its signature since
 * 5eb3773 so a second delivery changes nothing; the modal's plan must not be stored twice either.
 */
describe('a planned-change submission delivered twice', () => {
  it('stores the plan once', async () => {
    // Prepare
    const store = new MemoryStore();
    let now = SIGNED_AT;
    const clock = { now: () => now };
    const body = new URLSearchParams({
      payload: JSON.stringify({
        type: 'view_submission',
        user: { id: 'UPAYMGR' },
        view: {
          callback_id: 'burnwatch.plan-modal',
          private_metadata: JSON.stringify({ t: 'payments' }),
          state: { values: { input: { text: { value: '+20 engineers from 2026-05-01' } } } },
        },
      }),
    }).toString();
    const request = {
      method: 'POST',
      headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
      body,
    };
    const deps = {
      config,
      summaries: store,
      groupMembers: async () => [],
      signingSecret: async () => SECRET,
      clock,
      interactions: {
        config,
        groupMembers: async () => [],
        store,
        clock,
        forecaster: engineForecaster(config),
        slack: { updateMessage: async () => {}, openView: async () => {}, postMessage: async () => {} },
        postResponse: async () => {},
        responseUrlAllowed: () => true,
      },
    };

    // Act: the submission, then the same request again a minute later.
    const first = await handleSlashRequest(request, deps);
    now = new Date(SIGNED_AT.getTime() + 60_000);
    const again = await handleSlashRequest(request, deps);

    // Assess
    expect(JSON.parse(first.body)).toMatchObject({ response_action: 'update' });
    expect(again.statusCode).toBe(200);
    expect(await store.listTeamRecords('payments', 'plan')).toHaveLength(1);
  });
});
