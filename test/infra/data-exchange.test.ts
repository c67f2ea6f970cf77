import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config/load.js';
import { exampleConfig, type Synthesized, synthBurnwatch } from './synth.js';

const stringOf = (v: unknown) => JSON.stringify(v);

describe('BurnwatchDataExchange: the import drop folder and the daily FOCUS export (issue 16)', () => {
  let s: Synthesized;
  beforeAll(() => {
    const example = exampleConfig();
    // The example config with its drop-folder import (disabled there) enabled.
    const config = parseConfig({
      ...example,
      sources: example.sources.map((src) => (src.id === 'gemini' ? { ...src, enabled: true } : src)),
    });
    s = synthBurnwatch({ config });
  });

  it('keeps the data in a private, encrypted, TLS-only, versioned bucket with access logs', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^BurnwatchDataExchangeAccessLogs') },
        LogFilePrefix: 'data-bucket/',
      },
    });
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^BurnwatchDataExchangeBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('expires import drop files and daily reports (both name people) retention.personDetailMonths × 31 days after they were written', () => {
    const bucket = Object.entries(s.template.findResources('AWS::S3::Bucket')).find(([id]) =>
      /^BurnwatchDataExchangeBucket[0-9A-F]{8}$/.test(id),
    )?.[1];
    // The example config keeps person detail the default 13 months.
    expect(bucket?.Properties.LifecycleConfiguration.Rules).toEqual([
      { NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' },
      { Id: 'ExpireImports', Prefix: 'imports/', ExpirationInDays: 13 * 31, Status: 'Enabled' },
      { Id: 'ExpireReports', Prefix: 'reports/', ExpirationInDays: 13 * 31, Status: 'Enabled' },
    ]);
    const shorter = synthBurnwatch({
      config: parseConfig({ ...exampleConfig(), retention: { personDetailMonths: 6 } }),
    });
    shorter.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'imports/', ExpirationInDays: 186 }),
          Match.objectLike({ Prefix: 'reports/', ExpirationInDays: 186 }),
        ]),
      },
    });
  });

  it("lets only the drop-folder source's ingest function list and read its own imports/<id>/ folder, and tells it the bucket", () => {
    const fns = s.template.findResources('AWS::Lambda::Function');
    const withBucket = Object.values(fns)
      .map((fn) => fn.Properties.Environment?.Variables ?? {})
      .filter((v) => v.BURNWATCH_IMPORT_BUCKET && v.POWERTOOLS_SERVICE_NAME === 'burnwatch-ingest');
    expect(withBucket.map((v) => v.BURNWATCH_SOURCE)).toEqual(['gemini']);
    const s3Statements = Object.values(s.template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>)
        .filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')))
        .map((st) => ({ roles: p.Properties.Roles, st })),
    );
    const ingestS3 = s3Statements.filter(({ roles }) => JSON.stringify(roles).includes('Ingest'));
    expect(new Set(ingestS3.map(({ roles }) => JSON.stringify(roles))).size).toBe(1);
    expect(ingestS3.map(({ st }) => st)).toEqual([
      expect.objectContaining({
        Action: 's3:ListBucket',
        Condition: { StringLike: { 's3:prefix': ['imports/gemini/*'] } },
      }),
      expect.objectContaining({
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': [
            '',
            [
              { 'Fn::GetAtt': [expect.stringMatching(/^BurnwatchDataExchangeBucket/), 'Arn'] },
              '/imports/gemini/*',
            ],
          ],
        },
      }),
    ]);
  });

  it('lets the export Lambda put objects under focus/ and read the table, nothing more of the bucket', () => {
    const policies = s.template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^BurnwatchDataExchangeExportRole') }] },
    });
    const text = stringOf(policies);
    expect(text).toContain('"Action":"s3:PutObject"');
    expect(text).toContain('/focus/*');
    expect(text).not.toMatch(/s3:GetObject|s3:DeleteObject|s3:\*|imports\//);
    expect(text).not.toMatch(/dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)/);
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'burnwatch-export',
          BURNWATCH_IMPORT_BUCKET: { Ref: Match.stringLikeRegexp('^BurnwatchDataExchangeBucket') },
          TABLE_NAME: { Ref: Match.stringLikeRegexp('^BurnwatchTable') },
        }),
      },
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BurnwatchDataExchangeExportDlq'), 'Arn'] },
      },
    });
  });

  it('lets the forecast Lambda publish the daily report under reports/ (put, and read for the presigned link), nothing more of the bucket', () => {
    const policies = s.template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^BurnwatchForecastRole') }] },
    });
    const s3Statements = Object.values(policies).flatMap((p) =>
      (
        p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>
      ).filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:'))),
    );
    expect(s3Statements).toEqual([
      expect.objectContaining({
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: {
          'Fn::Join': [
            '',
            [{ 'Fn::GetAtt': [expect.stringMatching(/^BurnwatchDataExchangeBucket/), 'Arn'] }, '/reports/*'],
          ],
        },
      }),
    ]);
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'burnwatch-forecast',
          BURNWATCH_IMPORT_BUCKET: { Ref: Match.stringLikeRegexp('^BurnwatchDataExchangeBucket') },
        }),
      },
    });
  });

  it('runs the export daily at 07:00 UTC, after ingest, with retries into its dead-letter queue and an error alarm', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 7 * * ? *)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BurnwatchDataExchangeExportFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
        }),
      ],
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [
        {
          Name: 'FunctionName',
          Value: { Ref: Match.stringLikeRegexp('^BurnwatchDataExchangeExportFunction') },
        },
      ],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^BurnwatchAlertTopic') }],
    });
  });

  it('alarms on the first message in the export dead-letter queue, and counts both export alarms among the construct’s', () => {
    const dlq = Object.keys(s.template.findResources('AWS::SQS::Queue')).filter((id) =>
      id.startsWith('BurnwatchDataExchangeExportDlq'),
    );
    expect(dlq).toHaveLength(1);
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq[0], 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^BurnwatchAlertTopic') }],
    });
    const g = s.stack.governance;
    expect(g.alarms).toContain(g.dataExchange.exportErrors);
    expect(g.alarms).toContain(g.dataExchange.exportDeadLetters);
  });

  it('schedules an import source with drop: true like any vendor', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 5 * * ? *)',
      Targets: [Match.objectLike({ Input: JSON.stringify({ source: 'gemini' }) })],
    });
  });
});
