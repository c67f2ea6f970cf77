import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlashServer, type SlashServerDeps } from '../../../functions/cli/commands/serve-slack.js';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { systemClock } from '../../../functions/core/ports.js';
import type { RejectionReason } from '../../../functions/core/slash/handle-request.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { createSlashHandler } from '../../../functions/slash/handler.js';
import { startFakeResponseUrl } from '../../fixtures/slack/fake-response-url.js';
import { aTotal } from '../../helpers/builders.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const SECRET = 'test-signing-secret';
const configJson = {
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 120_000, managers: { slackUserIds: ['UPAYMGR'] } },
  ],
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
};
const config = parseConfig(configJson);
let base = '';
let deps: SlashServerDeps;
let close: () => Promise<void>;
const rejections: RejectionReason[] = [];

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
    clock: systemClock,
    onReject: (reason) => rejections.push(reason),
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
function signed(body: string, opts: { ts?: number; secret?: string } = {}) {
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': signSlackRequest(opts.secret ?? SECRET, ts, body),
  };
}
function post(body: string, opts: { ts?: number; secret?: string; signature?: string } = {}) {
  const headers = signed(body, opts);
  return fetch(base, {
    method: 'POST',
    headers: opts.signature ? { ...headers, 'x-slack-signature': opts.signature } : headers,
    body,
  });
}

/** One request through a node Agent, so a test controls keep-alive and sees socket errors. */
function viaAgent(agent: Agent, body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
    const req = httpRequest(base, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }));
    });
    req.on('error', reject);
    req.end(body);
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
      'stale-timestamp',
    ],
    ['a wrong secret', () => post(form('payments'), { secret: 'guess' }), 401, 'bad-signature'],
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
      'bad-signature',
    ],
    [
      'no signature headers',
      () => fetch(base, { method: 'POST', body: form('payments') }),
      401,
      'missing-headers',
    ],
    [
      'a v1 signature',
      () => post(form('payments'), { signature: `v1=${'0'.repeat(64)}` }),
      401,
      'malformed-signature',
    ],
    ['an oversized body', () => post(`${form('payments')}&pad=${'x'.repeat(20_000)}`), 413, 'body-too-large'],
    [
      'a signed but malformed body',
      () => post('command=%2Fburn&text=payments&user_id=not-a-user'),
      400,
      'malformed-payload',
    ],
    ['a GET', () => fetch(base), 405, 'wrong-method'],
  ] as const)('rejects %s with no detail, reporting why', async (_name, send, status, reason) => {
    // Prepare
    rejections.length = 0;
    // Act
    const res = await send();
    // Assess
    expect(res.status).toBe(status);
    expect(await res.text()).toBe('');
    expect(rejections).toEqual([reason]);
  });

  it("answers Slack's ssl_check", async () => {
    expect((await post('ssl_check=1&token=x')).status).toBe(200);
  });

  it('closes the connection after a body it did not read, so the next kept-alive request does not fail (issue 13)', async () => {
    // Prepare: one socket at most, kept alive between requests
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const big = `${form('payments')}&pad=${'x'.repeat(200_000)}`;
    try {
      // Act
      const rejected = await viaAgent(agent, big, signed(big));
      const next = await viaAgent(agent, form('payments'), signed(form('payments')));
      const third = await viaAgent(agent, form('payments'), signed(form('payments')));
      // Assess: 413 with Connection: close; the following requests answered on a new connection
      expect(rejected).toMatchObject({ status: 413, connection: 'close' });
      expect(next.status).toBe(200);
      expect(JSON.parse(next.text).text).toMatch(/^Payments will exhaust/);
      expect(third).toMatchObject({ status: 200, connection: 'keep-alive' });
    } finally {
      agent.destroy();
    }
  });

  it('handles a base64-encoded Function URL event in the Lambda handler', async () => {
    const body = form('payments share');
    const ts = String(Math.floor(Date.now() / 1000));
    const event = {
      headers: { 'X-Slack-Request-Timestamp': ts, 'X-Slack-Signature': signSlackRequest(SECRET, ts, body) },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST' } },
    };
    const result = await createSlashHandler({ ...deps, postResponse: async () => undefined })(event);
    expect(result).toMatchObject({ statusCode: 200 });
    const answer = JSON.parse('body' in result ? String(result.body) : '');
    expect(answer.response_type).toBe('in_channel');
  });
});

describe('burnwatch serve-slack flags', () => {
  const project = () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-serve-'));
    writeFileSync(join(dir, 'burnwatch.config.json'), JSON.stringify(configJson));
    return dir;
  };
  const env = () => ({
    BURNWATCH_SLACK_SIGNING_SECRET: SECRET,
    BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint,
    BURNWATCH_TABLE: 'serve-flags',
  });

  it.each([
    ['70000', '--port: must be an integer from 1 to 65535'],
    ['0', '--port: must be an integer from 1 to 65535'],
    ['-1', '--port: its value starts with "-"'],
    ['80x', '--port: must be an integer from 1 to 65535'],
  ])('--port %s is a flag error, not a stack', async (port, message) => {
    const { code, err } = await runCliCaptured(['serve-slack', '--port', port], {
      env: env(),
      cwd: project(),
    });

    expect(code).toBe(1);
    expect(err).toContain(message);
    expect(err).not.toMatch(/RangeError|\n\s+at /);
  });

  it('says which port is in use and exits 1, with no unhandled error event', async () => {
    // Prepare: something already listening on the port
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      // Act
      const { code, err } = await runCliCaptured(['serve-slack', '--port', String(port)], {
        env: env(),
        cwd: project(),
      });
      // Assess
      expect(code).toBe(1);
      expect(err).toContain(`--port: port ${port} is already in use on 127.0.0.1`);
      expect(err).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});

describe('burnwatch serve-slack in its own process', () => {
  it('serves the deferred path (--defer): acknowledges, POSTs the answer to response_url, stops on SIGTERM', async () => {
    // Prepare: the summary in the table the server reads, a local response_url, a free port
    const { store, tableName } = await dynamo.newStore();
    await store.putTeamSummary(
      'payments',
      await deps.summaries.getTeamSummaries(['payments']).then((m) => m.get('payments')),
    );
    const hooks = await startFakeResponseUrl();
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-serve-'));
    writeFileSync(join(dir, 'burnwatch.config.json'), JSON.stringify(configJson));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [join(repo, 'functions/cli/bin.mjs'), 'serve-slack', '--port', String(port), '--defer'],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          BURNWATCH_SLACK_SIGNING_SECRET: SECRET,
          BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint,
          BURNWATCH_TABLE: tableName,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const serving = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('Serving /burn on')) resolve();
      });
      child.once('exit', () => reject(new Error(`serve-slack exited early:\n${stderr}`)));
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await serving;
      const body = new URLSearchParams({
        command: '/burn',
        text: 'payments',
        user_id: 'UPAYMGR',
        response_url: hooks.url('cli'),
      }).toString();
      // Act
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: signed(body), body });
      await hooks.received(1);
      child.kill('SIGTERM');
      // Assess
      expect(((await res.json()) as { text: string }).text).toBe('Working on it…');
      expect(hooks.posts[0]?.body.text).toMatch(/^Payments will exhaust/);
      expect(await exited).toBe(0);
      expect(stderr).toContain('deferred answer: posted (answer)');
    } finally {
      child.kill('SIGKILL');
      await hooks.close();
    }
  });
});

const repo = join(import.meta.dirname, '..', '..', '..');
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
