import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as z from 'zod';
import { parseConfigText } from '../core/config/load.js';
import type { BurnwatchConfig } from '../core/config/schema.js';

/**
 * What the CDK stack hands each Lambda, and the one place handlers read it (once per cold start).
 *
 * Environment contract (set by `AppFunction` / `BurnwatchGovernance` in infra/; never secret values):
 *
 * | variable | functions | meaning |
 * |---|---|---|
 * | `TABLE_NAME` | all | the DynamoDB table |
 * | `TOPIC_ARN` | forecast | the SNS alert topic |
 * | `BURNWATCH_CONFIG_FILE` | all | the validated config bundled beside the handler; relative paths resolve against `LAMBDA_TASK_ROOT` (default `burnwatch.config.json`) |
 * | `SLACK_BOT_TOKEN_SECRET` | forecast, slash | *name* of the Secrets Manager secret holding the Slack bot token (`xoxb-…`) |
 * | `SLACK_SIGNING_SECRET_SECRET` | slash | *name* of the Secrets Manager secret holding the Slack signing secret |
 * | `BURNWATCH_SOURCE` | ingest | the one source this ingest function pulls (the stack deploys one function per source, so each reads only its own vendor's key); unset, it ingests every enabled source or the one the event names |
 * | `BURNWATCH_IMPORT_BUCKET` | ingest, export | the stack's data bucket: import drop folders under `imports/<source id>/`, the daily FOCUS export under `focus/` |
 * | `CHART_WASM_FILE`, `CHART_FONT_FILE` | forecast | resvg's wasm and the chart font, bundled beside the handler (pass to `createPngRenderer({ wasmPath, fontPaths })`) |
 * | `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_LOG_LEVEL` | all | read by Powertools itself (see functions/shared/metrics.ts) |
 *
 * Vendor API keys: each source's `secretName` in the bundled config names its Secrets Manager secret
 * (the stack requires it for sources that need a key and grants each source's ingest Lambda read on that one).
 * Secrets are fetched at run time (e.g. Powertools `getSecret`, which caches), never put in env vars.
 */

/** File names the stack copies into the Lambda asset beside `index.mjs`. */
export const BUNDLED_FILES = {
  config: 'burnwatch.config.json',
  chartWasm: 'resvg.wasm',
  chartFont: 'DejaVuSans.ttf',
} as const;

/** Environment variable names, shared with the CDK construct so the two cannot drift. */
export const ENV = {
  tableName: 'TABLE_NAME',
  topicArn: 'TOPIC_ARN',
  configFile: 'BURNWATCH_CONFIG_FILE',
  slackBotTokenSecret: 'SLACK_BOT_TOKEN_SECRET',
  slackSigningSecretSecret: 'SLACK_SIGNING_SECRET_SECRET',
  chartWasmFile: 'CHART_WASM_FILE',
  chartFontFile: 'CHART_FONT_FILE',
  source: 'BURNWATCH_SOURCE',
  /**
   * The stack's data bucket (infra/constructs/data-exchange.ts): ingest reads `imports/`, export
   * writes `focus/`, the forecast Lambda publishes the daily report to `reports/`.
   */
  dataBucket: 'BURNWATCH_IMPORT_BUCKET',
} as const;

/** The Lambda environment is missing a variable or holds a bad value (a deployment problem, not user input). */
export class LambdaConfigError extends Error {
  override readonly name = 'LambdaConfigError';
  readonly code = 'LAMBDA_CONFIG_INVALID';
}

type Env = Readonly<Record<string, string | undefined>>;

const required = (what: string) =>
  z
    .string({ error: `is not set; it should hold ${what} (the CDK stack sets it)` })
    .min(1, `is empty; it should hold ${what}`);
const secretName = (what: string) => required(`the name of the Secrets Manager secret with ${what}`);

const commonEnv = z.object({
  [ENV.tableName]: required('the DynamoDB table name'),
  [ENV.configFile]: z.string().min(1).default(BUNDLED_FILES.config),
});

const ingestEnvSchema = commonEnv.extend({
  [ENV.source]: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a source id from the config (the CDK stack sets it)')
    .optional(),
});
const forecastEnvSchema = commonEnv.extend({
  [ENV.topicArn]: required('the SNS alert topic ARN').regex(
    /^arn:aws[a-z-]*:sns:/,
    'must be an SNS topic ARN',
  ),
  [ENV.slackBotTokenSecret]: secretName('the Slack bot token'),
  [ENV.chartWasmFile]: z.string().min(1).default(BUNDLED_FILES.chartWasm),
  [ENV.chartFontFile]: z.string().min(1).default(BUNDLED_FILES.chartFont),
  /** The data bucket the daily report is published to (`reports/`); without it nothing is published. */
  [ENV.dataBucket]: z.string().min(3).optional(),
});
const slashEnvSchema = commonEnv.extend({
  [ENV.slackSigningSecretSecret]: secretName('the Slack signing secret'),
  [ENV.slackBotTokenSecret]: secretName('the Slack bot token'),
});

