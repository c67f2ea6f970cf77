import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DeleteTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo/dynamo-store.js';
import { localClient, startLocalDynamo } from '../adapters/dynamo/local-dynamodb.js';
import { requestTimeout } from '../adapters/dynamo/request-timeout.js';
import { ensureTable } from '../adapters/dynamo/table.js';
import { parseConfigText } from '../core/config/load.js';
import type { BurnwatchConfig } from '../core/config/schema.js';
import type { OrgBurns } from '../core/team-reports.js';
import { CliUsageError } from './flags.js';
import type { CliIO } from './io.js';

export const DEFAULT_CONFIG_FILE = 'burnwatch.config.json';
export const DEFAULT_TABLE = 'burnwatch';
/**
 * How long a DynamoDB request may go unanswered before it fails (and is retried). The SDK's default is
 * no limit, and a long-running command (serve-slack, whose concurrent /burn reads queue behind the one
 * in flight) would wait forever on a hung connection. DynamoDB answers in milliseconds; 10 s leaves
 * room for DynamoDB Local on a loaded machine. `BURNWATCH_DYNAMODB_TIMEOUT_MS` overrides it.
 */
export const DEFAULT_DYNAMODB_TIMEOUT_MS = 10_000;

function dynamoTimeoutMs(env: CliIO['env']): number {
  const raw = env.BURNWATCH_DYNAMODB_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_DYNAMODB_TIMEOUT_MS;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < 1)
    throw new CliUsageError(
      `BURNWATCH_DYNAMODB_TIMEOUT_MS: "${raw}" is not a whole number of milliseconds from 1 to 9999999; unset it for the default ${DEFAULT_DYNAMODB_TIMEOUT_MS}`,
    );
  return Number(raw);
}

/** Reads and validates the config; `--config` wins, then ./burnwatch.config.json. */
export function loadConfigFile(io: CliIO, path?: string): { config: BurnwatchConfig; path: string } {
  const file = resolve(io.cwd, path ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    throw new CliUsageError(
      `--config: ${file} does not exist; pass --config FILE or copy burnwatch.config.example.json to ${DEFAULT_CONFIG_FILE}`,
    );
  }
  if (statSync(file).isDirectory())
    throw new CliUsageError(
      `--config: ${file} is a folder; pass the config file, e.g. --config ${file}/${DEFAULT_CONFIG_FILE}`,
    );
  return { config: parseConfigText(readFileSync(file, 'utf8'), file), path: file };
}

/** The configured team a TEAM argument names, or a usage error listing the teams there are. */
export function configuredTeam(
  config: BurnwatchConfig,
  id: string | undefined,
): BurnwatchConfig['teams'][number] {
  const team = config.teams.find((t) => t.id === id);
  if (!team)
    throw new CliUsageError(
      `TEAM: ${id ? `unknown team "${id}"` : 'missing'}; teams in the config: ${config.teams.map((t) => t.id).join(', ')}`,
    );
  return team;
}

export interface OpenedStore {
  readonly store: DynamoStore;
  readonly endpoint: string;
  readonly tableName: string;
  /** Stops DynamoDB Local if this process started it. */
  close(): Promise<void>;
  /**
   * Drops and recreates the table. Refuses (CliUsageError) on anything but a local DynamoDB unless
   * `allowRemote`, and then only for a table named explicitly with BURNWATCH_TABLE.
   */
  reset(opts?: { allowRemote?: boolean }): Promise<void>;
}

/** Deletes the table (when it exists) and creates it again, empty. */
async function recreateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    await waitUntilTableNotExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  await ensureTable(client, tableName);
}

/** Node's codes for a connection that could not be made or was cut (the SDK passes them through). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
]);

/** Runs the first request to a given endpoint; a connection failure names the variable and the fix. */
async function reachable<T>(endpoint: string, first: () => Promise<T>): Promise<T> {
  try {
    return await first();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why =
      typeof code === 'string' && UNREACHABLE.has(code)
        ? code
        : err instanceof Error && err.name === 'TimeoutError'
          ? 'no answer in time'
          : undefined;
    if (why === undefined) throw err;
    throw new CliUsageError(
      `BURNWATCH_DYNAMODB_ENDPOINT: cannot reach DynamoDB at ${endpoint} (${why}); start it there, or unset BURNWATCH_DYNAMODB_ENDPOINT to let burnwatch start DynamoDB Local`,
      { cause: err },
    );
  }
}

/**
 * A DynamoDB off this machine needs a region and credentials from the usual AWS places; without them
 * the SDK throws at the first request with its own stack. Asked once here, so the message says what to set.
 */
