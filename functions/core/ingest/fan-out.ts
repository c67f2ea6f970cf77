import type { BurnwatchConfig, SourceConfig } from '../config/schema.js';
import { addDays, diffDays, type IsoDay, minDay } from '../dates.js';
import type { DayRange } from './connector.js';

/**
 * How ingest fans out on Step Functions (issue 14; infra/constructs/ingest-fan-out.ts): one branch per
 * source, each a Distributed Map over that source's date chunks with its own concurrency (the
 * vendor's rate limit), each chunk one invocation of the source's own ingest function. This module is
 * the plan (which chunks, how many at once) and the retry policy, shared by the CDK state machine and
 * the local test that drives the same handler through the same sequence.
 */

/** One item of a source's Distributed Map: what its ingest function is invoked with. */
export interface IngestChunk {
  readonly source: string;
  /** Absent on the daily run: the function pulls what is due (its trailing window and any hole). */
  readonly from?: IsoDay;
  readonly to?: IsoDay;
}

/**
 * Chunks of one source in flight at once, by source type, when the config does not say
 * (`maxConcurrentChunks`). Cursor allows 20 requests a minute per team and a chunk pages through it,
 * so one at a time; each Cost Explorer page is billed, so Bedrock goes one at a time too. Anthropic,
 * OpenAI and Copilot publish no numbers (docs/vendor notes): two, and a 429 is retried by the client.
 * GitHub's search allows 30 requests a minute for the whole token and the merged-PR source is paced
 * to it, so one; the Copilot usage-metrics reports are one request per day and download: two.
 */
export const DEFAULT_CHUNKS_IN_FLIGHT: Readonly<Record<SourceConfig['type'], number>> = {
  anthropic: 2,
  openai: 2,
  cursor: 1,
  copilot: 2,
  bedrock: 1,
  github: 1,
  'copilot-metrics': 2,
  import: 4,
};

/** The source's Distributed Map MaxConcurrency. */
export function chunksInFlight(source: SourceConfig): number {
  return source.maxConcurrentChunks ?? DEFAULT_CHUNKS_IN_FLIGHT[source.type];
}

/**
 * A chunk's retries inside one execution (the state machine's Retry on `IngestFailedError` and a
 * timed-out invocation, and the
 * local driver's): a vendor outage of a few minutes is ridden out, a longer one fails the chunk and its
 * source's branch, the execution fails once the others are done (an alarm), and a new execution
 * resuming since that one (`resumeSince`) fetches only the days it did not deliver.
 */
export const CHUNK_RETRY = {
  // Sandbox.Timedout: the ingest function killed at its 15-minute timeout (a vendor request that hung
  // past the handler's own one-minute margin); the retry skips the days it delivered. Not
  // States.TaskFailed: that would also retry a function that cannot start (a bad bundled config).
  errors: ['IngestFailedError', 'Sandbox.Timedout'],
  intervalSeconds: 60,
  maxAttempts: 3,
  backoffRate: 2,
} as const;

/** The whole window cut into runs of `chunkDays` (the last one shorter). */
export function chunkRange(range: DayRange, chunkDays: number): DayRange[] {
  if (!Number.isInteger(chunkDays) || chunkDays < 1)
    throw new Error(`chunkDays must be a whole number of at least 1 (got ${chunkDays})`);
  if (diffDays(range.from, range.to) < 0)
    throw new Error(`the window ends (${range.to}) before it starts (${range.from})`);
  const chunks: DayRange[] = [];
  for (let from = range.from; from <= range.to; from = addDays(from, chunkDays))
    chunks.push({ from, to: minDay(addDays(from, chunkDays - 1), range.to) });
  return chunks;
}

/**
 * The items of one source's Map: a backfill's window in chunks of `ingest.chunkDays`, or (no window)
 * the daily run, one item asking for what is due.
 */
export function planSourceChunks(config: BurnwatchConfig, sourceId: string, range?: DayRange): IngestChunk[] {
  const source = config.sources.find((s) => s.id === sourceId);
  if (!source) throw new Error(`no source "${sourceId}" in the config`);
  if (!range) return [{ source: sourceId }];
  return chunkRange(range, config.ingest.chunkDays).map((c) => ({ source: sourceId, ...c }));
}

/** The teams' configured headcounts added up (teams without one count nothing). */
export function configuredHeadcount(config: BurnwatchConfig): number {
  return config.teams.reduce((n, t) => n + (t.headcount ?? 0), 0);
}

/** Whether the daily ingest is scheduled on the state machine rather than each source's Lambda. */
export function dailyRunFansOut(config: BurnwatchConfig): boolean {
  return configuredHeadcount(config) > config.ingest.fanOutAboveHeadcount;
}
