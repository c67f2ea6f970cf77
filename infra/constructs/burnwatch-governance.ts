import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { TTL_ATTRIBUTE } from '../../functions/adapters/dynamo/table.js';
import type { BurnwatchConfig, SourceConfig } from '../../functions/core/config/schema.js';
import { dailyRunFansOut } from '../../functions/core/ingest/fan-out.js';
import { limitsConfigured } from '../../functions/core/limits/proposal.js';
import { SIGNATURE_REJECTIONS } from '../../functions/core/slash/handle-request.js';
import { BUNDLED_FILES, ENV } from '../../functions/shared/lambda-config.js';
import {
  ALERT_DELIVERY_FAILURES,
  METRICS_NAMESPACE,
  SERVICE_NAMES,
  SLASH_FAILURES,
  SLASH_REJECTED_REQUESTS,
  SOURCE_DATA_AGE_HOURS,
  TEAM_FORECAST_FAILURES,
} from '../../functions/shared/metrics.js';
import { AppFunction, TABLE_ACTIONS, WRITE_LEADING_KEYS } from './app-function.js';
import { BurnwatchDataExchange } from './data-exchange.js';
import { deadLetterAlarmProps } from './dead-letter-alarm.js';
import { IngestFanOut } from './ingest-fan-out.js';

/** Whether the stack creates the Secrets Manager secrets (empty, to be filled) or uses existing ones by name. */
export type SecretsMode = 'create' | 'import';

/** Handler entry files (TypeScript; each exports `handler`). */
export interface BurnwatchEntries {
  readonly ingest: string;
  readonly forecast: string;
  readonly slash: string;
  /** The daily FOCUS export (infra/constructs/data-exchange.ts). */
  readonly export: string;
  /** Applies approved vendor limits (deployed only when `limits` configures a vendor). */
  readonly limits: string;
  /** The fan-out state machine's plan step (infra/constructs/ingest-fan-out.ts). */
  readonly fanOut: string;
}

/** Props of {@link BurnwatchGovernance}. */
export interface BurnwatchGovernanceProps {
  /**
   * The validated burnwatch config (`parseConfig`/`parseConfigText` from functions/core/config/load.ts).
   * It is bundled into every Lambda as `burnwatch.config.json`; sources, secret names and the staleness
   * threshold of the data alarms come from it.
   */
  readonly config: BurnwatchConfig;
  /** When the ingest Lambda runs, once per enabled source. @default daily at 05:00 UTC */
  readonly ingestSchedule?: events.Schedule;
  /** When the forecast+alert Lambda runs; keep it after ingest has finished. @default daily at 06:30 UTC */
  readonly forecastSchedule?: events.Schedule;
  /** Email addresses subscribed to the alert topic (each must confirm by email). @default none */
  readonly alertEmails?: readonly string[];
  /**
   * `create`: the stack creates every secret empty (fill them with `aws secretsmanager put-secret-value`);
   * `import`: the secrets already exist under the names in the config and `slackSecretNames`.
   * @default 'create'
   */
  readonly secrets?: SecretsMode;
  /**
   * Secrets Manager names of the Slack bot token and signing secret.
   * @default { botToken: 'burnwatch/slack-bot-token', signingSecret: 'burnwatch/slack-signing-secret' }
   */
  readonly slackSecretNames?: { readonly botToken: string; readonly signingSecret: string };
  /**
   * What happens to the table, the secrets it created, the KMS key and the log groups when the stack is
   * deleted. `RETAIN` also turns on the table's deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Table encryption: the AWS-owned DynamoDB key (`aws-managed`, free) or the stack's customer-managed
   * KMS key (`customer-managed`: key policy under your control, CloudTrail-visible use, per-request KMS cost).
   * @default 'aws-managed'
   */
  readonly tableEncryption?: 'aws-managed' | 'customer-managed';
  /** Retention of every function's log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Handler entry files. @default this repository's functions/{ingest,forecast,slash}/handler.ts */
  readonly entries?: Partial<BurnwatchEntries>;
  /**
   * resvg's wasm and the TrueType font the forecast Lambda renders chart PNGs with, copied into its asset.
   * @default resolved from node_modules (@resvg/resvg-wasm, dejavu-fonts-ttf)
   */
  readonly chartAssets?: { readonly wasm: string; readonly font: string };
  /**
   * Concurrent executions reserved for the slash function, which is also its ceiling: a flood of
   * requests to its public URL throttles there instead of taking the concurrency ingest and forecast
   * need. Deferred answers (its async self-invocations) share it and wait in Lambda's queue when it is
   * full. Reserving takes this many from the account's unreserved pool, which must keep 100.
   * @default 10
   */
  readonly slashReservedConcurrency?: number;
  /**
   * Requests rejected for their signature (bad, stale, missing or malformed) within 5 minutes that
   * raise the alarm. Slack itself never sends one unless the signing secret is wrong or a clock is off.
   * @default 50
   */
  readonly slashRejectionAlarmThreshold?: number;
  /** X-Ray active tracing on every function. @default true */
  readonly tracing?: boolean;
  /** The npm lockfile beside the node_modules holding esbuild. @default found from the current directory */
  readonly depsLockFilePath?: string;
}

