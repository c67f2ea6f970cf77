import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { ENV } from '../../functions/shared/lambda-config.js';
import { METRICS_NAMESPACE } from '../../functions/shared/metrics.js';
import {
  ESM_REQUIRE_BANNER,
  LAMBDA_EXTERNAL_MODULES,
  LAMBDA_MAIN_FIELDS,
  LAMBDA_NODE_OPTIONS,
  LAMBDA_NODE_TARGET,
} from '../bundling.js';

/**
 * The item-level DynamoDB actions burnwatch's code calls, by function (see functions/adapters/dynamo/:
 * `reads.ts` BatchGetItem and Query, `dynamo-store.ts` GetItem and PutItem (also inside a transaction), `source-day-writer.ts`
 * UpdateItem and BatchWriteItem for put and delete requests alike). Nothing scans, and nothing calls
 * DeleteItem: a revised line is deleted inside a BatchWriteItem. A function gets exactly its list.
 */
export const TABLE_ACTIONS = {
  /**
   * `/burn`: team summaries (BatchGetItem) and, for what-if, a team's usage (Query); PutItem for the
   * decisions people take from Slack (plans, budget changes, acknowledgements); a budget move's two
   * sides go in one TransactWriteItems, which IAM checks as a PutItem of each. Its writes are
   * confined to {@link WRITE_LEADING_KEYS}.slash.
   */
  slash: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
  /** Forecast+alert: reads usage; PutItem for forecast snapshots, team summaries and alert state. */
  forecast: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
  /** Limits: proposals (GetItem, compare-and-set PutItem, Query to list) and the audit records (PutItem). */
  limits: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
  /** The daily FOCUS export: reads usage only. */
  export: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  /** Ingest: the crash-safe replacement of source-days (docs/storage.md). */
  ingest: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:BatchWriteItem',
  ],
} as const satisfies Record<string, readonly `dynamodb:${string}`[]>;

/**
 * Partition keys a function's table writes are confined to (`dynamodb:LeadingKeys`, StringLike
 * patterns), for the functions whose writes are narrower than the table. Built from the key builders
 * the code writes with, so the two cannot drift apart.
 */
export const WRITE_LEADING_KEYS = {
  /**
   * The internet-facing `/burn`: plans, budget changes and budget moves (`putTeamRecord(s)`,
   * `TEAM#<team>`) and the acknowledgements and snoozes on an alert's state (`putState`,
   * `STATE#<team>`); never usage lines, manifests or the org summary.
   */
  slash: [`${keys.teamPk('')}*`, `${keys.statePk('')}*`],
} as const satisfies Record<string, readonly string[]>;

/** An item-level DynamoDB action a function may be granted. */
export type TableAction = (typeof TABLE_ACTIONS)[keyof typeof TABLE_ACTIONS][number];
const READ_ONLY: ReadonlySet<string> = new Set([
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
]);

