import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo/dynamo-store.js';
import { requestTimeout } from '../adapters/dynamo/request-timeout.js';
import { createLimitsInvoker } from '../adapters/lambda/limits-invoker.js';
import { createSelfInvoker, deferredEventSchema } from '../adapters/lambda/self-invoke.js';
import { createSlackInteractionApi } from '../adapters/slack-api/interaction-api.js';
import { createResponseUrlPoster } from '../adapters/slack-api/response-url.js';
import { createUserGroupMembers } from '../adapters/slack-api/user-groups.js';
import { systemClock } from '../core/ports.js';
import { couldNotAnswer } from '../core/slash/burn-command.js';
import {
  type DeferredDeps,
  type DeferredOutcome,
  handleSlashRequest,
  runDeferredRequest,
  type SlashHttpResponse,
  type SlashRequestDeps,
} from '../core/slash/handle-request.js';
import { engineForecaster } from '../core/team-reports.js';
import { loadBundledConfig, loadSlashEnv } from '../shared/lambda-config.js';
import { SLASH_FAILURES, SLASH_REJECTED_REQUESTS } from '../shared/metrics.js';

/** The fields of a Function URL event (payload format 2.0) the handler reads. */
const functionUrlEventSchema = z.object({
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({ http: z.object({ method: z.string() }) }),
});

/** An event that is neither a Function URL request nor a deferred job: a deployment mistake. */
export class SlashEventError extends Error {
  override readonly name = 'SlashEventError';
  readonly code = 'SLASH_EVENT_INVALID';
}

export type SlashHandlerDeps = SlashRequestDeps & DeferredDeps;

/**
 * The `/burn` Lambda: a Function URL request is answered (or acknowledged and deferred); a deferred
 * job (the event the function sent itself) is worked out and posted to `response_url`. Whatever
 * fails while answering a request, the caller gets an ephemeral "could not answer", never a 502.
 */
export function createSlashHandler(deps: SlashHandlerDeps) {
  // No read batching here (serve-slack has it): a container answers one request at a time, and a read
  // left in flight by a handed-off answer would be waited on by the next invocation after a thaw.
  return async (event: unknown): Promise<SlashHttpResponse | DeferredOutcome> => {
    const deferred = deferredEventSchema.safeParse(event);
    if (deferred.success) return runDeferredRequest(deferred.data.burnwatchDeferred, deps);
    const request = functionUrlEventSchema.safeParse(event);
    if (!request.success)
      throw new SlashEventError(
        'the slash function takes Function URL requests and its own deferred jobs; this event is neither',
      );
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(request.data.headers ?? {})) headers[k.toLowerCase()] = v;
    try {
      return await handleSlashRequest(
        {
          method: request.data.requestContext.http.method,
          headers,
          body: request.data.body ?? '',
          isBase64Encoded: request.data.isBase64Encoded,
        },
        deps,
      );
    } catch (err) {
      deps.onFailure?.('answer', err);
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(couldNotAnswer()),
      };
    }
  };
}

/** Per DynamoDB request; with the SDK's three attempts a hung read fails in about 6 s. */
const SLASH_DYNAMODB_TIMEOUT_MS = 2_000;

/** Composition root, built on the first invocation of a cold start (so tests can import this module). */
function buildHandler() {
  const logger = new Logger();
  const metrics = new Metrics();
  const env = loadSlashEnv();
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) throw new Error('AWS_LAMBDA_FUNCTION_NAME is not set (the Lambda runtime sets it)');
  const config = loadBundledConfig(env.configFile);
  // /burn reads a summary or two (milliseconds); a hung connection must fail while this invocation
  // (10 s) still has time to retry and answer, not run it out with the asker left waiting.
  const dynamo = new DynamoDBClient({ requestHandler: requestTimeout(SLASH_DYNAMODB_TIMEOUT_MS) });
  const store = new DynamoStore(createDocumentClient(dynamo), { tableName: env.tableName });
  const secret = async (name: string): Promise<string> => {
    const value = await getSecret(name, { maxAge: 300 });
    if (typeof value !== 'string' || value === '') throw new Error(`secret ${name} is empty or not a string`);
    return value;
  };
  const invokeSelf = createSelfInvoker(new LambdaClient({}), functionName);
  // Until this container has answered once, its secret, Slack and DynamoDB connections are cold.
  let warm = false;
  const botToken = () => secret(env.slackBotTokenSecret);
  const groupMembers = createUserGroupMembers({ token: botToken });
  const forecaster = engineForecaster(config);
  const postResponse = createResponseUrlPoster();
  const slackApi = createSlackInteractionApi({ token: botToken });
  // Approved limit presses go to the limits function, the only one holding the vendors' admin keys.
  const limits = env.limitsFunction
    ? createLimitsInvoker(new LambdaClient({}), env.limitsFunction)
    : undefined;
  const handler = createSlashHandler({
    config,
    summaries: store,
    decisions: { store, clock: systemClock, forecaster, announce: slackApi.postMessage },
    interactions: {
      config,
      groupMembers,
      store,
      clock: systemClock,
      forecaster,
      slack: slackApi,
      postResponse,
      ...(limits ? { limits } : {}),
    },
    groupMembers,
    signingSecret: () => secret(env.slackSigningSecretSecret),
    clock: systemClock,
    mustDefer: () => !warm,
    defer: async (request, reason) => {
      await invokeSelf(request);
      logger.info('deferred /burn answer to response_url', { reason });
    },
    postResponse,
    onReject: (reason) => {
      const m = metrics.singleMetric();
      m.addDimension(SLASH_REJECTED_REQUESTS.dimension, reason);
      m.addMetric(SLASH_REJECTED_REQUESTS.name, MetricUnit.Count, 1);
      logger.warn('rejected /burn request', { reason });
    },
    onFailure: (stage, cause) => {
      metrics.singleMetric().addMetric(SLASH_FAILURES.name, MetricUnit.Count, 1);
      logger.error('burnwatch could not answer /burn', { stage, error: cause as Error });
    },
  });
  return async (event: unknown) => {
    try {
      return await handler(event);
    } finally {
      warm = true;
    }
  };
}

let built: ReturnType<typeof buildHandler> | undefined;
export const handler = (event: unknown): Promise<SlashHttpResponse | DeferredOutcome> => {
  built ??= buildHandler();
  return built(event);
};