const require = createRequire(import.meta.url);
const repoFile = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

const DEFAULT_ENTRIES: BurnwatchEntries = {
  ingest: repoFile('functions/ingest/handler.ts'),
  forecast: repoFile('functions/forecast/handler.ts'),
  slash: repoFile('functions/slash/handler.ts'),
  export: repoFile('functions/export/handler.ts'),
  limits: repoFile('functions/limits/handler.ts'),
  fanOut: repoFile('functions/fan-out/handler.ts'),
};

/** Source types that need a vendor API key from Secrets Manager (bedrock uses the Lambda's IAM role). */
export const SOURCE_TYPES_WITH_KEYS: ReadonlySet<SourceConfig['type']> = new Set([
  'anthropic',
  'openai',
  'cursor',
  'copilot',
]);

/**
 * Sources the stack schedules: enabled ones, except `import` sources with a `path`, whose file lives
 * on the machine running the CLI (load those with `burnwatch ingest --source ID`); imports with
 * `drop: true` read the stack's drop folder and are scheduled like any vendor.
 */
export function scheduledSources(config: BurnwatchConfig): SourceConfig[] {
  return config.sources.filter((s) => s.enabled && (s.type !== 'import' || s.drop === true));
}

/**
 * Everything burnwatch needs in one AWS account: the DynamoDB table, the ingest / forecast+alert /
 * slash-command Lambdas with their schedules and Function URL, the KMS-encrypted SNS alert topic, the
 * Secrets Manager secrets, dead-letter queues and CloudWatch alarms. Embed it in any CDK stack.
 *
 * @example
 * const config = parseConfigText(readFileSync('burnwatch.config.json', 'utf8'), 'burnwatch.config.json');
 * new BurnwatchGovernance(stack, 'Burnwatch', { config, alertEmails: ['finops@example.com'] });
 */