const exportEnvSchema = commonEnv.extend({
  [ENV.dataBucket]: required('the name of the bucket the FOCUS export is written to'),
});

/** The export Lambda's environment; throws `LambdaConfigError` naming each bad variable. */
export function loadExportEnv(env: Env = process.env): {
  tableName: string;
  configFile: string;
  bucket: string;
} {
  const e = parseEnv(exportEnvSchema, env, 'export');
  return {
    tableName: e.TABLE_NAME,
    configFile: resolveBundledFile(e.BURNWATCH_CONFIG_FILE, env),
    bucket: e.BURNWATCH_IMPORT_BUCKET,
  };
}

interface CommonEnv {
  readonly tableName: string;
  /** Absolute path of the bundled config. */
  readonly configFile: string;
}

/** The ingest Lambda's environment. */
export interface IngestEnv extends CommonEnv {
  /** The one source this function ingests (one function per source in the stack). */
  readonly source?: string;
}

/** The forecast+alert Lambda's environment. */
export interface ForecastEnv extends CommonEnv {
  readonly topicArn: string;
  readonly slackBotTokenSecret: string;
  /** Absolute paths of the chart renderer's wasm and font. */
  readonly chartWasmFile: string;
  readonly chartFontFile: string;
  /** Where the daily report is published, if anywhere. */
  readonly reportBucket?: string;
}

/** The slash-command Lambda's environment. */
export interface SlashEnv extends CommonEnv {
  readonly slackSigningSecretSecret: string;
  readonly slackBotTokenSecret: string;
}

function parseEnv<T extends z.ZodType>(schema: T, env: Env, fn: string): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new LambdaConfigError(`the ${fn} Lambda's environment is invalid:\n${lines.join('\n')}`);
}

/** A bundled file's absolute path: relative names resolve against the Lambda task root (or the cwd locally). */
export function resolveBundledFile(path: string, env: Env = process.env): string {
  return isAbsolute(path) ? path : join(env.LAMBDA_TASK_ROOT ?? process.cwd(), path);
}

/** Reads the ingest Lambda's environment; throws `LambdaConfigError` naming each bad variable. */
export function loadIngestEnv(env: Env = process.env): IngestEnv {
  const e = parseEnv(ingestEnvSchema, env, 'ingest');
  return {
    tableName: e.TABLE_NAME,
    configFile: resolveBundledFile(e.BURNWATCH_CONFIG_FILE, env),
    ...(e.BURNWATCH_SOURCE ? { source: e.BURNWATCH_SOURCE } : {}),
  };
}

/** Reads the forecast+alert Lambda's environment; throws `LambdaConfigError` naming each bad variable. */
export function loadForecastEnv(env: Env = process.env): ForecastEnv {
  const e = parseEnv(forecastEnvSchema, env, 'forecast');
  return {
    tableName: e.TABLE_NAME,
    configFile: resolveBundledFile(e.BURNWATCH_CONFIG_FILE, env),
    topicArn: e.TOPIC_ARN,
    slackBotTokenSecret: e.SLACK_BOT_TOKEN_SECRET,
    chartWasmFile: resolveBundledFile(e.CHART_WASM_FILE, env),
    chartFontFile: resolveBundledFile(e.CHART_FONT_FILE, env),
    ...(e[ENV.dataBucket] ? { reportBucket: e[ENV.dataBucket] } : {}),
  };
}

/** Reads the slash-command Lambda's environment; throws `LambdaConfigError` naming each bad variable. */
export function loadSlashEnv(env: Env = process.env): SlashEnv {
  const e = parseEnv(slashEnvSchema, env, 'slash');
  return {
    tableName: e.TABLE_NAME,
    configFile: resolveBundledFile(e.BURNWATCH_CONFIG_FILE, env),
    slackSigningSecretSecret: e.SLACK_SIGNING_SECRET_SECRET,
    slackBotTokenSecret: e.SLACK_BOT_TOKEN_SECRET,
  };
}

/**
 * Reads and validates the burnwatch config bundled with the Lambda (the stack validated it at synth
 * time; this re-validation turns a corrupted asset into a clear init error instead of a wrong answer).
 *
 * @example
 * const env = loadIngestEnv();
 * const config = loadBundledConfig(env.configFile); // once per cold start
 */
export function loadBundledConfig(path: string, read: (path: string) => string = readUtf8): BurnwatchConfig {
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    throw new LambdaConfigError(
      `${ENV.configFile}: cannot read ${path}; the config should be bundled beside the handler by the CDK stack`,
      { cause: err },
    );
  }
  return parseConfigText(text, path);
}

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}
