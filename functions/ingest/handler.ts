import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo/dynamo-store.js';
import { dropFolderFromEnv } from '../adapters/imports/drop-folder-env.js';
import { type ConnectorDeps, connectorFor, stateDeps } from '../adapters/vendors/connectors.js';
import type { BurnwatchConfig } from '../core/config/schema.js';
import { isIsoDay, utcDayOf } from '../core/dates.js';
import { sourceDataAgeHours } from '../core/ingest/data-age.js';
import { type IngestOutcome, runIngest } from '../core/ingest/run-ingest.js';
import { type Clock, type StateStore, systemClock, type UsageStore } from '../core/ports.js';
import { loadBundledConfig, loadIngestEnv } from '../shared/lambda-config.js';
import { SOURCE_DATA_AGE_HOURS } from '../shared/metrics.js';

const day = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
/**
 * EventBridge sends `{ source }` (its rule's fixed input, not the scheduled event); a backfill adds
 * `from` and `to`; a chunk of the fan-out state machine (functions/fan-out/handler.ts) adds
 * `resumeSince`, its execution's start, so a retried chunk does not fetch again the days it already
 * delivered. Nothing else: a misspelt key (`"form"`) is refused rather than read as the daily run.
 */
export const ingestEventSchema = z
  .object({
    source: z.string().min(1).optional(),
    from: day.optional(),
    to: day.optional(),
    resumeSince: z.iso
      .datetime({ error: 'must be a UTC ISO timestamp (the execution start), compared as text' })
      .optional(),
  })
  .strict()
  .refine((e) => (e.from === undefined) === (e.to === undefined), 'from and to go together')
  // Reversed, the range would be no day at all: the run would report ok having fetched nothing.
  .refine((e) => e.from === undefined || e.to === undefined || e.from <= e.to, {
    error: (issue) => {
      const e = issue.input as { from: string; to: string };
      return `to (${e.to}) is before from (${e.from})`;
    },
  });

export class IngestFailedError extends Error {
  override readonly name = 'IngestFailedError';
  readonly code = 'INGEST_FAILED';
}

export interface IngestDeps {
  readonly config: BurnwatchConfig;
  /**
   * The one source this function pulls (`BURNWATCH_SOURCE`: the stack deploys one function per source,
   * each allowed to read only that vendor's key). An event naming another source is refused.
   */
  readonly onlySource?: string;
  /** Usage, and the state store that keeps Copilot's daily seat snapshots. */
  readonly store: UsageStore & StateStore;
  /** The stack's drop folder of import sources (`drop: true`), when the stack has an import bucket. */
  readonly connectorDeps?: ConnectorDeps;
  readonly secret: (name: string) => Promise<string>;
  readonly clock: Clock;
  readonly reportAge: (source: string, hours: number) => void;
  readonly log: (message: string, detail: Record<string, unknown>) => void;
}

/** Parse the event, ingest the named (or every enabled) source, report data age, fail loudly. */
export function createIngestHandler(deps: IngestDeps) {
  return async (event: unknown, remainingMs?: () => number): Promise<IngestOutcome[]> => {
    const parsed = ingestEventSchema.safeParse(event ?? {});
    if (!parsed.success)
      throw new IngestFailedError(
        `bad ingest event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
      );
    const { from, to, resumeSince } = parsed.data;
    if (deps.onlySource && parsed.data.source && parsed.data.source !== deps.onlySource)
      throw new IngestFailedError(
        `this function ingests source "${deps.onlySource}" only (it may read no other vendor's key); invoke the ingest function of "${parsed.data.source}" instead (stack output IngestFunctions)`,
      );
    const source = parsed.data.source ?? deps.onlySource;
    const sources = deps.config.sources.filter(
      (s) => s.enabled && (s.type !== 'import' || s.drop === true) && (!source || s.id === source),
    );
    if (source && sources.length === 0)
      throw new IngestFailedError(`no enabled source "${source}" in the bundled config`);
    const now = deps.clock.now();
    const today = utcDayOf(now);
    const outcomes = await runIngest({
      config: deps.config,
      store: deps.store,
      connectors: sources.map((s) =>
        connectorFor(s, deps.secret, today, {
          ...deps.connectorDeps,
          ...stateDeps(deps.config, deps.store),
        }),
      ),
      clock: deps.clock,
      ...(from && to ? { range: { from, to } } : {}),
      ...(resumeSince ? { resumeSince } : {}),
      // Leave a minute for the last writes, the metrics and the failure report.
      ...(remainingMs ? { timeLeftMs: () => remainingMs() - 60_000 } : {}),
    });
    for (const o of outcomes) {
      const { coverage, ...rest } = o;
      deps.log('source ingested', {
        ...rest,
        completeThrough: coverage?.completeThrough ?? null,
        missingDays: coverage?.missingDays ?? null,
        holes: coverage?.holes.slice(0, 5) ?? [],
        suspectDays: coverage?.suspectDays ?? [],
      });
      const age = await sourceDataAgeHours(deps.config, deps.store, o.source, deps.clock.now());
      if (age !== undefined) deps.reportAge(o.source, age);
    }
    const failed = outcomes.filter((o) => o.status === 'failed');
    // Failing the invocation sends it to the retry/DLQ path and the error alarm; the others are stored.
    if (failed.length) throw new IngestFailedError(failed.map((f) => `${f.source}: ${f.error}`).join('; '));
    return outcomes;
  };
}

/** Composition root, built on the first invocation of a cold start (tests import this module). */
function buildHandler() {
  const env = loadIngestEnv();
  const logger = new Logger();
  const metrics = new Metrics();
  const store = new DynamoStore(createDocumentClient(new DynamoDBClient({})), { tableName: env.tableName });
  return createIngestHandler({
    config: loadBundledConfig(env.configFile),
    ...(env.source ? { onlySource: env.source } : {}),
    store,
    connectorDeps: dropFolderFromEnv(process.env),
    secret: async (name) => {
      const value = await getSecret(name, { maxAge: 300 });
      if (typeof value !== 'string' || value === '')
        throw new Error(`secret ${name} is empty or not a string`);
      return value;
    },
    clock: systemClock,
    reportAge: (source, hours) => {
      const single = metrics.singleMetric();
      single.addDimension(SOURCE_DATA_AGE_HOURS.dimension, source);
      single.addMetric(SOURCE_DATA_AGE_HOURS.name, MetricUnit.Count, hours);
    },
    log: (message, detail) => logger.info(message, detail),
  });
}

let built: ReturnType<typeof createIngestHandler> | undefined;
export const handler = (
  event: unknown,
  context?: { getRemainingTimeInMillis(): number },
): Promise<IngestOutcome[]> => {
  built ??= buildHandler();
  return built(event, context ? () => context.getRemainingTimeInMillis() : undefined);
};
