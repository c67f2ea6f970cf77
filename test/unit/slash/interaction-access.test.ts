import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../functions/core/alerts/decision-buttons.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import {
  handleInteraction,
  type InteractionDeps,
  interactionPayloadSchema,
} from '../../../functions/core/slash/interactions.js';

const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'search', name: 'Search', annualBudgetUsd: 900_000, managers: { slackUserGroupIds: ['SLEADS'] } },
  ],
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
});

/** Deps whose store and Slack are never reached: a refusal is answered before either is used. */
function depsWith(groupMembers: InteractionDeps['groupMembers'], posted: unknown[]): InteractionDeps {
  const unreachable = new Proxy(
    {},
    {
      get: (_t, name) => {
        throw new Error(`not reached before access is decided: ${String(name)}`);
      },
    },
  );
  return {
    config,
    groupMembers,
    store: unreachable as InteractionDeps['store'],
    slack: unreachable as InteractionDeps['slack'],
    forecaster: () => {
      throw new Error('not reached');
    },
    clock: { now: () => new Date('2026-04-02T09:15:00Z') },
    postResponse: async (_url, message) => {
      posted.push(message);
    },
    responseUrlAllowed: () => true,
  };
}

const press = (user: string) =>
  interactionPayloadSchema.parse({
    type: 'block_actions',
    user: { id: user },
    response_url: 'http://127.0.0.1:9/hook',
    actions: [
      {
        action_id: ACTIONS.ack,
        value: JSON.stringify({ t: 'search', k: 'ALERT#budget', n: 'critical' }),
      },
    ],
  });

describe('who may press an alert button, when a user-group lookup fails', () => {
  it('tells the presser to try again rather than that they may not act', async () => {
    // Prepare: Search's managers are a user group, and Slack cannot be asked who is in it.
    const posted: unknown[] = [];
    const deps = depsWith(async () => {
      throw new Error('missing_scope');
    }, posted);

    // Act
    const res = await handleInteraction(press('USRCHLEAD'), deps);

    // Assess
    expect(res).toEqual({ kind: 'ack' });
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0])).toContain('Try again in a minute');
    expect(JSON.stringify(posted[0])).not.toContain('managers and finance can act');
  });

  it('still turns away someone the lookup answers for', async () => {
    // Prepare
    const posted: unknown[] = [];
    const deps = depsWith(async () => ['USRCHLEAD'], posted);

    // Act
    await handleInteraction(press('UOTHER1'), deps);

    // Assess
    expect(JSON.stringify(posted[0])).toContain("Only Search's managers and finance can act on this alert.");
  });
});
