import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../functions/core/config/load.js';
import type { BurnwatchConfig } from '../../functions/core/config/schema.js';
import { CHUNK_RETRY, chunksInFlight } from '../../functions/core/ingest/fan-out.js';
import { createPlanHandler } from '../../functions/fan-out/handler.js';
import { scheduledSources } from '../../infra/constructs/burnwatch-governance.js';
import { exampleConfig, logicalId, type Synthesized, synthBurnwatch } from './synth.js';

/** A state of the Amazon States Language, as far as these assertions read it. */
interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Parameters?: Record<string, unknown>;
  readonly ItemsPath?: string;
  readonly MaxConcurrency?: number;
  readonly ItemProcessor?: {
    ProcessorConfig: { Mode: string; ExecutionType: string };
    StartAt: string;
    States: Record<string, AslState>;
  };
  readonly Branches?: { StartAt: string; States: Record<string, AslState> }[];
  readonly Retry?: {
    ErrorEquals: string[];
    IntervalSeconds: number;
    MaxAttempts: number;
    BackoffRate: number;
  }[];
  readonly Resource?: string;
  readonly Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
  readonly ResultPath?: string | null;
  readonly ResultSelector?: Record<string, unknown>;
  readonly Result?: unknown;
  readonly Choices?: { Variable: string; IsPresent?: boolean; Next: string }[];
  readonly Default?: string;
  readonly Error?: string;
  readonly CausePath?: string;
}
interface Asl {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly TimeoutSeconds?: number;
}

/** The state machine's definition, its `Fn::Join` resolved with each reference as `<logical id>`. */
function definitionOf(s: Synthesized): Asl {
  const id = logicalId(s.template, 'AWS::StepFunctions::StateMachine', 'BurnwatchIngestFanOut');
  const body = s.template.findResources('AWS::StepFunctions::StateMachine')[id]?.Properties
    .DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = part as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
      return `<${ref['Fn::GetAtt']?.[0] ?? ref.Ref ?? '?'}>`;
    })
    .join('');
  return JSON.parse(text) as Asl;
}

const withSources = (config: BurnwatchConfig, fanOutAboveHeadcount: number): BurnwatchConfig => ({
  ...config,
  ingest: { ...config.ingest, fanOutAboveHeadcount },
});

