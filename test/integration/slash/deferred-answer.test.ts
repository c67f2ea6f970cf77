import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { createSelfInvoker } from '../../../functions/adapters/lambda/self-invoke.js';
import {
  createResponseUrlPoster,
  ResponseUrlError,
} from '../../../functions/adapters/slack-api/response-url.js';
import { createUserGroupMembers } from '../../../functions/adapters/slack-api/user-groups.js';
import { createSlashServer, type SlashServerDeps } from '../../../functions/cli/commands/serve-slack.js';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { systemClock } from '../../../functions/core/ports.js';
import {
  type DeferredOutcome,
  type FailureStage,
  isSlackResponseUrl,
  type RejectionReason,
  runDeferredRequest,
} from '../../../functions/core/slash/handle-request.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { createSlashHandler } from '../../../functions/slash/handler.js';
import { startFakeLambda } from '../../fixtures/aws/fake-lambda.js';
import { startFakeSecretsManager } from '../../fixtures/aws/fake-secrets-manager.js';
import { startFakeResponseUrl } from '../../fixtures/slack/fake-response-url.js';
import { FakeSlackServer } from '../../fixtures/slack/fake-slack-server.js';
import { aTotal } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

/**
 * Issue 13: whenever /burn cannot be sure to answer within Slack's 3 s it acknowledges at once and
 * posts the answer to the request's response_url; an internal failure (DynamoDB, Secrets Manager)
 * gets "burnwatch could not answer, try again", never an HTTP error. Over loopback HTTP: the
 * serve-slack server, a fake response_url, the local Slack Web API, DynamoDB Local, a local Secrets
 * Manager and a local Lambda Invoke API.
 */
const dynamo = useLocalDynamo();
const SECRET = 'deferred-signing-secret';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 120_000, managers: { slackUserIds: ['UPAYMGR'] } },
    { id: 'search', name: 'Search', annualBudgetUsd: 300_000, managers: { slackUserGroupIds: ['SLEADS'] } },
  ],
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
});

let store: DynamoStore;
let missingTable: DynamoStore;
let hooks: Awaited<ReturnType<typeof startFakeResponseUrl>>;
const slack = new FakeSlackServer({ userGroups: { SLEADS: ['USRCHLEAD'] } });

beforeAll(async () => {
  ({ store } = await dynamo.newStore());
  // The same client on a table that does not exist: every read fails as a real DynamoDB error.
  missingTable = new DynamoStore(createDocumentClient(dynamo.client), { tableName: 'no-such-table' });
  for (const [team, name, budget] of [
    ['payments', 'Payments', 120_000],
    ['search', 'Search', 300_000],
  ] as const) {
    const totals = eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, 1000, { team }));
    await store.putTeamSummary(
      team,
      computeBurnReport({
        team,
        name,
        budgetUsd: budget,
        fiscalYear: fiscalYearOf(config.fiscalYear, '2026-03-31'),
        asOf: '2026-03-31',
        totals,
        now: new Date(0),
      }),
    );
  }
  hooks = await startFakeResponseUrl();
  await slack.start();
});
afterAll(async () => {
  await hooks?.close();
  await slack.stop();
});

let seq = 0;
/** A signed /burn request in Slack's form encoding, with a fresh fake response_url. */
function slashRequest(text: string, user: string, opts: { secret?: string; responseUrl?: string } = {}) {
  const body = new URLSearchParams({
    command: '/burn',
    text,
    user_id: user,
    team_id: 'T1',
    channel_id: 'C1',
    response_url: opts.responseUrl ?? hooks.url(`r${++seq}`),
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest(opts.secret ?? SECRET, ts, body),
    },
  };
}

