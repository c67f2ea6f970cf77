import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo/dynamo-store.js';
import { s3ObjectWriter } from '../adapters/exports/s3-object-writer.js';
import type { BurnwatchConfig } from '../core/config/schema.js';
import { addDays, type IsoDay, isIsoDay, lastDayOfMonth, minDay, utcDayOf } from '../core/dates.js';
import { exportFocus } from '../core/focus/export.js';
import { type Clock, systemClock, type UsageStore } from '../core/ports.js';
import { loadBundledConfig, loadExportEnv } from '../shared/lambda-config.js';

const day = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
/** EventBridge sends `{}`: the billing period (month) of yesterday; a re-export names a month. */
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

/**
 * The daily FOCUS export: the month to date of yesterday's billing period (on the 1st, the whole
 * previous month), written as one CSV object that FinOps tools read from the bucket.
 */
export function createExportHandler(deps: ExportDeps) {
  return async (event: unknown): Promise<{ key: string; rows: number; from: IsoDay; to: IsoDay }> => {
    const parsed = exportEventSchema.safeParse(event ?? {});
    if (!parsed.success)
      throw new ExportFailedError(
        `bad export event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
      );
    const yesterday = addDays(parsed.data.asOf ?? utcDayOf(deps.clock.now()), -1);
    const month = parsed.data.month ?? yesterday.slice(0, 7);
    const range = { from: `${month}-01`, to: minDay(lastDayOfMonth(month), yesterday) };
    if (range.to < range.from) throw new ExportFailedError(`month ${month} has not started yet`);
    const result = await exportFocus(deps.store, deps.config, range);
    const key = focusObjectKey(month);
    await deps.put(key, result.csv, 'text/csv; charset=utf-8');
    deps.log('FOCUS export written', { key, rows: result.rows, ...range });
    return { key, rows: result.rows, ...range };
  };
}

let built: ReturnType<typeof createExportHandler> | undefined;
export const handler = (event: unknown) => {
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
  return built(event);
};
