/**
 * The custom CloudWatch metrics the CDK stack alarms on. Handlers emit them with Powertools Metrics;
 * the stack builds its alarms from the same constants, so a renamed metric cannot silently detach an
 * alarm. Powertools adds the `service` dimension (from `POWERTOOLS_SERVICE_NAME`) to every metric, so
 * an alarm matches only when the handler adds exactly the dimensions listed here and no others.
 *
 * @example
 * // ingest handler, after a source's run
 * const metrics = new Metrics(); // namespace and service come from the Lambda environment
 * metrics.addDimension(SOURCE_DATA_AGE_HOURS.dimension, source.id);
 * metrics.addMetric(SOURCE_DATA_AGE_HOURS.name, MetricUnit.Count, ageHours);
 * metrics.publishStoredMetrics();
 */

/** Namespace of every burnwatch custom metric (env `POWERTOOLS_METRICS_NAMESPACE` in each Lambda). */
export const METRICS_NAMESPACE = 'Burnwatch';

/** `POWERTOOLS_SERVICE_NAME` of each Lambda; also the `service` dimension Powertools adds to metrics. */
export const SERVICE_NAMES = {
  ingest: 'burnwatch-ingest',
  forecast: 'burnwatch-forecast',
  slash: 'burnwatch-slash',
  limits: 'burnwatch-limits',
} as const;

/**
 * Emitted by the ingest Lambda once per source run (success or not, whenever the age is known):
 * hours between now and the end (24:00 UTC) of the most recent day for which the source has stored
 * data. Dimensions: `service` (added by Powertools) and `source` (the config source id), nothing else.
 * The stack alarms when it reaches the config's `alerts.staleAfterHours` (default 48) or when no
 * value arrives for that long (missing data counts as breaching: a source that stopped running is stale).
 */
export const SOURCE_DATA_AGE_HOURS = { name: 'SourceDataAgeHours', dimension: 'source' } as const;

/**
 * Emitted by the forecast+alert Lambda: the number of alert notifications (Slack or SNS) that could not
 * be delivered in a run (emit 0 on clean runs). Dimension: `service` only (added by Powertools). The
 * stack alarms on any non-zero sum within an hour.
 */
export const ALERT_DELIVERY_FAILURES = { name: 'AlertDeliveryFailures' } as const;

/**
 * Emitted by the forecast+alert Lambda: the number of teams whose forecast failed in a run (their
 * outlook is the trailing run-rate and their budget alert is held; emit 0 on clean runs). Dimension:
 * `service` only. The stack alarms on any non-zero sum within a day.
 */
export const TEAM_FORECAST_FAILURES = { name: 'TeamForecastFailures' } as const;

/**
 * Emitted by the slash Lambda once per rejected request (a Function URL anyone can call): count 1
 * with the dimension `reason`, one of `REJECTION_REASONS` in functions/core/slash/handle-request.ts
 * (`bad-signature`, `stale-timestamp`, `missing-headers`, `malformed-signature`, `body-too-large`,
 * `malformed-payload`, `wrong-method`), so each reason is its own CloudWatch metric. The stack alarms
 * on the sum of the signature reasons (`SIGNATURE_REJECTIONS`) over 5 minutes.
 */
export const SLASH_REJECTED_REQUESTS = { name: 'SlashRejectedRequests', dimension: 'reason' } as const;

/**
 * Emitted by the slash Lambda whenever something inside burnwatch failed (Secrets Manager, DynamoDB,
 * the self-invoke, the POST to `response_url`) and the asker got "burnwatch could not answer" or no
 * answer: count 1, dimension `service` only (the failing stage and the cause are in the log line
 * beside it). The stack alarms on any.
 */
export const SLASH_FAILURES = { name: 'SlashFailures' } as const;
