import type { AddressInfo } from 'node:net';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlashServer } from '../../../functions/cli/commands/serve-slack.js';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import type { SlashRequestDeps } from '../../../functions/core/slash/handle-request.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { createSlashHandler } from '../../../functions/slash/handler.js';
import { aTotal } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const SECRET = 'test-signing-secret';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 120_000, managers: { slackUserIds: ['UPAYMGR'] } },
  ],
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
});
let base = '';
let deps: SlashRequestDeps;
let close: () => Promise<void>;

beforeAll(async () => {
  const { store } = await dynamo.newStore();
  const totals = eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, 1000));
  const report = computeBurnReport({
    team: 'payments',
    name: 'Payments',
    budgetUsd: 120_000,
    fiscalYear: fiscalYearOf(config.fiscalYear, '2026-03-31'),
    asOf: '2026-03-31',
    totals,
    now: new Date(0),
  });
  await store.putTeamSummary('payments', report);
  deps = {
    config,
    summaries: store,
    groupMembers: async () => [],
    signingSecret: async () => SECRET,
    nowSeconds: () => Math.floor(Date.now() / 1000),
  };
  const server = createSlashServer(deps);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => new Promise((r) => server.close(() => r()));
});
afterAll(async () => close?.());

function form(text: string, user = 'UPAYMGR'): string {
  return new URLSearchParams({
    command: '/burn',
    text,
    user_id: user,
    team_id: 'T1',
    channel_id: 'C1',
    response_url: 'https://hooks.slack.com/x',
  }).toString();
}
function post(body: string, opts: { ts?: number; secret?: string; signature?: string } = {}) {
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  return fetch(base, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': opts.signature ?? signSlackRequest(opts.secret ?? SECRET, ts, body),
    },
    body,
  });
}

describe('/burn over HTTP (serve-slack) against DynamoDB Local', () => {
  it('answers a signed request with Block Kit from the stored summary', async () => {
    const res = await post(form('payments'));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { response_type: string; text: string };
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/^Payments will exhaust its \$120,000 budget around/);
  });

  it.each([
    [
      'a replay from six minutes ago',
      () => post(form('payments'), { ts: Math.floor(Date.now() / 1000) - 360 }),
      401,
    ],
    ['a wrong secret', () => post(form('payments'), { secret: 'guess' }), 401],
    [
      'a tampered body',
      async () => {
        const ts = String(Math.floor(Date.now() / 1000));
        const sig = signSlackRequest(SECRET, ts, form('payments'));
        return fetch(base, {
          method: 'POST',
          headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': sig },
          body: form('payments', 'UCFO'),
        });
      },
      401,
    ],
    ['no signature headers', () => fetch(base, { method: 'POST', body: form('payments') }), 401],
    ['an oversized body', () => post(`${form('payments')}&pad=${'x'.repeat(20_000)}`), 413],
    ['a signed but malformed body', () => post('command=%2Fburn&text=payments&user_id=not-a-user'), 400],
  ])('rejects %s with no detail', async (_name, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(await res.text()).toBe('');
  });

  it("answers Slack's ssl_check", async () => {
    expect((await post('ssl_check=1&token=x')).status).toBe(200);
  });

  it('handles a base64-encoded Function URL event in the Lambda handler', async () => {
    const body = form('payments share');
    const ts = String(Math.floor(Date.now() / 1000));
    const event = {
      headers: { 'X-Slack-Request-Timestamp': ts, 'X-Slack-Signature': signSlackRequest(SECRET, ts, body) },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    } as unknown as LambdaFunctionURLEvent;
    const result = await createSlashHandler(deps)(event);
    expect(typeof result === 'object' && result.statusCode).toBe(200);
    const answer = JSON.parse(typeof result === 'object' ? (result.body ?? '') : '');
    expect(answer.response_type).toBe('in_channel');
  });
});