describe('the ingest fan-out state machine (issue 14)', () => {
  const config = exampleConfig();
  const scheduled = scheduledSources(config);
  let s: Synthesized;
  let asl: Asl;
  beforeAll(() => {
    s = synthBurnwatch();
    asl = definitionOf(s);
  });

  it('stamps the input with the start time, then runs one branch per scheduled source in parallel', () => {
    const stamp = asl.States[asl.StartAt];
    expect(stamp?.Type).toBe('Pass');
    expect(stamp?.Parameters).toEqual({ 'input.$': '$', 'startedAt.$': '$$.Execution.StartTime' });
    const parallel = asl.States[stamp?.Next ?? ''];
    expect(parallel?.Type).toBe('Parallel');
    expect(parallel?.Branches).toHaveLength(scheduled.length);
    expect(asl.TimeoutSeconds).toBe(24 * 3600);
  });

  it('in each branch: the plan step, then a Distributed Map over the chunks at the vendor’s concurrency, each chunk the source’s own ingest function with retries', () => {
    const branches = asl.States[asl.States[asl.StartAt]?.Next ?? '']?.Branches ?? [];
    const planFn = logicalId(s.template, 'AWS::Lambda::Function', 'BurnwatchIngestFanOutPlan');
    for (const [i, source] of scheduled.entries()) {
      const branch = branches[i];
      const plan = branch?.States[branch.StartAt];
      expect(plan?.Parameters?.FunctionName).toBe(`<${planFn}>`);
      expect(plan?.Parameters?.Payload).toEqual({
        source: source.id,
        'input.$': '$.input',
        'startedAt.$': '$.startedAt',
      });
      const map = branch?.States[plan?.Next ?? ''];
      expect(map?.Type).toBe('Map');
      expect(map?.ItemsPath).toBe('$.chunks');
      expect(map?.MaxConcurrency).toBe(chunksInFlight(source));
      expect(map?.ItemProcessor?.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
      const processor = map?.ItemProcessor;
      const chunk = processor?.States[processor.StartAt];
      const ingestFn = logicalId(
        s.template,
        'AWS::Lambda::Function',
        `BurnwatchIngest${source.id.replace(/[^A-Za-z0-9]/g, '')}Function`,
      );
      expect(chunk?.Parameters?.FunctionName).toBe(`<${ingestFn}>`);
      expect(chunk?.Parameters?.['Payload.$']).toBe('$');
      expect(chunk?.Retry).toContainEqual(
        expect.objectContaining({
          ErrorEquals: [...CHUNK_RETRY.errors],
          IntervalSeconds: CHUNK_RETRY.intervalSeconds,
          MaxAttempts: CHUNK_RETRY.maxAttempts,
          BackoffRate: CHUNK_RETRY.backoffRate,
          JitterStrategy: 'FULL',
        }),
      );
      expect(chunk?.Retry).toContainEqual(
        expect.objectContaining({ ErrorEquals: ['Lambda.TooManyRequestsException'] }),
      );
      // A chunk whose ingest function hits its 15-minute timeout fails with Sandbox.Timedout, not
      // IngestFailedError: it is retried the same way (review H). Nothing catch-all is retried.
      const retried = (chunk?.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(expect.arrayContaining(['IngestFailedError', 'Sandbox.Timedout']));
      expect(retried).not.toContain('States.TaskFailed');
      expect(retried).not.toContain('States.ALL');
    }
  });

  it('a source that fails (its plan, or a chunk after its retries) stops only its own branch, then fails the execution naming it (review H)', () => {
    // A Parallel whose branch fails stops every other branch: each branch catches its own failure.
    const parallelName = asl.States[asl.StartAt]?.Next ?? '';
    const parallel = asl.States[parallelName];
    for (const [i, source] of scheduled.entries()) {
      const branch = parallel?.Branches?.[i];
      const states = Object.entries(branch?.States ?? {});
      const fallible = states.filter(([, st]) => st.Type === 'Task' || st.Type === 'Map');
      expect(fallible.map(([, st]) => st.Type)).toEqual(['Task', 'Map']);
      for (const [, st] of fallible) {
        expect(st.Catch).toEqual([
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: expect.any(String) },
        ]);
        const caught = branch?.States[st.Catch?.[0]?.Next ?? ''];
        // The branch ends on the caught error: the source and its error, nothing else.
        expect(caught).toMatchObject({
          Type: 'Pass',
          Parameters: { source: source.id, failed: true, 'error.$': '$.error' },
          End: true,
        });
      }
    }
    // The Parallel keeps the failed sources; then any one fails the execution (alarm FanOutFailed).
    expect(parallel?.ResultSelector).toEqual({ 'failed.$': '$[?(@.failed == true)].source' });
    expect(parallel?.ResultPath).toBe('$.outcome');
    const choice = asl.States[parallel?.Next ?? ''];
    expect(choice?.Type).toBe('Choice');
    expect(choice?.Choices).toEqual([
      { Variable: '$.outcome.failed[0]', IsPresent: true, Next: expect.any(String) },
    ]);
    const fail = asl.States[choice?.Choices?.[0]?.Next ?? ''];
    expect(fail?.Type).toBe('Fail');
    expect(fail?.Error).toBe('IngestFanOutFailed');
    expect(fail?.CausePath).toContain('States.JsonToString($.outcome.failed)');
    expect(asl.States[choice?.Default ?? '']?.Type).toBe('Succeed');
  });

  it('keeps the Parallel’s result small whatever the range: each branch ends on a fixed object, not its chunk list (review H)', async () => {
    // Prepare: last fiscal year and this one at ingest.chunkDays 1, the plan's chunk lists of every
    // source together past Step Functions' 256 KiB (what each branch's output was, the map's input).
    const daily = parseConfigText(
      JSON.stringify({ ...config, ingest: { ...config.ingest, chunkDays: 1 } }),
      'x.json',
    );
    const plan = createPlanHandler(daily);
    const input = { from: '2025-01-01', to: '2026-11-23' };
    const lists = await Promise.all(
      scheduled.map((src) => plan({ source: src.id, input, startedAt: '2026-11-24T05:00:00.000Z' })),
    );
    expect(Buffer.byteLength(JSON.stringify(lists))).toBeGreaterThan(256 * 1024);

    // Act: the output of each branch that succeeds, as the definition says.
    const parallel = asl.States[asl.States[asl.StartAt]?.Next ?? ''];
    const outputs = (parallel?.Branches ?? []).map((branch, i) => {
      const map = Object.values(branch.States).find((st) => st.Type === 'Map');
      expect(map?.ResultPath).toBeNull();
      const last = branch.States[map?.Next ?? ''];
      // A Pass with a Result (and no ResultPath) outputs that Result, whatever its input.
      expect(last).toMatchObject({ Type: 'Pass', End: true });
      expect(last?.ResultPath).toBeUndefined();
      expect(last?.Result).toEqual({ source: scheduled[i]?.id, failed: false });
      return last?.Result;
    });

    // Assess: a few bytes a source, the same for a day or two years.
    expect(Buffer.byteLength(JSON.stringify(outputs))).toBeLessThan(100 * scheduled.length);
  });

  it('lets the state machine invoke the plan and the ingest functions only, logs every execution and traces it', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('BurnwatchIngestFanOutStateMachineRole'),
    );
    const statements = policies.flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const invokes = statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
    const invoked = new Set(
      invokes
        .flatMap((st) => [st.Resource].flat())
        .map((r) => JSON.stringify(r).match(/"(Burnwatch[A-Za-z0-9]+Function[A-F0-9]{8})"/)?.[1]),
    );
    expect(invoked).toEqual(
      new Set([
        logicalId(s.template, 'AWS::Lambda::Function', 'BurnwatchIngestFanOutPlan'),
        ...scheduled.map((src) =>
          logicalId(
            s.template,
            'AWS::Lambda::Function',
            `BurnwatchIngest${src.id.replace(/[^A-Za-z0-9]/g, '')}Function`,
          ),
        ),
      ]),
    );
    // No table, secret or bucket access of its own: the functions it invokes have those.
    const actions = statements.flatMap((st) => [st.Action].flat());
    expect(actions.filter((a) => /^(dynamodb|secretsmanager|s3):/.test(a))).toEqual([]);
  });

  it('outputs the state machine ARN (what docs/deploy.md starts a backfill with)', () => {
    const machine = logicalId(s.template, 'AWS::StepFunctions::StateMachine', 'BurnwatchIngestFanOut');
    s.template.hasOutput('IngestFanOutStateMachineArn', { Value: { Ref: machine } });
  });

  it('alarms on a failed, timed-out or aborted execution, to the alert topic', () => {
    const machine = logicalId(s.template, 'AWS::StepFunctions::StateMachine', 'BurnwatchIngestFanOut');
    const topic = logicalId(s.template, 'AWS::SNS::Topic', 'BurnwatchAlertTopic');
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machine } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topic }],
      });
  });

  it('keeps the daily ingest on each source’s Lambda below ingest.fanOutAboveHeadcount, and moves it onto the state machine above', () => {
    const daily = (t: Synthesized) =>
      Object.values(
        t.template.findResources('AWS::Events::Rule', {
          Properties: { ScheduleExpression: 'cron(0 5 * * ? *)' },
        }),
      ).map((r) => JSON.stringify(r.Properties.Targets));
    // The example org (a few hundred engineers) is below the default 20,000.
    expect(daily(s)).toHaveLength(scheduled.length);
    expect(daily(s).some((t) => t.includes('StateMachine'))).toBe(false);
    const big = synthBurnwatch({ config: withSources(config, 0) });
    const rules = daily(big);
    expect(rules).toHaveLength(1);
    const machine = logicalId(big.template, 'AWS::StepFunctions::StateMachine', 'BurnwatchIngestFanOut');
    expect(rules[0]).toContain(machine);
    big.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 5 * * ? *)',
      Targets: [Match.objectLike({ Arn: { Ref: machine }, Input: '{}' })],
    });
  });
});
