import { type CfnElement, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { BurnwatchConfig, SourceConfig } from '../../functions/core/config/schema.js';
import { CHUNK_RETRY, chunksInFlight } from '../../functions/core/ingest/fan-out.js';
import { BUNDLED_FILES, ENV } from '../../functions/shared/lambda-config.js';
import { AppFunction } from './app-function.js';

/** Props of {@link IngestFanOut}. */
export interface IngestFanOutProps {
  readonly config: BurnwatchConfig;
  /** The scheduled sources, in config order, each with its own ingest function (the chunk handler). */
  readonly sources: readonly SourceConfig[];
  readonly ingest: ReadonlyMap<string, AppFunction>;
  /** The plan step's handler entry (functions/fan-out/handler.ts). */
  readonly planEntry: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly tracing?: boolean;
  readonly depsLockFilePath?: string;
  /** Creates an alarm that notifies the alert topic (the governance construct's own helper). */
  readonly alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;
}

/**
 * Backfills and a big organisation's daily ingest, fanned out (issue 14): one Parallel branch per
 * source, so a failing vendor never holds up another (each branch catches its own failure, and the
 * execution fails after all of them, naming the failed sources); in each, a plan step cuts the window into
 * `ingest.chunkDays` chunks and a Distributed Map runs them through the source's own ingest function
 * (its vendor key only) at most `chunksInFlight(source)` at a time, the vendor's rate limit. Each chunk
 * is idempotent (the crash-safe replacement) and carries the execution's start (or the input's earlier
 * `resumeSince`), so a retry, or a new execution resuming since a failed one, skips the days already
 * delivered; a chunk that still fails is a hole the next run fills.
 *
 * Start it with `{}` (the daily run: what each source has due) or `{"from":"YYYY-MM-DD","to":"…"}`,
 * plus `"resumeSince"` (a failed execution's start) to run again only what that one did not deliver.
 */
export class IngestFanOut extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly plan: AppFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestFanOutProps) {
    super(scope, id);
    this.plan = new AppFunction(this, 'Plan', {
      entry: props.planEntry,
      serviceName: 'burnwatch-fan-out',
      description: 'burnwatch: cut a source ingest window into chunks for the fan-out state machine',
      memorySize: 256,
      logRetention: props.logRetention,
      logRemovalPolicy: props.removalPolicy,
      bundledJson: { [BUNDLED_FILES.config]: props.config },
      environment: { [ENV.configFile]: BUNDLED_FILES.config },
      tracing: props.tracing,
      depsLockFilePath: props.depsLockFilePath,
      // Invoked synchronously by the state machine, which retries it: no async retries.
      retryAttempts: 0,
    });