async function checkAwsSetup(client: DynamoDBClient, endpoint: string): Promise<void> {
  const name = `BURNWATCH_DYNAMODB_ENDPOINT=${endpoint}`;
  try {
    await client.config.region();
  } catch (err) {
    throw new CliUsageError(
      `${name}: no AWS region is set; set AWS_REGION (e.g. AWS_REGION=us-east-1) or a region in your AWS profile`,
      { cause: err },
    );
  }
  try {
    await client.config.credentials();
  } catch (err) {
    throw new CliUsageError(
      `${name}: no AWS credentials found; sign in (aws sso login, AWS_PROFILE) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      { cause: err },
    );
  }
}

/**
 * The store every local command uses. `BURNWATCH_DYNAMODB_ENDPOINT` points at an existing DynamoDB
 * (an endpoint URL, or `aws` for the real service with the default credentials); without it, DynamoDB Local is started with data under `.burnwatch/dynamodb` and
 * stopped on close. The table (`BURNWATCH_TABLE`, default "burnwatch") is created when missing.
 */
export async function openStore(
  io: CliIO,
  opts: { inMemory?: boolean; quiet?: boolean } = {},
): Promise<OpenedStore> {
  const tableName = io.env.BURNWATCH_TABLE || DEFAULT_TABLE;
  const endpoint = io.env.BURNWATCH_DYNAMODB_ENDPOINT;
  const requestTimeoutMs = dynamoTimeoutMs(io.env);
  if (endpoint) {
    // `aws` = the real service with the default credential chain and region (backfills, checks);
    // anything else is an endpoint URL, with dummy credentials when it is on this machine.
    if (endpoint !== 'aws' && !/^https?:\/\/[^/\s]+/.test(endpoint))
      throw new CliUsageError(
        `BURNWATCH_DYNAMODB_ENDPOINT: "${endpoint}" is neither an http(s) URL (e.g. http://localhost:8000) nor aws (the real service); fix it, or unset it to let burnwatch start DynamoDB Local`,
      );
    const local = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(endpoint);
    const requestHandler = requestTimeout(requestTimeoutMs);
    const client =
      endpoint === 'aws'
        ? new DynamoDBClient({ requestHandler })
        : local
          ? localClient(endpoint, { requestTimeoutMs })
          : new DynamoDBClient({ endpoint, requestHandler });
    if (!local) await checkAwsSetup(client, endpoint);
    if (endpoint !== 'aws') await reachable(endpoint, () => ensureTable(client, tableName));
    return {
      store: new DynamoStore(createDocumentClient(client), { tableName }),
      endpoint,
      tableName,
      close: async () => client.destroy(),
      reset: async (opts = {}) => {
        if (!local && !opts.allowRemote)
          throw new CliUsageError(
            `BURNWATCH_DYNAMODB_ENDPOINT=${endpoint} is not a DynamoDB on this machine, and the demo writes synthetic data into a fresh table: unset it to use DynamoDB Local, or pass --allow-remote with BURNWATCH_TABLE naming a table it may reset`,
          );
        if (!local && !io.env.BURNWATCH_TABLE)
          throw new CliUsageError(
            '--allow-remote: set BURNWATCH_TABLE to the table the demo may drop and recreate (never the default "burnwatch")',
          );
        await recreateTable(client, tableName);
      },
    };
  }
  if (!opts.quiet) io.err('Starting DynamoDB Local (set BURNWATCH_DYNAMODB_ENDPOINT to use a running one)…');
  const local = await startLocalDynamo({
    requestTimeoutMs,
    ...(opts.inMemory ? {} : { dataDir: join(io.cwd, '.burnwatch', 'dynamodb') }),
  });
  try {
    await ensureTable(local.client, tableName);
  } catch (err) {
    await local.stop();
    throw err;
  }
  return {
    store: new DynamoStore(createDocumentClient(local.client), { tableName }),
    endpoint: local.endpoint,
    tableName,
    close: () => local.stop(),
    reset: () => recreateTable(local.client, tableName),
  };
}

/**
 * A note on stderr when nothing was ever loaded into the store (no source fetched, no spend to as-of):
 * all zeros would otherwise look like a quiet year. Says which store was read and how to fill it.
 */
export function noteEmptyStore(io: CliIO, opened: OpenedStore, org: OrgBurns): void {
  const first = org.burns[0]?.report;
  if (!first || org.coverage.some((c) => c.lastFetchedAt !== null)) return;
  if (org.burns.some((b) => b.report.dataThrough !== null)) return;
  const where = io.env.BURNWATCH_DYNAMODB_ENDPOINT
    ? `table ${opened.tableName} at ${opened.endpoint}`
    : `table ${opened.tableName} in ${join(io.cwd, '.burnwatch', 'dynamodb')}`;
  io.err(
    `note: the store (${where}) has no spend from ${first.fiscalYear.start} to ${org.asOf}: load it with \`burnwatch ingest\`, or run \`npm run demo -- --persist\` in this directory for the demo's synthetic org`,
  );
}
