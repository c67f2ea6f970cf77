import * as z from 'zod';
import type { BurnwatchConfig } from '../core/config/schema.js';
import { isIsoDay } from '../core/dates.js';
import { type IngestChunk, planSourceChunks } from '../core/ingest/fan-out.js';
import { BUNDLED_FILES, ENV, loadBundledConfig } from '../shared/lambda-config.js';

const day = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
/**
 * The execution's input: `{}` for the daily run, `{ "from": "YYYY-MM-DD", "to": "YYYY-MM-DD" }` for a
 * backfill (docs/deploy.md, "Scale"). `resumeSince`, a failed execution's start, makes a new execution
 * skip the days that one delivered: a failed execution ends on its Fail state, which is all a redrive
 * would run again, so this is how its failed chunks are run again.
 */
export const fanOutInputSchema = z
  .object({
    from: day.optional(),
    to: day.optional(),
    resumeSince: z.iso
      .datetime({ error: 'must be a UTC ISO timestamp (a failed execution’s start)' })
      .optional(),
  })
  .strict()
  .refine((e) => (e.from === undefined) === (e.to === undefined), 'from and to go together');

/**
 * What the state machine's plan step sends for one source (infra/constructs/ingest-fan-out.ts): the
 * execution's input and its start time.
 */
export const planEventSchema = z
  .object({
    source: z.string().min(1, 'must name a source of the config'),
    input: fanOutInputSchema,
    /** `$$.Execution.StartTime`: carried on every chunk, so a retried or redriven chunk skips what it finished. */
    startedAt: z.iso.datetime({ error: 'must be a UTC ISO timestamp ($$.Execution.StartTime)' }),
  })
  .strict();

export class PlanFailedError extends Error {
  override readonly name = 'PlanFailedError';
  readonly code = 'PLAN_FAILED';
}

/** A chunk as its source's ingest function receives it (`ingestEventSchema`). */
export interface PlannedChunk extends IngestChunk {
  readonly resumeSince: string;
}

/** The plan step: one source's chunks (a pure function of the bundled config and the event). */
export function createPlanHandler(config: BurnwatchConfig) {
  return async (event: unknown): Promise<{ chunks: PlannedChunk[] }> => {
    const parsed = planEventSchema.safeParse(event ?? {});
    if (!parsed.success)
      throw new PlanFailedError(
        `bad plan event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
      );
    const { source, input, startedAt } = parsed.data;
    const { from, to } = input;
    // The earlier start of the two: a day delivered since is skipped, whichever execution delivered it.
    const resumeSince = input.resumeSince && input.resumeSince < startedAt ? input.resumeSince : startedAt;
    try {
      const chunks = planSourceChunks(config, source, from && to ? { from, to } : undefined);
      return { chunks: chunks.map((c) => ({ ...c, resumeSince })) };
    } catch (err) {
      throw new PlanFailedError(err instanceof Error ? err.message : String(err));
    }
  };
}

let built: ReturnType<typeof createPlanHandler> | undefined;
export const handler = (event: unknown): Promise<{ chunks: PlannedChunk[] }> => {
  built ??= createPlanHandler(loadBundledConfig(process.env[ENV.configFile] || BUNDLED_FILES.config));
  return built(event);
};