    // The execution's input and start, side by side, for every branch.
    const stamp = new sfn.Pass(this, 'Stamp', {
      parameters: { 'input.$': '$', 'startedAt.$': '$$.Execution.StartTime' },
    });
    // Each branch catches its own failure (a Parallel whose branch fails stops every other branch), so
    // the Parallel always finishes; its result keeps only the sources that failed, for the Choice.
    const sources = new sfn.Parallel(this, 'Sources', {
      resultSelector: { 'failed.$': '$[?(@.failed == true)].source' },
      resultPath: '$.outcome',
    });
    const invoked: AppFunction[] = [this.plan];
    const labels: string[] = [];
    for (const source of props.sources) {
      const fn = props.ingest.get(source.id);
      if (!fn) continue;
      const label = mapLabel(source.id);
      sources.branch(this.branch(source, fn, label));
      invoked.push(fn);
      labels.push(label);
    }
    // Then fail the execution if a source did (alarm FanOutFailed), naming the sources that did.
    const failed = new sfn.Fail(this, 'SourcesFailed', {
      error: 'IngestFanOutFailed',
      causePath: sfn.JsonPath.format(
        'ingest failed for sources {} (each one’s error is in its branch: the execution’s history)',
        sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.outcome.failed')),
      ),
    });
    const definition = stamp
      .next(sources)
      .next(
        new sfn.Choice(this, 'AnySourceFailed')
          .when(sfn.Condition.isPresent('$.outcome.failed[0]'), failed)
          .otherwise(new sfn.Succeed(this, 'AllSourcesIngested')),
      );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'burnwatch: ingest fanned out over source x date chunk (backfills, a big org daily run)',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // A fiscal year from a slow vendor at one chunk at a time: hours, never a day.
      timeout: Duration.hours(24),
      tracingEnabled: props.tracing ?? true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    const period = Duration.minutes(5);
    for (const [alarmId, what, metric] of [
      [
        'FanOutFailed',
        "failed (a source's plan or chunk still failed after its retries; start it again with resumeSince, docs/deploy.md)",
        this.stateMachine.metricFailed({ period, statistic: 'Sum' }),
      ],
      [
        'FanOutTimedOut',
        'timed out after 24 h',
        this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
      ],
      [
        'FanOutAborted',
        'was stopped before it finished',
        this.stateMachine.metricAborted({ period, statistic: 'Sum' }),
      ],
    ] as const) {
      props.alarm(alarmId, {
        alarmDescription: `burnwatch: an ingest fan-out execution ${what}`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.acknowledgeFindings(props.tracing ?? true, invoked, labels);
  }

  /** One source: plan its chunks, then run them a few at a time through its ingest function. */
  private branch(source: SourceConfig, fn: AppFunction, label: string): sfn.IChainable {
    const plan = new tasks.LambdaInvoke(this, `Plan-${source.id}`, {
      lambdaFunction: this.plan.function,
      payload: sfn.TaskInput.fromObject({
        source: source.id,
        input: sfn.JsonPath.objectAt('$.input'),
        startedAt: sfn.JsonPath.stringAt('$.startedAt'),
      }),
      resultSelector: { 'chunks.$': '$.Payload.chunks' },
    });
    const chunk = new tasks.LambdaInvoke(this, `Chunk-${source.id}`, {
      lambdaFunction: fn.function,
      // The item as planned: { source, from?, to?, resumeSince } (ingestEventSchema).
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      // What the chunk did, small enough for the Map's results (the full outcome is in its logs).
      resultSelector: {
        'source.$': '$.Payload[0].source',
        'days.$': '$.Payload[0].days',
        'records.$': '$.Payload[0].records',
        'usd.$': '$.Payload[0].usd',
      },
    });
    chunk.addRetry({
      errors: ['Lambda.TooManyRequestsException'],
      interval: Duration.seconds(30),
      maxAttempts: 6,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    chunk.addRetry({
      errors: [...CHUNK_RETRY.errors],
      interval: Duration.seconds(CHUNK_RETRY.intervalSeconds),
      maxAttempts: CHUNK_RETRY.maxAttempts,
      backoffRate: CHUNK_RETRY.backoffRate,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const map = new sfn.DistributedMap(this, `Chunks-${source.id}`, {
      itemsPath: '$.chunks',
      maxConcurrency: chunksInFlight(source),
      // A chunk can take the ingest function's 15 minutes; Express children stop at 5.
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label,
      resultPath: sfn.JsonPath.DISCARD,
    });
    map.itemProcessor(chunk);
    // A failed plan or map ends the branch (Step Functions stops the map's other chunks) but not the
    // Parallel: the branch's output says which source failed and why, and the other sources carry on.
    const caught = new sfn.Pass(this, `Failed-${source.id}`, {
      // The whole error output ({ Error, Cause? }): a path into it would fail the Pass when Cause is absent.
      parameters: { source: source.id, failed: true, 'error.$': '$.error' },
    });
    plan.addCatch(caught, { errors: ['States.ALL'], resultPath: '$.error' });
    map.addCatch(caught, { errors: ['States.ALL'], resultPath: '$.error' });
    // The map's output is its input, the plan's chunk list (a long backfill at chunkDays 1 is many KB a
    // source): the branch ends on a fixed object instead, so the Parallel's result, every branch's
    // output side by side, stays small whatever the range (256 KiB, States.DataLimitExceeded).
    const done = new sfn.Pass(this, `Done-${source.id}`, {
      result: sfn.Result.fromObject({ source: source.id, failed: false }),
    });
    return plan.next(map).next(done);
  }

  /** cdk-nag findings that are deliberate here, each acknowledged on its one resource with the reason. */
  private acknowledgeFindings(
    tracing: boolean,
    invoked: readonly AppFunction[],
    labels: readonly string[],
  ): void {
    const stack = Stack.of(this);
    const logicalId = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    const machine = logicalId(this.stateMachine);
    Validations.of(this.stateMachine.role).acknowledge(
      ...invoked.map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::<${logicalId(fn.function)}.Arn>:*]`,
        reason:
          'LambdaInvoke grants invoking the function and its versions and aliases (ARN:*): that one ' +
          'function only, no other.',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs delivery (logs:CreateLogDelivery and the like, for the execution log group)' +
          `${tracing ? ' and X-Ray PutTraceSegments/PutTelemetryRecords (tracing)' : ''} support no ` +
          'resource-level permissions, so AWS requires "*".',
      },
    );
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machine}"}]}]}`;
    const policy = this.stateMachine.node.tryFindChild('DistributedMapPolicy');
    if (policy)
      Validations.of(policy).acknowledge(
        ...[`${executions}:*`, ...labels.map((l) => `${executions}/${l}:*`)].map((resource) => ({
          id: `AwsSolutions-IAM5[Resource::${resource}]`,
          reason:
            'A Distributed Map starts, reads and stops its own child executions, whose names Step Functions ' +
            'generates: executions of this one state machine (and its map runs) only.',
        })),
      );
    if (!tracing)
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF2',
        reason: 'X-Ray tracing is switched off by the deployer (tracing: false), as on every function.',
      });
    Validations.of(this.plan.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime burnwatch is built and tested for (bundles target node22); moving to a ' +
        'newer Node.js is a deliberate, tested upgrade rather than drift.',
    });
    if (tracing)
      Validations.of(this.plan.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions.',
      });
  }
}

/** A Map Run label (letters and digits, at most 40): names the source's child executions. */
const mapLabel = (sourceId: string) => `chunks${sourceId.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 40);
