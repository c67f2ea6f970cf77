import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { BurnwatchGovernance, type BurnwatchGovernanceProps } from '../constructs/burnwatch-governance.js';

/** Props of {@link BurnwatchStack}: the construct's props plus the usual stack props. */
export interface BurnwatchStackProps extends StackProps {
  readonly governance: BurnwatchGovernanceProps;
}

/** The deployable burnwatch stack: one {@link BurnwatchGovernance} and the outputs a deployer needs next. */
export class BurnwatchStack extends Stack {
  readonly governance: BurnwatchGovernance;

  constructor(scope: Construct, id: string, props: BurnwatchStackProps) {
    super(scope, id, props);
    this.governance = new BurnwatchGovernance(this, 'Burnwatch', props.governance);
    const g = this.governance;
    new CfnOutput(this, 'SlashCommandUrl', {
      value: g.slashUrl.url,
      description: 'Request URL of the /burn slash command (slack-app-manifest.yaml)',
    });
    new CfnOutput(this, 'TableName', { value: g.table.tableName });
    new CfnOutput(this, 'AlertTopicArn', { value: g.topic.topicArn });
    // `source=function-name` pairs, space-separated (one ingest function per source): easy to loop over in a shell.
    new CfnOutput(this, 'IngestFunctions', {
      value:
        g.ingest.size === 0
          ? 'none'
          : Fn.join(
              ' ',
              [...g.ingest].map(([source, fn]) => Fn.join('=', [source, fn.function.functionName])),
            ),
      description:
        'source=function pairs; invoke one with {"from":"YYYY-MM-DD","to":"YYYY-MM-DD"} to backfill it',
    });
    new CfnOutput(this, 'ForecastFunctionName', { value: g.forecast.function.functionName });
    new CfnOutput(this, 'IngestFanOutStateMachineArn', {
      value: g.fanOut.stateMachine.stateMachineArn,
      description:
        'Start with {"from":"YYYY-MM-DD","to":"YYYY-MM-DD"} to backfill every source in chunks (docs/deploy.md, Scale)',
    });
    new CfnOutput(this, 'ImportBucketName', {
      value: g.dataExchange.bucket.bucketName,
      description:
        'Drop import files under imports/<source id>/ (sources with drop: true); the FOCUS export is under focus/',
    });
  }
}
