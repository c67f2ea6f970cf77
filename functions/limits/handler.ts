import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo/dynamo-store.js';
import { limitsEventSchema } from '../adapters/lambda/limits-invoker.js';
import { createSlackInteractionApi } from '../adapters/slack-api/interaction-api.js';
import { createResponseUrlPoster } from '../adapters/slack-api/response-url.js';
import { createUserGroupMembers } from '../adapters/slack-api/user-groups.js';
import { limitApisFor } from '../adapters/vendors/limits/limit-apis.js';
import type { LimitActionResult } from '../core/limits/apply.js';
import { type LimitRequestDeps, runLimitRequest } from '../core/limits/limit-requests.js';
import { systemClock } from '../core/ports.js';
import { loadBundledConfig, loadLimitsEnv } from '../shared/lambda-config.js';

/** An event that is not an approved limit request: a deployment mistake. */
export class LimitsEventError extends Error {
  override readonly name = 'LimitsEventError';
  readonly code = 'LIMITS_EVENT_INVALID';
}

/**
 * The limits Lambda (issue 19): the only function that can read the vendors' admin keys. The slash
 * function checks who pressed Approve or Undo and hands the press here; this applies (or undoes)
 * with read-back, records it and edits the Slack message.
 */
export function createLimitsHandler(deps: LimitRequestDeps) {
  return async (event: unknown): Promise<Pick<LimitActionResult, 'outcome' | 'summary'>> => {
    const parsed = limitsEventSchema.safeParse(event);
    if (!parsed.success)
      throw new LimitsEventError(
        'the limits function takes {burnwatchLimits: {...}} from the slash function',
      );
    const { outcome, summary } = await runLimitRequest(deps, parsed.data.burnwatchLimits);
    return { outcome, summary };
  };
}

function buildHandler() {
  const logger = new Logger();
  const env = loadLimitsEnv();
  const config = loadBundledConfig(env.configFile);
  const store = new DynamoStore(createDocumentClient(new DynamoDBClient({})), { tableName: env.tableName });
  const secret = async (name: string): Promise<string> => {
    const value = await getSecret(name, { maxAge: 300 });
    if (typeof value !== 'string' || value === '') throw new Error(`secret ${name} is empty or not a string`);
    return value;
  };
  const botToken = () => secret(env.slackBotTokenSecret);
  const handler = createLimitsHandler({
    config,
    store,
    clock: systemClock,
    apis: limitApisFor(config.limits, secret),
    slack: createSlackInteractionApi({ token: botToken }),
    postResponse: createResponseUrlPoster(),
    groupMembers: createUserGroupMembers({ token: botToken }),
  });
  return async (event: unknown) => {
    const result = await handler(event);
    // Counts only: the record in DynamoDB holds who got which limit.
    logger.info('limits request', { outcome: result.outcome, summary: result.summary });
    return result;
  };
}

let built: ReturnType<typeof buildHandler> | undefined;
export const handler = (event: unknown) => {
  built ??= buildHandler();
  return built(event);
};