/** Props of {@link AppFunction}. */
export interface AppFunctionProps {
  /** Absolute path of the handler's TypeScript entry file (it exports `handler`). */
  readonly entry: string;
  /** `POWERTOOLS_SERVICE_NAME`: the logger's `service` key and the metrics' `service` dimension. */
  readonly serviceName: string;
  readonly description: string;
  /** @default 1024 (more memory also buys proportionally more CPU, which shortens cold starts) */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Files copied into the Lambda asset beside the bundle, as asset file name → absolute source path
   * (e.g. resvg's wasm). Config JSON goes through `bundledJson` instead.
   * @default no extra files
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  /**
   * JSON documents written into the asset beside the bundle, as asset file name → value (the validated
   * burnwatch config). A change to the value changes the asset hash, so it redeploys the function.
   * @default none
   */
  readonly bundledJson?: Readonly<Record<string, unknown>>;
  /**
   * Receives the events of asynchronous invocations (EventBridge schedules) that still failed after
   * `retryAttempts`. Synchronous callers (a Function URL) see errors directly and need none.
   * @default no dead-letter queue
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Retries of failed asynchronous invocations. @default 2 */
  readonly retryAttempts?: number;
  /** How long an asynchronous invocation may wait in Lambda's queue (throttled, retried). @default 6 hours */
  readonly maxEventAge?: Duration;
  /**
   * Concurrent executions reserved for (and the most allowed to) this function; a flood then cannot take
   * the account's concurrency from the others, and throttles instead. @default none (unreserved)
   */
  readonly reservedConcurrentExecutions?: number;
  /** X-Ray active tracing. @default true */
  readonly tracing?: boolean;
  /** Extra environment variables (never secret values: secrets are bound by name). @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The npm lockfile next to the project's node_modules (where the local esbuild is found).
   * @default the lockfile found walking up from the current directory
   */
  readonly depsLockFilePath?: string;
}

/**
 * A burnwatch Lambda: Node.js 22 on arm64, bundled locally by esbuild (minified ESM with source maps;
 * AWS SDK v3 from the runtime; never Docker), its own role (no managed policies), a log group with
 * retention, Powertools environment, optional X-Ray tracing and dead-letter queue. `bindTable`,
 * `bindTopic` and `bindSecret` set the environment variable and the least-privilege grant together,
 * so a function can never get the permission without the setting or the other way round.
 *
 * @example
 * const fn = new AppFunction(this, 'Slash', { entry, serviceName: 'burnwatch-slash', description: '/burn' });
 * fn.bindTable(table, TABLE_ACTIONS.slash);
 */
export class AppFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName} Lambda`,
    });
    this.logGroup.grantWrite(this.role);

    const copies = { ...(props.bundledFiles ?? {}), ...stageJson(props.bundledJson ?? {}) };
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      tracing: (props.tracing ?? true) ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: props.maxEventAge,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      depsLockFilePath: props.depsLockFilePath,
      environment: {
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: LAMBDA_NODE_TARGET,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        externalModules: [...LAMBDA_EXTERNAL_MODULES],
        mainFields: [...LAMBDA_MAIN_FIELDS],
        banner: ESM_REQUIRE_BANNER,
        // Not read by esbuild: it makes the asset cache key depend on the copied files, so two functions
        // with the same entry but different bundled config never share a cached bundle.
        environment: { BURNWATCH_BUNDLED_FILES: JSON.stringify(copies) },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) =>
            Object.entries(copies).map(
              ([name, from]) => `cp ${shellQuote(from)} ${shellQuote(join(outputDir, name))}`,
            ),
        },
      },
    });
  }

  /**
   * Sets `TABLE_NAME` and grants exactly these item-level actions on the table (and use of its key:
   * decrypt for a read-only list, encrypt and decrypt once any write is in it). With
   * `writeLeadingKeys` the write actions are granted only on items whose partition key matches one of
   * those patterns (`ForAllValues:StringLike` on `dynamodb:LeadingKeys`; IAM checks each item of a
   * transaction or batch against it too); reads stay on the whole table.
   */
  bindTable(
    table: dynamodb.ITable,
    actions: readonly TableAction[],
    opts: { writeLeadingKeys?: readonly string[] } = {},
  ): this {
    this.function.addEnvironment(ENV.tableName, table.tableName);
    const confined = opts.writeLeadingKeys ? actions.filter((a) => !READ_ONLY.has(a)) : ([] as TableAction[]);
    const open = actions.filter((a) => !confined.includes(a));
    if (open.length > 0) table.grant(this.role, ...open);
    if (confined.length > 0)
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: confined,
          resources: [table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...(opts.writeLeadingKeys ?? [])] },
          },
        }),
      );
    if (table.encryptionKey) {
      if (actions.every((a) => READ_ONLY.has(a))) table.encryptionKey.grantDecrypt(this.role);
      else table.encryptionKey.grantEncryptDecrypt(this.role);
    }
    return this;
  }

  /** Sets `TOPIC_ARN` and grants `sns:Publish` on this topic (and use of its KMS key). */
  bindTopic(topic: sns.ITopic): this {
    this.function.addEnvironment(ENV.topicArn, topic.topicArn);
    topic.grantPublish(this.role);
    return this;
  }

  /**
   * Sets `envName` to the secret's *name* (never its value) and grants reading that one secret.
   * Pass `envName: undefined` for secrets the function finds by name elsewhere (vendor keys named in config).
   */
  bindSecret(envName: string | undefined, secret: secretsmanager.ISecret, secretName: string): this {
    if (envName) this.function.addEnvironment(envName, secretName);
    secret.grantRead(this.role);
    return this;
  }
}

/** Writes JSON documents to a fresh temporary directory so the bundling hook can copy them into the asset. */
function stageJson(docs: Readonly<Record<string, unknown>>): Record<string, string> {
  const entries = Object.entries(docs);
  if (entries.length === 0) return {};
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-asset-'));
  return Object.fromEntries(
    entries.map(([name, value]) => {
      const path = join(dir, name);
      writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
      return [name, path];
    }),
  );
}

function shellQuote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}
