import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo/dynamo-store.js';
import { createUserGroupMembers } from '../adapters/slack-api/user-groups.js';
import { handleSlashRequest, type SlashRequestDeps } from '../core/slash/handle-request.js';
import { loadBundledConfig, loadSlashEnv } from '../shared/lambda-config.js';

/** The `/burn` Lambda behind a Function URL: maps the event to the core request handler. */
export function createSlashHandler(deps: SlashRequestDeps) {
  return async (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> => {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
    return handleSlashRequest(
      { headers, body: event.body ?? '', isBase64Encoded: event.isBase64Encoded },
      deps,
    );
  };
}

/** Composition root, built on the first invocation of a cold start (so tests can import this module). */
function buildHandler() {
  const logger = new Logger({ serviceName: 'burnwatch-slash' });
  const env = loadSlashEnv();
  const config = loadBundledConfig(env.configFile);
  const store = new DynamoStore(createDocumentClient(new DynamoDBClient({})), { tableName: env.tableName });
  const secret = async (name: string): Promise<string> => {
    const value = await getSecret(name, { maxAge: 300 });
    if (typeof value !== 'string' || value === '') throw new Error(`secret ${name} is empty or not a string`);
    return value;
  };
  return createSlashHandler({
    config,
    summaries: store,
    groupMembers: createUserGroupMembers({ token: () => secret(env.slackBotTokenSecret) }),
    signingSecret: () => secret(env.slackSigningSecretSecret),
    nowSeconds: () => Math.floor(Date.now() / 1000),
    onReject: (reason) => logger.warn('rejected /burn request', { reason }),
  });
}

let built: ReturnType<typeof createSlashHandler> | undefined;
export const handler = (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> => {
  built ??= buildHandler();
  return built(event);
};