export class BurnwatchGovernance extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  /**
   * One ingest function per scheduled source (source id → function), each with its own role: a
   * vendor's key is readable only by the function that pulls that vendor.
   */
  readonly ingest: ReadonlyMap<string, AppFunction>;
  readonly forecast: AppFunction;
  readonly slash: AppFunction;
  readonly slashUrl: lambda.FunctionUrl;
  /**
   * Applies approved vendor limits (issue 19); the only function that can read the admin keys.
   * Absent when the config's `limits` names no vendor.
   */
  readonly limits?: AppFunction;
  /** The import drop folders and the daily FOCUS export (issue 16). */
  readonly dataExchange: BurnwatchDataExchange;
  /** Backfills and a big org's daily ingest on Step Functions (issue 14). */
  readonly fanOut: IngestFanOut;
  /** Every alarm the construct created (each notifies the topic). */
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: BurnwatchGovernanceProps) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const entries = { ...DEFAULT_ENTRIES, ...props.entries };
    const slackNames = props.slackSecretNames ?? {
      botToken: 'burnwatch/slack-bot-token',
      signingSecret: 'burnwatch/slack-signing-secret',
    };
    const secretsMode = props.secrets ?? 'create';
    const sources = scheduledSources(config);
    const slashConcurrency = props.slashReservedConcurrency ?? 10;
    if (!Number.isInteger(slashConcurrency) || slashConcurrency < 1)
      throw new Error(
        `slashReservedConcurrency: must be a whole number of at least 1 (got ${slashConcurrency}); 10 is plenty for /burn`,
      );
    const rejectionThreshold = props.slashRejectionAlarmThreshold ?? 50;
    if (!Number.isInteger(rejectionThreshold) || rejectionThreshold < 1)
      throw new Error(
        `slashRejectionAlarmThreshold: must be a whole number of at least 1 (got ${rejectionThreshold}) rejected requests per 5 minutes`,
      );

    this.key = new kms.Key(this, 'Key', {
      description:
        'burnwatch: encrypts the alert topic (and the table when tableEncryption is customer-managed)',
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch alarms publish to the encrypted topic; the AWS-managed SNS key cannot grant them that.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, "*" means this key
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Per-person lines and digests carry an expiry (retention.personDetailMonths); team totals never do.
      timeToLiveAttribute: TTL_ATTRIBUTE,
      ...(props.tableEncryption === 'customer-managed'
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.key }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });

    this.topic = new sns.Topic(this, 'AlertTopic', {
      displayName: `burnwatch alerts (${config.organization.name})`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // enforceSSL writes a topic policy, and a topic policy replaces SNS's default one (which let the
    // account's own sources, alarms among them, publish): allow this account's alarms in this region
    // again, and nothing else (AWS knowledge center "cloudwatch-receive-sns-for-alarm-trigger").
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
          },
        },
      }),
    );
    for (const email of props.alertEmails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    const secret = (idPrefix: string, name: string, description: string): secretsmanager.ISecret => {
      if (secretsMode === 'import') return secretsmanager.Secret.fromSecretNameV2(this, idPrefix, name);
      const created = new secretsmanager.Secret(this, idPrefix, {
        secretName: name,
        description,
        removalPolicy,
      });
      // Created empty: a generated placeholder would look like a real key; an empty secret fails clearly.
      (created.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride(
        'GenerateSecretString',
      );
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Holds a key issued by a vendor or Slack, which only that vendor can rotate (in its console); ' +
          'rotate there, then put-secret-value (docs/deploy.md). A rotation Lambda could not mint a new key.',
      });
      return created;
    };
    const slackBotToken = secret('SlackBotToken', slackNames.botToken, 'burnwatch: Slack bot token (xoxb-…)');
    const slackSigningSecret = secret(
      'SlackSigningSecret',
      slackNames.signingSecret,
      'burnwatch: Slack app signing secret (verifies /burn requests)',
    );
    const vendorSecrets = new Map<string, secretsmanager.ISecret>();
    for (const source of sources) {
      if (!source.secretName || vendorSecrets.has(source.secretName)) continue;
      vendorSecrets.set(
        source.secretName,
        secret(
          `SourceSecret-${source.id}`,
          source.secretName,
          `burnwatch: ${source.type} API key (source ${source.id})`,
        ),
      );
    }

    const common = {
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      logRemovalPolicy: removalPolicy,
      bundledJson: { [BUNDLED_FILES.config]: config },
      environment: { [ENV.configFile]: BUNDLED_FILES.config },
      tracing: props.tracing,
      depsLockFilePath: props.depsLockFilePath,
    };
    const scheduledDlq =
      'This queue is itself the dead-letter queue of a scheduled Lambda (failed async invocations and ' +
      'undeliverable EventBridge events); an alarm fires on its first message.';
    const ingestDlq = this.deadLetterQueue('IngestDlq', scheduledDlq);
    const forecastDlq = this.deadLetterQueue('ForecastDlq', scheduledDlq);

    const ingest = new Map<string, AppFunction>();
    for (const source of sources) {
      const fn = new AppFunction(this, `Ingest-${source.id}`, {
        ...common,
        entry: entries.ingest,
        serviceName: SERVICE_NAMES.ingest,
        description: `burnwatch: pull source ${source.id} (${source.type}) into DynamoDB (event {from?, to?})`,
        // Backfilling a fiscal year from a slow vendor API takes minutes; the daily trailing window far less.
        timeout: Duration.minutes(15),
        deadLetterQueue: ingestDlq,
        environment: { ...common.environment, [ENV.source]: source.id },
      });
      fn.bindTable(this.table, TABLE_ACTIONS.ingest);
      const secretOfSource = source.secretName ? vendorSecrets.get(source.secretName) : undefined;
      if (source.secretName && secretOfSource) fn.bindSecret(undefined, secretOfSource, source.secretName);
      if (source.type === 'bedrock') {
        fn.role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['ce:GetCostAndUsage'], resources: ['*'] }),
        );
      }
      ingest.set(source.id, fn);
    }
    this.ingest = ingest;

    this.forecast = new AppFunction(this, 'Forecast', {
      ...common,
      entry: entries.forecast,
      serviceName: SERVICE_NAMES.forecast,
      description: 'burnwatch: forecast every team, store snapshots, send alerts and the weekly digest',
      timeout: Duration.minutes(5),
      deadLetterQueue: forecastDlq,
      // One invocation at a time: the alert ledger's run id is the as-of day, so a second invocation
      // of the same day is always a retry of the first, never a concurrent sender (docs/deploy.md).
      reservedConcurrentExecutions: 1,
      bundledFiles: {
        [BUNDLED_FILES.chartWasm]:
          props.chartAssets?.wasm ?? require.resolve('@resvg/resvg-wasm/index_bg.wasm'),
        [BUNDLED_FILES.chartFont]:
          props.chartAssets?.font ?? require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
      },
      environment: {
        ...common.environment,
        [ENV.chartWasmFile]: BUNDLED_FILES.chartWasm,
        [ENV.chartFontFile]: BUNDLED_FILES.chartFont,
      },
    });
    this.forecast.bindTable(this.table, TABLE_ACTIONS.forecast);
    this.forecast.bindTopic(this.topic);
    this.forecast.bindSecret(ENV.slackBotTokenSecret, slackBotToken, slackNames.botToken);

    this.slash = new AppFunction(this, 'Slash', {
      ...common,
      entry: entries.slash,
      serviceName: SERVICE_NAMES.slash,
      description: 'burnwatch: answer Slack /burn (reads pre-aggregated team summaries only)',
      // Slack gives up after 3 s, which the handler keeps to by deferring; a deferred answer (its own
      // async invocation) has until this timeout to reach response_url.
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: slashConcurrency,
      // A deferred answer is not retried (a second attempt could post twice). It may wait in the queue
      // (a throttled flood) while its response_url still takes answers: 30 minutes from Slack's
      // timestamp, of which the front door may have used 5 (DEFERRED_MAX_AGE_SECONDS).
      retryAttempts: 0,
      maxEventAge: Duration.minutes(25),
    });
    // Internet-facing: its PutItem reaches only the partitions its decisions write.
    this.slash.bindTable(this.table, TABLE_ACTIONS.slash, { writeLeadingKeys: WRITE_LEADING_KEYS.slash });
    this.slash.bindSecret(ENV.slackSigningSecretSecret, slackSigningSecret, slackNames.signingSecret);
    // User-group membership decides who may see which team.
    this.slash.bindSecret(ENV.slackBotTokenSecret, slackBotToken, slackNames.botToken);
    // Deferring = invoking itself asynchronously. A separate policy, not the role's default one: the
    // function depends on its default policy, so granting its own ARN there would be a cycle.
    new iam.Policy(this, 'SlashSelfInvoke', {
      roles: [this.slash.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.slash.function.functionArn],
        }),
      ],
    });

    // Issue 19: the admin keys that change limits are secrets of their own, readable by this one
    // function; the slash function only checks who pressed and hands the press on.
    const limitSecrets = new Map<string, secretsmanager.ISecret>();
    if (limitsConfigured(config.limits)) {
      for (const vendor of ['cursor', 'copilot', 'anthropic'] as const) {
        const name = config.limits[vendor]?.adminSecretName;
        if (name && vendorSecrets.has(name))
          throw new Error(
            `limits.${vendor}.adminSecretName: "${name}" is also a source's usage key; give the admin key its own secret so only the limits function can read it`,
          );
        if (!name || limitSecrets.has(name)) continue;
        limitSecrets.set(
          name,
          secret(`LimitAdminSecret-${vendor}`, name, `burnwatch: ${vendor} admin key that changes limits`),
        );
      }
      const limitsFn = new AppFunction(this, 'Limits', {
        ...common,
        entry: entries.limits,
        serviceName: SERVICE_NAMES.limits,
        description:
          'burnwatch: apply or undo approved vendor limits (the only function with the admin keys)',
        timeout: Duration.minutes(5),
        // Not retried by Lambda: an approver sees the result in Slack and presses again, which
        // completes only what is left (the record is written limit by limit).
        retryAttempts: 0,
        maxEventAge: Duration.minutes(15),
        // A press that failed, or waited past maxEventAge, lands here (and alarms) instead of vanishing.
        deadLetterQueue: this.deadLetterQueue(
          'LimitsDlq',
          'This queue is itself the dead-letter queue of the limits Lambda (an approved Approve or Undo ' +
            'press that failed or expired in its async queue); an alarm fires on its first message.',
        ),
      });
      limitsFn.bindTable(this.table, TABLE_ACTIONS.limits);
      // chat.update of the proposal, and user groups for who may see names.
      limitsFn.bindSecret(ENV.slackBotTokenSecret, slackBotToken, slackNames.botToken);
      for (const [name, adminSecret] of limitSecrets) limitsFn.bindSecret(undefined, adminSecret, name);
      this.slash.function.addEnvironment(ENV.limitsFunction, limitsFn.function.functionName);
      new iam.Policy(this, 'SlashInvokesLimits', {
        roles: [this.slash.role],
        statements: [
          new iam.PolicyStatement({
            actions: ['lambda:InvokeFunction'],
            resources: [limitsFn.function.functionArn],
          }),
        ],
      });
      this.limits = limitsFn;
    }

    // Slack cannot sign with AWS credentials; the handler verifies Slack's HMAC signature on every request.
    this.slashUrl = this.slash.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    const ingestSchedule = props.ingestSchedule ?? events.Schedule.cron({ minute: '0', hour: '5' });
    this.fanOut = new IngestFanOut(this, 'IngestFanOut', {
      config,
      sources,
      ingest,
      planEntry: entries.fanOut,
      removalPolicy,
      logRetention: common.logRetention,
      tracing: props.tracing,
      depsLockFilePath: props.depsLockFilePath,
      alarm: (alarmId, alarmProps) => this.alarm(alarmId, alarmProps),
    });
    // Above the configured headcount the daily run is one execution (each source's chunk retried by
    // the state machine, its failures alarmed); below it each source's Lambda runs on its own rule.
    const fansOut = dailyRunFansOut(config);
    if (fansOut && sources.length > 0)
      new events.Rule(this, 'IngestScheduleFanOut', {
        description: 'burnwatch: daily ingest of every source on the fan-out state machine',
        schedule: ingestSchedule,
        targets: [
          new targets.SfnStateMachine(this.fanOut.stateMachine, {
            input: events.RuleTargetInput.fromObject({}),
            deadLetterQueue: ingestDlq,
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
          }),
        ],
      });
    for (const source of fansOut ? [] : sources) {
      const fn = ingest.get(source.id);
      if (!fn) continue;
      new events.Rule(this, `IngestSchedule-${source.id}`, {
        description: `burnwatch: daily ingest of source ${source.id}`,
        schedule: ingestSchedule,
        targets: [
          new targets.LambdaFunction(fn.function, {
            event: events.RuleTargetInput.fromObject({ source: source.id }),
            deadLetterQueue: ingestDlq,
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
          }),
        ],
      });
    }
    if (sources.length === 0) {
      Annotations.of(this).addWarningV2(
        'burnwatch:no-sources',
        'the config has no enabled non-import sources, so nothing is ingested on a schedule',
      );
    }
    new events.Rule(this, 'ForecastSchedule', {
      description: 'burnwatch: daily forecast and alerts (after ingest)',
      schedule: props.forecastSchedule ?? events.Schedule.cron({ minute: '30', hour: '6' }),
      targets: [
        new targets.LambdaFunction(this.forecast.function, {
          deadLetterQueue: forecastDlq,
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    this.addAlarms(sources, config.alerts.staleAfterHours, { ingestDlq, forecastDlq });
    this.addSlashAlarms(rejectionThreshold);
    // Issue 16: the data bucket (import drop folders, FOCUS export) and the export Lambda, in their
    // own construct; it grants each drop-folder source's ingest function read on its own folder only.
    this.dataExchange = new BurnwatchDataExchange(this, 'DataExchange', {
      table: this.table,
      importReaders: config.sources.flatMap((s) => {
        const fn = s.type === 'import' && s.drop === true ? this.ingest.get(s.id) : undefined;
        return fn ? [{ sourceId: s.id, fn }] : [];
      }),
      reportPublisher: this.forecast,
      topic: this.topic,
      entry: entries.export,
      config,
      personDetailMonths: config.retention.personDetailMonths,
      removalPolicy,
      logRetention: common.logRetention,
      tracing: props.tracing,
      depsLockFilePath: props.depsLockFilePath,
    });
    // Created (and wired to the topic) inside the data exchange; listed here with every other alarm.
    this.alarms.push(this.dataExchange.exportErrors, this.dataExchange.exportDeadLetters);
    this.suppressExpectedFindings(
      sources,
      secretsMode,
      slackNames,
      props.tracing ?? true,
      props.tableEncryption === 'customer-managed',
      [...limitSecrets.keys()],
    );
  }

  /** An encrypted, TLS-only queue kept 14 days; `reason` says whose dead-letter queue it is (for cdk-nag). */
  private deadLetterQueue(id: string, reason: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
    return queue;
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, props);
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }

  private addAlarms(
    sources: readonly SourceConfig[],
    staleAfterHours: number,
    dlqs: { ingestDlq: sqs.Queue; forecastDlq: sqs.Queue },
  ): void {
    const functions: Array<[string, string, AppFunction]> = [
      ...[...this.ingest].map(([id, fn]): [string, string, AppFunction] => [
        `IngestErrors-${id}`,
        `ingest Lambda of source ${id}`,
        fn,
      ]),
      ['ForecastErrors', 'forecast Lambda', this.forecast],
      ['SlashErrors', 'slash Lambda', this.slash],
      ...(this.limits
        ? [
            ['LimitsErrors', 'limits Lambda (an approved limit press)', this.limits] as [
              string,
              string,
              AppFunction,
            ],
          ]
        : []),
    ];
    for (const [id, what, fn] of functions) {
      this.alarm(id, {
        alarmDescription: `burnwatch: the ${what} failed (see its log group)`,
        metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    const limitsDlq = this.limits?.function.deadLetterQueue;
    for (const [name, queue, what] of [
      ['Ingest', dlqs.ingestDlq, 'a scheduled ingest run failed after retries'],
      ['Forecast', dlqs.forecastDlq, 'a scheduled forecast run failed after retries'],
      ...(limitsDlq
        ? [['Limits', limitsDlq, 'an approved limit press failed or expired unapplied'] as const]
        : []),
    ] as const) {
      this.alarm(
        `${name}DeadLetters`,
        deadLetterAlarmProps(queue, `burnwatch: ${what} (message in ${name}Dlq)`),
      );
    }
    // The age metric arrives once a day, so alarm on "every period of the window breaching" with
    // missing periods counted as breaching: one fresh value anywhere in the window keeps it OK, and a
    // source that stops reporting altogether alarms once the window has passed.
    const window = staleWindow(staleAfterHours);
    for (const source of sources) {
      this.alarm(`StaleData-${source.id}`, {
        alarmDescription: `burnwatch: source ${source.id} has had no new data for ${staleAfterHours} h (or has not reported)`,
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: SOURCE_DATA_AGE_HOURS.name,
          dimensionsMap: { service: SERVICE_NAMES.ingest, [SOURCE_DATA_AGE_HOURS.dimension]: source.id },
          statistic: 'Minimum',
          period: Duration.hours(window.periodHours),
        }),
        threshold: staleAfterHours,
        evaluationPeriods: window.periods,
        datapointsToAlarm: window.periods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }
    // Counts the forecast Lambda emits each run (0 on a clean one): any in the period is worth telling.
    for (const [name, what, period] of [
      [
        ALERT_DELIVERY_FAILURES.name,
        'an alert could not be delivered to Slack or SNS (see the forecast log group)',
        Duration.hours(1),
      ],
      [
        TEAM_FORECAST_FAILURES.name,
        "a team's forecast failed (its outlook is the trailing run-rate and its budget alert is held; see the forecast log group's run problems)",
        Duration.days(1),
      ],
    ] as const) {
      this.alarm(name, {
        alarmDescription: `burnwatch: ${what}`,
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: name,
          dimensionsMap: { service: SERVICE_NAMES.forecast },
          statistic: 'Sum',
          period,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }

  /** `/burn` under flood: throttles, the rate of bad signatures, and any internal failure. */
  private addSlashAlarms(rejectionThreshold: number): void {
    const period = Duration.minutes(5);
    this.alarm('SlashThrottles', {
      alarmDescription:
        "burnwatch: /burn requests were throttled at the slash function's reserved concurrency (a flood, or raise slashReservedConcurrency)",
      metric: this.slash.function.metricThrottles({ period, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // One metric per reason (SLASH_REJECTED_REQUESTS); the alarm sums the signature reasons.
    const usingMetrics = Object.fromEntries(
      SIGNATURE_REJECTIONS.map((reason, i) => [
        `r${i}`,
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: SLASH_REJECTED_REQUESTS.name,
          dimensionsMap: { service: SERVICE_NAMES.slash, [SLASH_REJECTED_REQUESTS.dimension]: reason },
          statistic: 'Sum',
          period,
        }),
      ]),
    );
    this.alarm('SlashRejectedSignatures', {
      alarmDescription: `burnwatch: ${rejectionThreshold} or more /burn requests in 5 minutes failed Slack's signature check (a flood, a wrong signing secret or a clock off)`,
      metric: new cloudwatch.MathExpression({
        expression: Object.keys(usingMetrics)
          .map((k) => `FILL(${k}, 0)`)
          .join(' + '),
        usingMetrics,
        period,
        label: 'requests rejected for their signature',
      }),
      threshold: rejectionThreshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm('SlashFailures', {
      alarmDescription:
        'burnwatch: /burn could not answer (Secrets Manager, DynamoDB, the deferral or response_url failed; see the slash log group)',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: SLASH_FAILURES.name,
        dimensionsMap: { service: SERVICE_NAMES.slash },
        statistic: 'Sum',
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** cdk-nag findings that are deliberate here, each acknowledged on the one resource with the reason. */
  private suppressExpectedFindings(
    sources: readonly SourceConfig[],
    secretsMode: SecretsMode,
    slackNames: { botToken: string; signingSecret: string },
    tracing: boolean,
    tableCmk: boolean,
    limitSecretNames: readonly string[],
  ): void {
    const imported = (names: readonly string[]) => (secretsMode === 'import' ? [...new Set(names)] : []);
    const functions = [
      ...sources.flatMap((s) => {
        const fn = this.ingest.get(s.id);
        return fn
          ? [{ fn, ce: s.type === 'bedrock', secrets: imported(s.secretName ? [s.secretName] : []) }]
          : [];
      }),
      { fn: this.forecast, ce: false, secrets: imported([slackNames.botToken]) },
      { fn: this.slash, ce: false, secrets: imported([slackNames.botToken, slackNames.signingSecret]) },
      ...(this.limits
        ? [{ fn: this.limits, ce: false, secrets: imported([slackNames.botToken, ...limitSecretNames]) }]
        : []),
    ];
    for (const { fn, ce, secrets } of functions) {
      const acks: { id: string; reason: string }[] = [];
      const starActions = [
        ...(tracing ? ['X-Ray PutTraceSegments/PutTelemetryRecords (active tracing)'] : []),
        ...(ce ? ['Cost Explorer GetCostAndUsage (bedrock sources)'] : []),
      ];
      if (starActions.length > 0) {
        acks.push({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${starActions.join(' and ')} support no resource-level permissions, so AWS requires "*".`,
        });
      }
      // Every function writes the table now (slash: the decisions taken in Slack) except the export.
      const writesCmkTable = tableCmk && fn !== this.dataExchange.exporter;
      if (fn === this.forecast || writesCmkTable) {
        acks.push({
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            'Granted on the one stack key only: publishing to the encrypted alert topic (forecast) and writing ' +
            'the table under a customer-managed key need data keys (GenerateDataKey, ...WithoutPlaintext).',
        });
      }
      if (writesCmkTable) {
        acks.push({
          id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason:
            'Granted on the one stack key only, as CDK grants table writers of a customer-managed-key table ' +
            '(ReEncryptFrom/ReEncryptTo on that key; no other key is reachable).',
        });
      }
      for (const name of secrets) {
        acks.push({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${name}-??????]`,
          reason:
            `Secret "${name}" is imported by name: Secrets Manager appends a random 6-character suffix to ` +
            'the ARN, so a by-name grant must end in -?????? (it matches that one name only).',
        });
      }
      if (acks.length > 0) Validations.of(fn.role).acknowledge(...acks);
      Validations.of(fn.function).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime burnwatch is built and tested for (bundles target node22); moving to a ' +
          'newer Node.js is a deliberate, tested upgrade rather than drift.',
      });
    }
  }
}

/**
 * Alarm window for a staleness threshold: hourly periods where possible (CloudWatch allows at most 7 days
 * of evaluation for periods of an hour or more), longer periods for thresholds past a week.
 */
export function staleWindow(staleAfterHours: number): { periodHours: number; periods: number } {
  const maxPeriods = 7 * 24;
  const periodHours = Math.ceil(staleAfterHours / maxPeriods);
  return { periodHours, periods: Math.ceil(staleAfterHours / periodHours) };
}
