import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { handleSlashRequest, type RejectionReason } from '../../../functions/core/slash/handle-request.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';

const SECRET = 'unit-signing-secret';
const NOW = new Date('2026-03-31T12:00:00Z');
const ts = String(NOW.getTime() / 1000);
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 1000 }],
  finance: { slackChannel: '#finance' },
});

/** A signed interactivity request (`payload=…`) and what the handler reported. */
async function send(payload: string, opts: { defer?: boolean } = {}) {
  const body = new URLSearchParams({ payload }).toString();
  const rejections: RejectionReason[] = [];
  const failures: string[] = [];
  let deferred = 0;
  const res = await handleSlashRequest(
    {
      method: 'POST',
      headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
      body,
    },
    {
      config,
      summaries: { getTeamSummaries: async () => new Map() },
      groupMembers: async () => [],
      signingSecret: async () => SECRET,
      clock: { now: () => NOW },
      onReject: (r) => rejections.push(r),
      onFailure: (stage) => failures.push(stage),
      mustDefer: () => opts.defer === true,
      defer: async () => {
        deferred++;
      },
    },
  );
  return { res, rejections, failures, deferred };
}

describe('interactivity on the /burn endpoint', () => {
  it('turns away a payload that is not JSON, or a button press without its fields, as malformed', async () => {
    // Act
    const notJson = await send('{not json');
    const noUser = await send(JSON.stringify({ type: 'block_actions', actions: [{ action_id: 'x' }] }));

    // Assess
    expect([notJson.res.statusCode, noUser.res.statusCode]).toEqual([400, 400]);
    expect([...notJson.rejections, ...noUser.rejections]).toEqual(['malformed-payload', 'malformed-payload']);
  });

  it('acknowledges kinds it does not act on (a closed modal) with an empty 200', async () => {
    // Act
    const closed = await send(JSON.stringify({ type: 'view_closed', user: { id: 'U1' } }));

    // Assess
    expect(closed.res).toMatchObject({ statusCode: 200, body: '' });
    expect(closed.rejections).toEqual([]);
  });

  it('never defers a button press, even on a cold start (its trigger lives 3 s), and reports a missing handler', async () => {
    // Act
    const pressed = await send(
      JSON.stringify({
        type: 'block_actions',
        user: { id: 'U1' },
        actions: [{ action_id: 'burnwatch.ack', value: '{}' }],
      }),
      { defer: true },
    );

    // Assess
    expect(pressed.deferred).toBe(0);
    expect(pressed.res.statusCode).toBe(200);
    expect(pressed.failures).toEqual(['interaction']);
  });

  it('the Slack app manifest sends interactivity to the same URL as /burn', () => {
    // Prepare
    const manifest = readFileSync(new URL('../../../slack-app-manifest.yaml', import.meta.url), 'utf8');

    // Act
    const slashUrl = /- command: \/burn[\s\S]*?\n\s+url: (\S+)/.exec(manifest)?.[1];
    const interactivity = /interactivity:\s*\n\s+is_enabled: true\s*\n\s+request_url: (\S+)/.exec(
      manifest,
    )?.[1];

    // Assess
    expect(slashUrl).toMatch(/^https:\/\//);
    expect(interactivity).toBe(slashUrl);
  });
});
