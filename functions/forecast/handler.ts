import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { createPngRenderer } from '../adapters/chart-png/render-png.js';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo/dynamo-store.js';
import { s3ReportPublisher } from '../adapters/reports/s3-report-publisher.js';
import { createSlackNotifier } from '../adapters/slack/slack-notifier.js';
import { SnsAlertPublisher } from '../adapters/sns/sns-publisher.js';
import { DeliveryError, type SlackSender } from '../core/alerts/delivery.js';
import { type DailyJobDeps, type DailyJobResult, runDailyJob } from '../core/daily-job.js';
import { addDays, isIsoDay, utcDayOf } from '../core/dates.js';
import { systemClock } from '../core/ports.js';
import { engineForecaster } from '../core/team-reports.js';
import { loadBundledConfig, loadForecastEnv } from '../shared/lambda-config.js';
import { ALERT_DELIVERY_FAILURES, TEAM_FORECAST_FAILURES } from '../shared/metrics.js';

/**
 * The scheduled event (EventBridge sends more fields; only these are read). `asOf` lets an operator
 * re-run a past day by hand: `aws lambda invoke --payload '{"asOf":"2026-03-15"}'`.
 */
const eventSchema = z
  .object({ asOf: z.string().refine(isIsoDay, 'asOf must be a calendar day written YYYY-MM-DD').optional() })
  .passthrough();

export interface ForecastHandlerDeps extends DailyJobDeps {
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Counts undelivered notices, and teams whose forecast failed (the stack alarms on both). */
  readonly recordFailures: (count: number, forecastFailures: number) => void;
}

export interface ForecastHandlerResult {
  readonly asOf: string;
  readonly teams: number;
  readonly notices: number;
  readonly deliveryFailures: number;
}

/** Undelivered targets of this run's notices (failed or left claimed). */
export function countDeliveryFailures(result: DailyJobResult): number {
  return result.alerts.notices.reduce(
    (n, x) => n + x.deliveries.filter((d) => d.status !== 'sent').length,
    0,
  );
}

/**
 * The forecast+alert Lambda: parse the event → run the daily job → log and count what happened.
 * Delivery failures do not fail the invocation (they are retried on the next run and alarmed on),
 * nor does one team's forecast failing (that team's outlook is the trailing run-rate and its budget
 * alert is left as it was, the others get their forecasts and alerts; it is logged as a run
 * problem); a store or config error does, so the
 * DLQ and error alarm see it.
 */
export function createForecastHandler(deps: ForecastHandlerDeps) {
  return async (event: unknown): Promise<ForecastHandlerResult> => {
    const parsed = eventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
    // Vendors are still writing today; yesterday is the last whole day.
    const asOf = parsed.data.asOf ?? addDays(utcDayOf(deps.clock.now()), -1);
    // One delivery-run id per as-of day: the Lambda's retry of the day's job resumes its own claims at
    // once. Sound because the function runs one invocation at a time (reserved concurrency 1).
    const result = await runDailyJob({ runId: `daily-job:${asOf}`, ...deps }, asOf);
    const failures = countDeliveryFailures(result);
    for (const n of result.alerts.notices)
      deps.logger.info('alert notice', {
        id: n.id,
        kind: n.kind,
        severity: n.severity,
        deliveries: n.deliveries.map((d) => ({ target: d.target, status: d.status, error: d.error?.code })),
      });
    for (const p of result.alerts.problems) deps.logger.warn('alert run problem', { problem: p });
    if (result.report) deps.logger.info('report published', { location: result.report.location });
    deps.recordFailures(failures, result.burns.filter((b) => b.forecastProblem).length);
    return {
      asOf,
      teams: result.burns.length,
      notices: result.alerts.notices.length,
      deliveryFailures: failures,
    };
  };
}

/**
 * A Slack sender that fails every call with `code`: used when the bot token cannot be had, so Slack
 * deliveries are still recorded (as failed, retried next run) while SNS goes out.
 */
export function unavailableSlack(code: 'not_authed', detail: string): SlackSender {
  const fail = (target: string) => Promise.reject(new DeliveryError(code, target, detail));
  return {
    postMessage: (channel) => fail(`slack:${channel}`),
    updateMessage: (channelId) => fail(`slack:${channelId}`),
    findPosted: () => Promise.resolve(undefined),
    groupMembers: () => Promise.resolve([]),
    uploadImage: (o) => fail(`slack:${o.channelId}`),
  };
}

async function slackFromSecret(secretName: string): Promise<SlackSender> {
  try {
    const token = await getSecret(secretName, { maxAge: 300 });
    if (typeof token === 'string' && token.startsWith('xox')) return createSlackNotifier(token);
    logger.error('Slack bot token secret is empty or not a Slack token', { secretName });
    return unavailableSlack(
      'not_authed',
      `secret ${secretName} holds no xoxb- token; fill it in Secrets Manager`,
    );
  } catch (err) {
    logger.error('cannot read the Slack bot token secret', { secretName, error: err as Error });
    return unavailableSlack('not_authed', `secret ${secretName} could not be read`);
  }
}

const logger = new Logger();
const metrics = new Metrics();
let built: Promise<ReturnType<typeof createForecastHandler>> | undefined;

/** Built once per cold start: env and config validated, clients created, the Slack token fetched (cached). */
async function build(): Promise<ReturnType<typeof createForecastHandler>> {
  const env = loadForecastEnv();
  const config = loadBundledConfig(env.configFile);
  const store = new DynamoStore(createDocumentClient(new DynamoDBClient({})), { tableName: env.tableName });
  const slack = await slackFromSecret(env.slackBotTokenSecret);
  return createForecastHandler({
    config,
    store,
    clock: systemClock,
    slack,
    forecaster: engineForecaster(config),
    sns: new SnsAlertPublisher(new SNSClient({}), env.topicArn),
    renderPng: createPngRenderer({ wasmPath: env.chartWasmFile, fontPaths: [env.chartFontFile] }),
    ...(env.reportBucket ? { reports: s3ReportPublisher(new S3Client({}), env.reportBucket) } : {}),
    logger,
    recordFailures: (count, forecastFailures) => {
      metrics.addMetric(ALERT_DELIVERY_FAILURES.name, MetricUnit.Count, count);
      metrics.addMetric(TEAM_FORECAST_FAILURES.name, MetricUnit.Count, forecastFailures);
      metrics.publishStoredMetrics();
    },
  });
}

export const handler = async (event: unknown): Promise<ForecastHandlerResult> => {
  built ??= build().catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return (await built)(event);
};
