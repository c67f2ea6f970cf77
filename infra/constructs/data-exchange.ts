import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUNDLED_FILES, ENV } from '../../functions/shared/lambda-config.js';
import { AppFunction, TABLE_ACTIONS } from './app-function.js';
import { deadLetterAlarmProps } from './dead-letter-alarm.js';

/** Key prefixes of the data bucket: what the ingest reads and what the export writes. */
export const DATA_PREFIXES = { imports: 'imports/', focus: 'focus/', reports: 'reports/' } as const;

/** Props of {@link BurnwatchDataExchange}. */
export interface BurnwatchDataExchangeProps {
  readonly table: dynamodb.ITable;
  /**
   * The ingest functions of the `drop: true` import sources: each reads its own drop folder
   * (`imports/<source id>/`) and nothing else of the bucket.
   */
  readonly importReaders: ReadonlyArray<{ readonly sourceId: string; readonly fn: AppFunction }>;
  /**
   * The function that publishes the daily HTML report (the forecast+alert Lambda): it writes and
   * presigns links to `reports/` and nothing else of the bucket.
   */
  readonly reportPublisher?: AppFunction;
  /** Where the export Lambda's error and dead-letter alarms notify. */
  readonly topic: sns.ITopic;
  /** The export handler's entry file. */
  readonly entry: string;
  /** The validated config, bundled into the export Lambda as into the others. */
  readonly config: unknown;
  /**
   * `retention.personDetailMonths`: import drop files and daily reports (both name people) expire
   * this many months (counted as 31 days each) after they were written, so none outlives the
   * table's per-person lines of the same days. @default 13 (the config's default)
   */
  readonly personDetailMonths?: number;
  /** When the daily FOCUS export runs; after ingest. @default daily at 07:00 UTC */
  readonly schedule?: events.Schedule;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default logs.RetentionDays.THREE_MONTHS (AppFunction's default) */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray active tracing. @default true */
  readonly tracing?: boolean;
  readonly depsLockFilePath?: string;
}

/**
 * burnwatch's data exchange with other tools (issue 16): one S3 bucket with an import drop folder per
 * source (`imports/<source id>/`, read by the scheduled ingest of `drop: true` import sources), the
 * daily FOCUS 1.2 export (`focus/billing-period=YYYY-MM/`, written by its own Lambda for FinOps
 * tools to ingest) and the daily HTML report (`reports/`, written by the forecast Lambda and linked
 * from finance's weekly digest). Encrypted, TLS only, never public, versioned (a replaced file can be recovered),
 * with server access logs in a bucket of their own.
 */
export class BurnwatchDataExchange extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly exporter: AppFunction;
  readonly exportErrors: cloudwatch.Alarm;
  /** The first message in the export's dead-letter queue (a scheduled export that failed after retries). */
  readonly exportDeadLetters: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BurnwatchDataExchangeProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const personDetailMonths = props.personDetailMonths ?? 13;
    if (!Number.isInteger(personDetailMonths) || personDetailMonths < 1)
      throw new Error(`personDetailMonths: must be a whole number of at least 1 (got ${personDetailMonths})`);
    const personDetailDays = personDetailMonths * 31;
    const secure = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: false,
    };
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket of the data bucket; logging its own access would log into itself.',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...secure,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'data-bucket/',
      lifecycleRules: [
        { noncurrentVersionExpiration: Duration.days(90) },
        // Drop files carry user emails; reports name unallocated identities. The age counts from
        // the write (S3 knows no usage day), and a month counts as 31 days, so an object never goes
        // before the table's TTL lets go of the person lines of the day it was written.
        ...[
          ['ExpireImports', DATA_PREFIXES.imports],
          ['ExpireReports', DATA_PREFIXES.reports],
        ].map(([id, prefix]) => ({ id, prefix, expiration: Duration.days(personDetailDays) })),
      ],
    });

    // cdk-nag names a resource wildcard by the bucket's logical id: acknowledge exactly that one.
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);

    // Each drop-folder source's ingest function: list and read its own folder, nothing else.
    for (const { sourceId, fn } of props.importReaders) {
      const prefix = `${DATA_PREFIXES.imports}${sourceId}/`;
      fn.function.addEnvironment(ENV.dataBucket, this.bucket.bucketName);
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
        }),
      );
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [this.bucket.arnForObjects(`${prefix}*`)],
        }),
      );
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        reason:
          `The ${sourceId} import reads every file dropped in its own folder (${prefix}, names chosen by ` +
          'whoever drops them), and only there: GetObject on that prefix, no write, no other prefix.',
      });
    }

    if (props.reportPublisher) {
      const fn = props.reportPublisher;
      fn.function.addEnvironment(ENV.dataBucket, this.bucket.bucketName);
      // GetObject: a presigned link carries the signer's permissions, so the signer must be able to read it.
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:GetObject'],
          resources: [this.bucket.arnForObjects(`${DATA_PREFIXES.reports}*`)],
        }),
      );
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${DATA_PREFIXES.reports}*]`,
        reason:
          'The daily report is one object per day plus latest.html under reports/ (the key names the day): ' +
          'PutObject to publish it and GetObject so the presigned link in the digest can be opened, on that prefix only.',
      });
    }

    const dlq = new sqs.Queue(this, 'ExportDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the scheduled export Lambda; an alarm fires on its first message.',
    });
    this.exporter = new AppFunction(this, 'Export', {
      entry: props.entry,
      serviceName: 'burnwatch-export',
      description: 'burnwatch: write the billing period to date as FOCUS 1.2 CSV to the data bucket',
      timeout: Duration.minutes(5),
      deadLetterQueue: dlq,
      bundledJson: { [BUNDLED_FILES.config]: props.config },
      environment: { [ENV.configFile]: BUNDLED_FILES.config, [ENV.dataBucket]: this.bucket.bucketName },
      logRetention: props.logRetention,
      logRemovalPolicy: removalPolicy,
      tracing: props.tracing,
      depsLockFilePath: props.depsLockFilePath,
    });
    this.exporter.bindTable(props.table, TABLE_ACTIONS.export);
    this.exporter.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${DATA_PREFIXES.focus}*`)],
      }),
    );
    Validations.of(this.exporter.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${DATA_PREFIXES.focus}*]`,
        reason:
          'The export writes one object per billing period under focus/ (the key names the month), and ' +
          'only there: PutObject on that prefix, no read, no delete.',
      },
      ...(props.tracing === false
        ? []
        : [
            {
              id: 'AwsSolutions-IAM5[Resource::*]',
              reason:
                'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions.',
            },
          ]),
    );
    Validations.of(this.exporter.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime burnwatch is built and tested for (bundles target node22); moving to a ' +
        'newer Node.js is a deliberate, tested upgrade rather than drift.',
    });

    new events.Rule(this, 'ExportSchedule', {
      description: 'burnwatch: daily FOCUS export of the billing period to date (after ingest)',
      schedule: props.schedule ?? events.Schedule.cron({ minute: '0', hour: '7' }),
      targets: [
        new targets.LambdaFunction(this.exporter.function, {
          deadLetterQueue: dlq,
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
    this.exportErrors = new cloudwatch.Alarm(this, 'ExportErrors', {
      alarmDescription: 'burnwatch: the FOCUS export Lambda failed (see its log group)',
      metric: this.exporter.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.exportErrors.addAlarmAction(new cwActions.SnsAction(props.topic));
    this.exportDeadLetters = new cloudwatch.Alarm(
      this,
      'ExportDeadLetters',
      deadLetterAlarmProps(
        dlq,
        'burnwatch: a scheduled FOCUS export failed after retries (message in ExportDlq)',
      ),
    );
    this.exportDeadLetters.addAlarmAction(new cwActions.SnsAction(props.topic));
  }
}
