import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo/dynamo-store.js';
import { s3ObjectWriter } from '../adapters/exports/s3-object-writer.js';
import type { BurnwatchConfig } from '../core/config/schema.js';
import { addDays, type IsoDay, isIsoDay, lastDayOfMonth, minDay, utcDayOf } from '../core/dates.js';
import { exportFocus } from '../core/focus/export.js';
import { periodsToExport } from '../core/focus/periods.js';
import { type Clock, systemClock, type UsageStore } from '../core/ports.js';
import { loadBundledConfig, loadExportEnv } from '../shared/lambda-config.js';

const day = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
/**
 * EventBridge sends `{}`: yesterday's billing period (month) and the earlier ones ingest's trailing
 * re-fetch still revises; a re-export names a month.
 */
export const exportEventSchema = z
  .object({
    month: z
      .string()
      .regex(/^\d{4}-\d{2}$/, 'must be YYYY-MM')
      .optional(),
    asOf: day.optional(),
  })
  .strict();

export class ExportFailedError extends Error {
  override readonly name = 'ExportFailedError';
  readonly code = 'EXPORT_FAILED';
}

/** Where a billing period's FOCUS file goes: one object per month, replaced by each day's run. */
export const focusObjectKey = (month: string) => `focus/billing-period=${month}/burnwatch-focus-${month}.csv`;

export interface ExportDeps {
  readonly config: BurnwatchConfig;
  readonly store: UsageStore;
  readonly put: (key: string, body: string, contentType: string) => Promise<void>;
  readonly clock: Clock;
  readonly log: (message: string, detail: Record<string, unknown>) => void;
}

/** One billing period's file as written. */
export interface ExportedPeriod {
  readonly key: string;
  readonly rows: number;
  readonly from: IsoDay;
  readonly to: IsoDay;
}

/**
 * The daily FOCUS export: yesterday's billing period to date (on the 1st, the whole previous month),
 * every earlier period ingest's trailing re-fetch reached, and any month a day of which was committed
 * again in the last few days (a healed outage, a re-pull), each written as one CSV object that FinOps
 * tools read from the bucket. An event naming a `month` writes that month only.
 */
/** Time an older month's rewrite is not started without (a month of lines is read and written). */
export const REVISED_MONTH_MARGIN_MS = 90_000;

export function createExportHandler(deps: ExportDeps) {
  return async (
    event: unknown,
    context?: { getRemainingTimeInMillis(): number },
  ): Promise<{ periods: ExportedPeriod[]; left: string[] }> => {
    const parsed = exportEventSchema.safeParse(event ?? {});
    if (!parsed.success)
      throw new ExportFailedError(
        `bad export event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
      );
    const yesterday = addDays(parsed.data.asOf ?? utcDayOf(deps.clock.now()), -1);
    const { trailing, revised } = parsed.data.month
      ? { trailing: [parsed.data.month], revised: [] }
      : await periodsToExport(deps.config, deps.store, deps.clock.now(), yesterday);
    const periods: ExportedPeriod[] = [];
    const left: string[] = [];
    for (const month of [...trailing, ...revised]) {
      // An older month that would not finish in time waits for the next run (it stays revised for
      // three days), rather than the run timing out part-way.
      if (
        revised.includes(month) &&
        context !== undefined &&
        context.getRemainingTimeInMillis() < REVISED_MONTH_MARGIN_MS
      ) {
        left.push(month);
        continue;
      }
      const range = { from: `${month}-01`, to: minDay(lastDayOfMonth(month), yesterday) };
      if (range.to < range.from) throw new ExportFailedError(`month ${month} has not started yet`);
      const result = await exportFocus(deps.store, deps.config, range, { now: deps.clock.now() });
      const key = focusObjectKey(month);
      await deps.put(key, result.csv, 'text/csv; charset=utf-8');
      deps.log('FOCUS export written', {
        key,
        rows: result.rows,
        ...range,
        // Days past retention.personDetailMonths, written from the team-day totals.
        ...(result.fromTotals.length ? { fromTeamTotals: result.fromTotals } : {}),
      });
      periods.push({ key, rows: result.rows, ...range });
    }
    if (left.length)
      deps.log('FOCUS export: revised months left for the next run (out of time)', {
        months: left,
        fix: 'they are retried on the next two daily runs; or invoke the export with {"month": "YYYY-MM"}',
      });
    return { periods, left };
  };
}

let built: ReturnType<typeof createExportHandler> | undefined;
export const handler = (event: unknown, context?: { getRemainingTimeInMillis(): number }) => {
  if (!built) {
    const env = loadExportEnv();
    const logger = new Logger();
    built = createExportHandler({
      config: loadBundledConfig(env.configFile),
      store: new DynamoStore(createDocumentClient(new DynamoDBClient({})), { tableName: env.tableName }),
      put: s3ObjectWriter(new S3Client({}), env.bucket),
      clock: systemClock,
      log: (message, detail) => logger.info(message, detail),
    });
  }
  return built(event, context);
};