/** A serve-slack server with `over`, collecting what it reports; `done` resolves per deferred outcome. */
async function serve(over: Partial<SlashServerDeps> = {}) {
  const failures: Array<{ stage: FailureStage; cause: unknown }> = [];
  const rejections: RejectionReason[] = [];
  const outcomes: Array<DeferredOutcome | Error> = [];
  const waiters: Array<() => void> = [];
  const server = createSlashServer({
    config,
    summaries: store,
    groupMembers: async () => [],
    signingSecret: async () => SECRET,
    clock: systemClock,
    onFailure: (stage, cause) => failures.push({ stage, cause }),
    onReject: (reason) => rejections.push(reason),
    onDeferred: (o) => {
      outcomes.push(o);
      waiters.shift()?.();
    },
    ...over,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    failures,
    rejections,
    outcomes,
    /** Resolves once the next deferred request has been handled. */
    nextOutcome: () => new Promise<void>((r) => waiters.push(r)),
    send: (r: ReturnType<typeof slashRequest>) =>
      fetch(url, { method: 'POST', headers: r.headers, body: r.body }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A promise the test resolves when it chooses (a dependency that is slow until then). */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

describe('/burn answers through response_url when it cannot be sure to answer in time', () => {
  it('on a cold start: acknowledges at once, then posts the shared answer to response_url', async () => {
    // Prepare
    const s = await serve({ mustDefer: () => true });
    const before = hooks.posts.length;
    try {
      // Act
      const handled = s.nextOutcome();
      const res = await s.send(slashRequest('payments share', 'UPAYMGR'));
      const ack = (await res.json()) as { response_type: string; text: string };
      await handled;
      // Assess: an ephemeral "working on it", then the answer in the channel through response_url
      expect(res.status).toBe(200);
      expect(ack).toMatchObject({ response_type: 'ephemeral', text: 'Working on it…' });
      const posted = hooks.posts.slice(before);
      expect(posted).toHaveLength(1);
      expect(posted[0]?.contentType).toMatch(/^application\/json/);
      expect(posted[0]?.body.response_type).toBe('in_channel');
      expect(posted[0]?.body.text).toMatch(/^Payments will exhaust its \$120,000 budget/);
      expect(s.outcomes).toEqual([{ status: 'posted', response: 'answer' }]);
    } finally {
      await s.close();
    }
  });

  it('when the user-group lookup is slower than the budget: acknowledges, then posts the answer', async () => {
    // Prepare: the real user-group adapter against the local Slack API, held until the ack is in
    const slow = gate();
    const groupMembers = createUserGroupMembers({
      token: async () => 'xoxb-test-token',
      slackApiUrl: slack.apiUrl,
      fetchImpl: async (input, init) => {
        await slow.opened;
        return fetch(input, init);
      },
      // The lookup's own timeout is not what this is about: on a loaded machine the ack alone can
      // take longer than the default 1.5 s, and the lookup would fail instead of being slow.
      timeoutMs: 60_000,
    });
    const s = await serve({ groupMembers, answerBudgetMs: 50 });
    const before = hooks.posts.length;
    try {
      // Act
      const handled = s.nextOutcome();
      const res = await s.send(slashRequest('search', 'USRCHLEAD'));
      const ack = (await res.json()) as { text: string };
      slow.open();
      await handled;
      // Assess: the group member's answer arrives through response_url, privately
      expect(ack.text).toBe('Working on it…');
      expect(s.failures.map((f) => inspect(f.cause))).toEqual([]);
      expect(hooks.posts.slice(before).map((p) => [p.body.response_type, p.body.text?.slice(0, 13)])).toEqual(
        [['ephemeral', 'Search will e']],
      );
    } finally {
      await s.close();
    }
  });

  it('when the signing secret is slow: hands over the raw request, which the worker verifies before posting', async () => {
    // Prepare: Secrets Manager held back past the budget
    const slow = gate();
    const s = await serve({
      signingSecret: async () => {
        await slow.opened;
        return SECRET;
      },
      answerBudgetMs: 50,
    });
    const before = hooks.posts.length;
    try {
      // Act: one genuine request and one forged (right shape, wrong secret)
      const both = Promise.all([s.nextOutcome(), s.nextOutcome()]);
      const genuine = await s.send(slashRequest('payments', 'UPAYMGR'));
      const forged = await s.send(slashRequest('payments', 'UCFO', { secret: 'guessed' }));
      slow.open();
      await both;
      // Assess: both were acknowledged (nothing could be verified yet); only the genuine one is answered
      expect(((await genuine.json()) as { text: string }).text).toBe('Working on it…');
      expect(((await forged.json()) as { text: string }).text).toBe('Working on it…');
      expect(hooks.posts.slice(before).map((p) => p.body.text?.slice(0, 15))).toEqual(['Payments will e']);
      expect(s.outcomes).toContainEqual({ status: 'rejected', reason: 'bad-signature' });
      expect(s.rejections).toEqual(['bad-signature']);
    } finally {
      await s.close();
    }
  });
});

describe('/burn when something inside burnwatch fails', () => {
  it('answers a DynamoDB error with an ephemeral "could not answer, try again" and reports the cause', async () => {
    // Prepare: the store's table does not exist
    const s = await serve({ summaries: missingTable });
    try {
      // Act
      const res = await s.send(slashRequest('payments', 'UPAYMGR'));
      // Assess: 200, never a 502; the cause reported with its stage
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        response_type: 'ephemeral',
        text: 'burnwatch could not answer, try again',
      });
      expect(s.failures.map((f) => [f.stage, (f.cause as Error).name])).toEqual([
        ['answer', 'ResourceNotFoundException'],
      ]);
    } finally {
      await s.close();
    }
  });

  it('posts "could not answer" to response_url when the deferred answer hits a DynamoDB error', async () => {
    const s = await serve({ summaries: missingTable, mustDefer: () => true });
    const before = hooks.posts.length;
    try {
      const handled = s.nextOutcome();
      await s.send(slashRequest('payments', 'UPAYMGR'));
      await handled;

      expect(hooks.posts.slice(before).map((p) => [p.body.response_type, p.body.text])).toEqual([
        ['ephemeral', 'burnwatch could not answer, try again'],
      ]);
      expect(s.outcomes).toEqual([{ status: 'posted', response: 'could-not-answer' }]);
      expect(s.failures.map((f) => f.stage)).toEqual(['answer']);
    } finally {
      await s.close();
    }
  });

  it('answers a Secrets Manager error (through Powertools) with "could not answer", never an HTTP error', async () => {
    // Prepare: the local Secrets Manager does not hold the signing secret
    const sm = await startFakeSecretsManager({});
    const secrets = new SecretsProvider({
      awsSdkV3Client: new SecretsManagerClient({
        endpoint: sm.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
        maxAttempts: 1,
      }),
    });
    const s = await serve({
      signingSecret: async () => String(await secrets.get('burnwatch/slack-signing-secret')),
    });
    try {
      // Act
      const res = await s.send(slashRequest('payments', 'UPAYMGR'));
      // Assess
      expect(res.status).toBe(200);
      expect(((await res.json()) as { text: string }).text).toBe('burnwatch could not answer, try again');
      expect(s.failures.map((f) => f.stage)).toEqual(['signing-secret']);
      expect(inspect(s.failures[0]?.cause)).toMatch(
        /ResourceNotFoundException|can't find the specified secret/,
      );
    } finally {
      await s.close();
      await sm.close();
    }
  });

  it('gives "try again" instead of a wrong refusal when the user-group lookup fails', async () => {
    const s = await serve({
      groupMembers: createUserGroupMembers({ token: async () => 'xoxb-revoked', slackApiUrl: slack.apiUrl }),
    });
    try {
      const res = await s.send(slashRequest('search', 'USRCHLEAD'));

      expect(((await res.json()) as { text: string }).text).toBe('burnwatch could not answer, try again');
      expect(s.failures.map((f) => [f.stage, (f.cause as Error).name])).toEqual([
        ['answer', 'AccessLookupError'],
      ]);
    } finally {
      await s.close();
    }
  });
});

describe('the Lambda handler defers by invoking itself asynchronously', () => {
  it('sends itself an Event invocation whose handling posts the answer to response_url', async () => {
    // Prepare: a local Lambda Invoke API that runs the same handler on each queued event
    const results: unknown[] = [];
    const lambdaApi = await startFakeLambda((invocation) => {
      handler(invocation.payload).then(
        (r) => results.push(r),
        (e: unknown) => results.push(e),
      );
    });
    const failures: FailureStage[] = [];
    const handler = createSlashHandler({
      config,
      summaries: store,
      groupMembers: async () => [],
      signingSecret: async () => SECRET,
      clock: systemClock,
      mustDefer: () => true,
      defer: createSelfInvoker(
        new LambdaClient({
          endpoint: lambdaApi.endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
        }),
        'burnwatch-slash',
      ),
      postResponse: createResponseUrlPoster(),
      // The loopback response_url stands in for hooks.slack.com.
      responseUrlAllowed: (url) => url.startsWith('http://127.0.0.1:'),
      onFailure: (stage) => failures.push(stage),
    });
    const r = slashRequest('payments', 'UPAYMGR');
    const before = hooks.posts.length;
    try {
      // Act: a Function URL event (payload format 2.0)
      const ack = await handler({
        version: '2.0',
        rawPath: '/',
        headers: r.headers,
        body: r.body,
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST', path: '/' } },
      });
      await hooks.received(before + 1);
      // Assess: acknowledged; one Event invocation of itself carrying the raw signed request; answered
      expect(ack).toMatchObject({ statusCode: 200 });
      expect(JSON.parse('body' in ack ? ack.body : '{}').text).toBe('Working on it…');
      expect(lambdaApi.invocations).toEqual([
        {
          functionName: 'burnwatch-slash',
          invocationType: 'Event',
          payload: {
            burnwatchDeferred: {
              rawBody: r.body,
              timestamp: r.headers['x-slack-request-timestamp'],
              signature: r.headers['x-slack-signature'],
            },
          },
        },
      ]);
      expect(hooks.posts.at(-1)?.body.text).toMatch(/^Payments will exhaust/);
      expect(failures).toEqual([]);
    } finally {
      await lambdaApi.close();
    }
  });

  it('answers "could not answer" when the self-invoke fails, and rejects an event that is neither kind', async () => {
    const failures: FailureStage[] = [];
    const handler = createSlashHandler({
      config,
      summaries: store,
      groupMembers: async () => [],
      signingSecret: async () => SECRET,
      clock: systemClock,
      mustDefer: () => true,
      defer: createSelfInvoker(
        new LambdaClient({
          endpoint: 'http://127.0.0.1:9',
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
          maxAttempts: 1,
        }),
        'burnwatch-slash',
      ),
      postResponse: createResponseUrlPoster(),
      onFailure: (stage) => failures.push(stage),
    });
    const r = slashRequest('payments', 'UPAYMGR');

    const ack = await handler({
      headers: r.headers,
      body: r.body,
      requestContext: { http: { method: 'POST' } },
    });

    expect(JSON.parse('body' in ack ? ack.body : '{}').text).toBe('burnwatch could not answer, try again');
    expect(failures).toEqual(['defer']);
    await expect(handler({ source: 'anthropic' })).rejects.toThrow(/neither/);
  });
});

describe('the deferred worker', () => {
  const workerDeps = (over: Partial<Parameters<typeof runDeferredRequest>[1]> = {}) => ({
    config,
    summaries: store,
    groupMembers: async () => [],
    signingSecret: async () => SECRET,
    clock: systemClock,
    postResponse: createResponseUrlPoster(),
    ...over,
  });
  const jobOf = (r: ReturnType<typeof slashRequest>) => ({
    rawBody: r.body,
    timestamp: r.headers['x-slack-request-timestamp'],
    signature: r.headers['x-slack-signature'],
  });

  it("posts only to Slack's response URLs by default", async () => {
    const failures: FailureStage[] = [];
    const before = hooks.posts.length;

    const outcome = await runDeferredRequest(
      jobOf(slashRequest('payments', 'UPAYMGR')),
      workerDeps({ onFailure: (stage) => failures.push(stage) }),
    );

    expect(outcome).toEqual({ status: 'dropped', why: 'response-url' });
    expect(failures).toEqual(['response-url']);
    expect(hooks.posts.length).toBe(before);
    expect(isSlackResponseUrl('https://hooks.slack.com/commands/T1/2/abc')).toBe(true);
    expect(isSlackResponseUrl('https://hooks.slack.com.evil.example/commands')).toBe(false);
    expect(isSlackResponseUrl('http://hooks.slack.com/commands')).toBe(false);
  });

  it('never answers a job older than its response_url takes answers (30 minutes)', async () => {
    const r = slashRequest('payments', 'UPAYMGR');
    const later = { now: () => new Date((Number(r.headers['x-slack-request-timestamp']) + 1801) * 1000) };

    const outcome = await runDeferredRequest(
      jobOf(r),
      workerDeps({ clock: later, responseUrlAllowed: () => true }),
    );

    expect(outcome).toEqual({ status: 'rejected', reason: 'stale-timestamp' });
  });

  it('still answers a job Lambda kept queued for ten minutes (a throttled flood), having said "Working on it"', async () => {
    // Prepare
    const r = slashRequest('payments', 'UPAYMGR');
    const url = new URLSearchParams(r.body).get('response_url') ?? '';
    const later = { now: () => new Date((Number(r.headers['x-slack-request-timestamp']) + 600) * 1000) };

    // Act
    const outcome = await runDeferredRequest(
      jobOf(r),
      workerDeps({ clock: later, responseUrlAllowed: () => true }),
    );

    // Assess
    expect(outcome).toEqual({ status: 'posted', response: 'answer' });
    expect(hooks.posts.filter((p) => url.endsWith(p.path))).toHaveLength(1);
  });

  it('sets a budget once when Lambda delivers the job twice (its async queue may), answering once', async () => {
    // Prepare: finance sets Payments' budget; the deferred job (a state-changing command always is one) arrives twice.
    const { store: own, tableName: ownTable } = await dynamo.newStore();
    const r = slashRequest('payments budget 150000 reason hiring plan', 'UCFO');
    const url = new URLSearchParams(r.body).get('response_url') ?? '';
    const deps = workerDeps({
      summaries: own,
      decisions: { store: own, clock: systemClock, forecaster: engineForecaster(config) },
      responseUrlAllowed: () => true,
    });

    // Act
    const first = await runDeferredRequest(jobOf(r), deps);
    const second = await runDeferredRequest(jobOf(r), deps);

    // Assess
    expect(first).toEqual({ status: 'posted', response: 'answer' });
    expect(second).toEqual({ status: 'dropped', why: 'duplicate' });
    expect(await own.listTeamRecords('payments', 'budget')).toHaveLength(1);
    expect(hooks.posts.filter((p) => url.endsWith(p.path))).toHaveLength(1);
    // The marker is kept a day (DynamoDB's TTL deletes it then), not for ever: one per command typed.
    const markers = await createDocumentClient(dynamo.client).send(
      new ScanCommand({
        TableName: ownTable,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': 'STATE#_slash' },
      }),
    );
    const expiresAt = Number(markers.Items?.[0]?.expiresAt);
    expect(markers.Items).toHaveLength(1);
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(86_000);
    expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(86_400);
  });

  it('reports and throws when response_url refuses the answer (expired), so the invocation fails', async () => {
    hooks.setStatus(404);
    const failures: FailureStage[] = [];
    try {
      const run = runDeferredRequest(
        jobOf(slashRequest('payments', 'UPAYMGR')),
        workerDeps({ responseUrlAllowed: () => true, onFailure: (stage) => failures.push(stage) }),
      );

      await expect(run).rejects.toThrow(ResponseUrlError);
      await expect(run).rejects.toThrow('response_url answered HTTP 404');
      expect(failures).toEqual(['post-response']);
    } finally {
      hooks.setStatus(200);
    }
  });
});
