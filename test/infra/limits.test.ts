import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config/load.js';
import { ENV } from '../../functions/shared/lambda-config.js';
import { TABLE_ACTIONS } from '../../infra/constructs/app-function.js';
import { exampleConfig, logicalId, type Synthesized, synthBurnwatch } from './synth.js';

/** The example config with every vendor's limits configured, each admin key a secret of its own. */
function limitsConfig() {
  const base = exampleConfig();
  return parseConfig({
    ...base,
    limits: {
      dryRun: false,
      cursor: { adminSecretName: 'burnwatch/cursor-limits-admin' },
      copilot: { organization: 'acme', adminSecretName: 'burnwatch/github-billing-admin' },
      anthropic: { adminSecretName: 'burnwatch/anthropic-limits-admin' },
    },
  });
}
const ADMIN_SECRETS = {
  cursor: 'burnwatch/cursor-limits-admin',
  copilot: 'burnwatch/github-billing-admin',
  anthropic: 'burnwatch/anthropic-limits-admin',
};

type Statement = { Action: string | string[]; Resource: unknown };

/** The IAM statements attached to the role of the function with logical id `fnId`. */
function statementsOf(s: Synthesized, fnId: string): Statement[] {
  const fn = s.template.findResources('AWS::Lambda::Function')[fnId];
  if (!fn) throw new Error(`no function ${fnId}`);
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(s.template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const grants = (statements: Statement[], action: string) =>
  JSON.stringify(statements.filter((st) => [st.Action].flat().includes(action)).map((st) => st.Resource));

describe('BurnwatchGovernance with vendor limits configured', () => {
  let s: Synthesized;
  let limitsFn: string;
  let slashFn: string;

  beforeAll(() => {
    s = synthBurnwatch({ config: limitsConfig() });
    limitsFn = logicalId(s.template, 'AWS::Lambda::Function', 'BurnwatchLimitsFunction');
    slashFn = logicalId(s.template, 'AWS::Lambda::Function', 'BurnwatchSlashFunction');
  });

  it('creates each admin key as a secret of its own, readable by the limits function and no other', () => {
    const fns = Object.keys(s.template.findResources('AWS::Lambda::Function'));
    for (const [vendor, name] of Object.entries(ADMIN_SECRETS)) {
      s.template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: name });
      const secretId = logicalId(
        s.template,
        'AWS::SecretsManager::Secret',
        `BurnwatchLimitAdminSecret${vendor}`,
      );
      const readers = fns.filter((fn) =>
        grants(statementsOf(s, fn), 'secretsmanager:GetSecretValue').includes(`"${secretId}"`),
      );
      expect(readers, vendor).toEqual([limitsFn]);
    }
  });

  it('lets the slash function invoke the limits function (and tells it its name), not read the admin keys', () => {
    expect(grants(statementsOf(s, slashFn), 'lambda:InvokeFunction')).toContain(limitsFn);
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('answer Slack /burn'),
      Environment: { Variables: Match.objectLike({ [ENV.limitsFunction]: { Ref: limitsFn } }) },
    });
  });

  it('gives the limits function the table actions it needs only, the Slack bot token, and no Lambda retries', () => {
    const statements = statementsOf(s, limitsFn);
    const tableActions = statements
      .flatMap((st) => [st.Action].flat())
      .filter((a) => a.startsWith('dynamodb:'))
      .sort();
    expect([...new Set(tableActions)]).toEqual([...TABLE_ACTIONS.limits].sort());
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('apply or undo approved vendor limits'),
      Environment: {
        Variables: Match.objectLike({ [ENV.slackBotTokenSecret]: 'burnwatch/slack-bot-token' }),
      },
    });
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: limitsFn },
      MaximumRetryAttempts: 0,
    });
  });

  it('alarms on errors of the limits function, as on every other function', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: limitsFn } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(s.template, 'AWS::SNS::Topic', 'BurnwatchAlertTopic') }],
    });
  });

  it('keeps a press that failed or expired in an encrypted, TLS-only dead-letter queue that alarms on its first message', () => {
    const dlq = logicalId(s.template, 'AWS::SQS::Queue', 'BurnwatchLimitsDlq');
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('apply or undo approved vendor limits'),
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    });
    // Still not retried by Lambda: the failed press goes to the queue at once.
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: limitsFn },
      MaximumRetryAttempts: 0,
    });
    expect(s.template.findResources('AWS::SQS::Queue')[dlq]?.Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(s.template, 'AWS::SNS::Topic', 'BurnwatchAlertTopic') }],
    });
    const alarmIds = s.stack.governance.alarms.map((a) => a.node.id);
    expect(alarmIds).toEqual(expect.arrayContaining(['LimitsErrors', 'LimitsDeadLetters']));
  });

  it('finds nothing unacknowledged by cdk-nag', () => {
    const { app } = synthBurnwatch({ config: limitsConfig(), secrets: 'import' });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(
      report.violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      ),
    ).toEqual([]);
  });

  it('refuses an admin key that is also a source usage key (it would be readable by that ingest function)', () => {
    const base = exampleConfig();
    const shared = parseConfig({
      ...base,
      limits: {
        cursor: { adminSecretName: base.sources.find((x) => x.type === 'cursor')?.secretName ?? '' },
      },
    });
    expect(() => synthBurnwatch({ config: shared })).toThrow(/its own secret/);
  });
});

describe('BurnwatchGovernance without vendor limits', () => {
  it('deploys no limits function and no admin secrets', () => {
    const s = synthBurnwatch();
    expect(
      Object.keys(s.template.findResources('AWS::Lambda::Function')).filter((id) =>
        id.startsWith('BurnwatchLimits'),
      ),
    ).toEqual([]);
    expect(JSON.stringify(s.template.findResources('AWS::SecretsManager::Secret'))).not.toContain(
      'LimitAdmin',
    );
  });
});
