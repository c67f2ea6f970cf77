import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import {
  handleSlashRequest,
  MAX_BODY_BYTES,
  type RejectionReason,
  type SlashRequestDeps,
} from '../../../functions/core/slash/handle-request.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';

const SECRET = 'unit-signing-secret';
const NOW = new Date('2026-03-31T12:00:00Z');
const ts = String(NOW.getTime() / 1000);
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 1000, managers: { slackUserIds: ['UPAYMGR'] } },
  ],
  finance: { slackChannel: '#finance' },
});
const body = 'command=%2Fburn&text=payments&user_id=UPAYMGR&response_url=https%3A%2F%2Fhooks.slack.com%2Fx';

/** Hand-written fakes: a clock, a secret that counts its calls, an empty store. */
function depsWith(over: Partial<SlashRequestDeps> = {}) {
  const calls = { secret: 0, deferred: 0 };
  const rejections: RejectionReason[] = [];
  const deps: SlashRequestDeps = {
    config,
    summaries: { getTeamSummaries: async () => new Map() },
    groupMembers: async () => [],
    signingSecret: async () => {
      calls.secret++;
      return SECRET;
    },
    clock: { now: () => NOW },
    onReject: (r) => rejections.push(r),
    defer: async () => {
      calls.deferred++;
    },
    ...over,
  };
  return { deps, calls, rejections };
}

describe('handleSlashRequest', () => {
  it.each([
    ['no headers', {}, 401, 'missing-headers'],
    [
      'a stale timestamp',
      { 'x-slack-request-timestamp': String(Number(ts) - 301), 'x-slack-signature': `v0=${'a'.repeat(64)}` },
      401,
      'stale-timestamp',
    ],
    [
      'a malformed signature',
      { 'x-slack-request-timestamp': ts, 'x-slack-signature': 'v0=xyz' },
      401,
      'malformed-signature',
    ],
  ] as const)(
    'turns away %s without fetching the signing secret (a flood never waits on Secrets Manager)',
    async (_name, headers, status, reason) => {
      // Prepare
      const { deps, calls, rejections } = depsWith();
      // Act
      const res = await handleSlashRequest({ method: 'POST', headers, body }, deps);
      // Assess
      expect(res.statusCode).toBe(status);
      expect(rejections).toEqual([reason]);
      expect(calls).toEqual({ secret: 0, deferred: 0 });
    },
  );

  it('turns away an oversized body and a GET before anything else', async () => {
    const { deps, calls, rejections } = depsWith();

    const big = await handleSlashRequest(
      { method: 'POST', headers: {}, body: 'x'.repeat(MAX_BODY_BYTES + 1) },
      deps,
    );
    const get = await handleSlashRequest({ method: 'GET', headers: {}, body: '' }, deps);

    expect([big.statusCode, get.statusCode, get.headers.allow]).toEqual([413, 405, 'POST']);
    expect(rejections).toEqual(['body-too-large', 'wrong-method']);
    expect(calls.secret).toBe(0);
  });

  it('checks a well-formed signature with the secret and rejects a forged one', async () => {
    const { deps, calls, rejections } = depsWith();
    const headers = {
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest('guessed', ts, body),
    };

    const res = await handleSlashRequest({ method: 'POST', headers, body }, deps);

    expect(res.statusCode).toBe(401);
    expect(rejections).toEqual(['bad-signature']);
    expect(calls).toEqual({ secret: 1, deferred: 0 });
  });

  it.each([
    ['accepts a signature over the decoded body', () => signSlackRequest(SECRET, ts, body), 200, []],
    [
      'rejects a signature over the base64 text',
      () => signSlackRequest(SECRET, ts, Buffer.from(body).toString('base64')),
      401,
      ['bad-signature'],
    ],
  ] as const)('with a base64-encoded Function URL body, %s', async (_name, sign, status, reasons) => {
    const { deps, rejections } = depsWith();
    const headers = { 'x-slack-request-timestamp': ts, 'x-slack-signature': sign() };

    const res = await handleSlashRequest(
      { method: 'POST', headers, body: Buffer.from(body).toString('base64'), isBase64Encoded: true },
      deps,
    );

    expect(res.statusCode).toBe(status);
    expect(rejections).toEqual(reasons);
  });

  it('answers inline when warm and fast, defers when told it is cold', async () => {
    const headers = {
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest(SECRET, ts, body),
    };
    const warm = depsWith();
    const cold = depsWith({ mustDefer: () => true });

    const inline = await handleSlashRequest({ method: 'POST', headers, body }, warm.deps);
    const deferred = await handleSlashRequest({ method: 'POST', headers, body }, cold.deps);

    expect(JSON.parse(inline.body).text).toBe('No data yet for Payments.');
    expect(warm.calls.deferred).toBe(0);
    expect(JSON.parse(deferred.body)).toMatchObject({ response_type: 'ephemeral', text: 'Working on it…' });
    expect(cold.calls.deferred).toBe(1);
  });
});
