import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../functions/core/alerts/decision-buttons.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { handleSlashRequest } from '../../../functions/core/slash/handle-request.js';
import type { InteractionDeps } from '../../../functions/core/slash/interactions.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { MemoryStore } from '../alerts/fakes.js';

const SECRET = 'unit-signing-secret';
const NOW = new Date('2026-04-02T09:15:00Z');
const ts = String(NOW.getTime() / 1000);
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 1000, managers: { slackUserIds: ['UPAYMGR'] } },
  ],
  finance: { slackChannel: '#finance' },
});

/** DynamoDB unreachable: every state read fails. */
class DownStore extends MemoryStore {
  override async getState(): Promise<never> {
    throw new Error('connect ETIMEDOUT');
  }
}

async function press(payload: unknown) {
  const posted: unknown[] = [];
  const failures: string[] = [];
  const store = new DownStore();
  const interactions: InteractionDeps = {
    config,
    groupMembers: async () => [],
    store,
    clock: { now: () => NOW },
    forecaster: engineForecaster(config),
    slack: { updateMessage: async () => {}, openView: async () => {}, postMessage: async () => {} },
    postResponse: async (_url, message) => void posted.push(message),
    responseUrlAllowed: () => true,
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const res = await handleSlashRequest(
    {
      method: 'POST',
      headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
      body,
    },
    {
      config,
      summaries: store,
      groupMembers: async () => [],
      signingSecret: async () => SECRET,
      clock: { now: () => NOW },
      interactions,
      onFailure: (stage) => failures.push(stage),
    },
  );
  return { res, posted, failures };
}

describe('an alert button whose action fails inside burnwatch', () => {
  it('tells the presser it did not happen, rather than leaving the press unanswered', async () => {
    // Act: the team's manager presses Acknowledge while DynamoDB cannot be reached.
    const { res, posted, failures } = await press({
      type: 'block_actions',
      user: { id: 'UPAYMGR' },
      response_url: 'https://hooks.slack.com/actions/T1/1/x',
      actions: [
        { action_id: ACTIONS.ack, value: JSON.stringify({ t: 'payments', k: 'ALERT#budget', n: 'x' }) },
      ],
    });

    // Assess
    expect(res).toMatchObject({ statusCode: 200, body: '' });
    expect(failures).toEqual(['interaction']);
    expect(posted).toEqual([
      expect.objectContaining({ response_type: 'ephemeral', replace_original: false }),
    ]);
    expect(JSON.stringify(posted[0])).toContain('Try again in a minute');
  });
});
