import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { startFakeLambda } from '../../fixtures/aws/fake-lambda.js';
import { startFakeSecretsManager } from '../../fixtures/aws/fake-secrets-manager.js';
import { aTotal } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

/**
 * The slash Lambda's composition root in its own process (Powertools logs and metrics on stdout, the
 * signing secret from a local Secrets Manager, DynamoDB Local, a local Lambda Invoke API): a cold
 * start defers by invoking itself, a rejection emits the per-reason metric the stack alarms on, and
 * an internal failure emits SlashFailures.
 */
const dynamo = useLocalDynamo();
const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..', '..');
const SECRET = 'lambda-signing-secret';
const FUNCTION_NAME = 'Burnwatch-BurnwatchSlashFunction-Ab12';
const configJson = {
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 120_000, managers: { slackUserIds: ['UPAYMGR'] } },
  ],
  finance: { slackChannel: '#finance' },
};

let env: Record<string, string>;
let lambdaApi: Awaited<ReturnType<typeof startFakeLambda>>;
let sm: Awaited<ReturnType<typeof startFakeSecretsManager>>;
beforeAll(async () => {
  const { store, tableName } = await dynamo.newStore();
  const config = parseConfig(configJson);
  await store.putTeamSummary(
    'payments',
    computeBurnReport({
      team: 'payments',
      name: 'Payments',
      budgetUsd: 120_000,
      fiscalYear: fiscalYearOf(config.fiscalYear, '2026-03-31'),
      asOf: '2026-03-31',
      totals: eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, 1000)),
      now: new Date(0),
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-slash-lambda-'));
  writeFileSync(join(dir, 'burnwatch.config.json'), JSON.stringify(configJson));
  sm = await startFakeSecretsManager({
    'burnwatch/slack-signing-secret': SECRET,
    'burnwatch/slack-bot-token': 'xoxb-local',
  });
  lambdaApi = await startFakeLambda(() => undefined);
  env = {
    PATH: process.env.PATH ?? '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: tableName,
    BURNWATCH_CONFIG_FILE: join(dir, 'burnwatch.config.json'),
    SLACK_SIGNING_SECRET_SECRET: 'burnwatch/slack-signing-secret',
    SLACK_BOT_TOKEN_SECRET: 'burnwatch/slack-bot-token',
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambdaApi.endpoint,
    POWERTOOLS_SERVICE_NAME: 'burnwatch-slash',
    POWERTOOLS_METRICS_NAMESPACE: 'Burnwatch',
  };
});
afterAll(async () => {
  await lambdaApi?.close();
  await sm?.close();
});

/** Runs the slash handler module on `events` in one child process (one container, warm after the first). */
async function invoke(events: unknown[]): Promise<{ results: unknown[]; stdout: string; output: string }> {
  const { stdout, stderr } = await run(
    join(repo, 'node_modules', '.bin', 'tsx'),
    [
      join(repo, 'test/helpers/invoke-handler.ts'),
      join(repo, 'functions/slash/handler.ts'),
      JSON.stringify(events),
      '--each',
    ],
    { env, maxBuffer: 16 * 1024 * 1024 },
  );
  const results = stdout
    .split('\n')
    .filter((l) => l.startsWith('RESULT '))
    .map((l) => JSON.parse(l.slice('RESULT '.length)));
  return { results, stdout, output: `${stdout}\n${stderr}` };
}

function functionUrlEvent(text: string, opts: { secret?: string; responseUrl?: string } = {}) {
  const body = new URLSearchParams({
    command: '/burn',
    text,
    user_id: 'UPAYMGR',
    response_url: opts.responseUrl ?? 'http://127.0.0.1:9/commands/T1/1/x',
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    version: '2.0',
    rawPath: '/',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest(opts.secret ?? SECRET, ts, body),
    },
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/' } },
  };
}

/** The Powertools EMF records (CloudWatch embedded metric format) a run printed. */
function metricRecords(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the slash Lambda (composition root, own process)', () => {
  it('defers a cold start by invoking itself, and counts a rejection under its reason', async () => {
    // Act: the container's first request (cold), then a forged one
    const { results, stdout } = await invoke([
      functionUrlEvent('payments'),
      functionUrlEvent('payments', { secret: 'guess' }),
    ]);
    // Assess: acknowledged and handed to itself as an Event invocation; then a bare 401
    expect(results[0]).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((results[0] as { body: string }).body).text).toBe('Working on it…');
    expect(results[1]).toMatchObject({ statusCode: 401, body: '' });
    expect(lambdaApi.invocations.map((i) => [i.functionName, i.invocationType])).toEqual([
      [FUNCTION_NAME, 'Event'],
    ]);
    expect(lambdaApi.invocations[0]?.payload).toMatchObject({
      burnwatchDeferred: { rawBody: expect.stringContaining('text=payments') },
    });
    const rejected = metricRecords(stdout).find((r) => 'SlashRejectedRequests' in r);
    expect(rejected).toMatchObject({
      service: 'burnwatch-slash',
      reason: 'bad-signature',
      SlashRejectedRequests: 1,
    });
    expect(JSON.stringify(rejected?._aws)).toContain('"Namespace":"Burnwatch"');
    expect(stdout).toMatch(/"message":"deferred \/burn answer to response_url".*"reason":"cold-start"/);
  });

  it('works out a deferred job, refuses to post anywhere but Slack, and counts that failure', async () => {
    // Prepare: the job a cold start sent itself, whose response_url is not Slack's
    const e = functionUrlEvent('payments');
    const job = {
      burnwatchDeferred: {
        rawBody: e.body,
        timestamp: e.headers['x-slack-request-timestamp'],
        signature: e.headers['x-slack-signature'],
      },
    };
    // Act
    const { results, stdout, output } = await invoke([job]);
    // Assess
    expect(results).toEqual([{ status: 'dropped', why: 'response-url' }]);
    expect(metricRecords(stdout).find((r) => 'SlashFailures' in r)).toMatchObject({
      service: 'burnwatch-slash',
      SlashFailures: 1,
    });
    expect(output).toMatch(/"message":"burnwatch could not answer \/burn".*"stage":"response-url"/);
    // The response URL is a credential for the channel: its host at most is logged.
    expect(output).not.toContain('127.0.0.1:9/commands');
  });
});
