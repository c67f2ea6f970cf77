import { CHUNK_RETRY } from '../../functions/core/ingest/fan-out.js';
import type { PlannedChunk } from '../../functions/fan-out/handler.js';

/**
 * The fan-out state machine's sequence (infra/constructs/ingest-fan-out.ts), run locally over the
 * same handlers the deployed states invoke: Stamp (input and start time), then one branch per source
 * in parallel, each its plan step and then its chunks at most `maxConcurrency` at a time, each chunk
 * retried `CHUNK_RETRY.maxAttempts` times on `CHUNK_RETRY.errors` (the waits between are Step
 * Functions' business and are not slept here).
 *
 * As in the state machine: a plan that fails, or a chunk that still fails after its retries, ends its
 * source's branch (a Distributed Map with no tolerated failures starts no further chunk; the ones in
 * flight, which Step Functions stops, are let finish here), the branch's Catch records the source, and
 * the other branches carry on. After every branch, the execution fails (`IngestFanOutFailed`, naming
 * the failed sources) if any source failed.
 */
export interface FanOutBranch {
  readonly source: string;
  readonly maxConcurrency: number;
  readonly plan: (event: unknown) => Promise<{ chunks: PlannedChunk[] }>;
  readonly chunk: (event: PlannedChunk) => Promise<unknown>;
}

export interface ChunkRun {
  readonly item: PlannedChunk;
  readonly attempts: number;
  /** `not-started`: its branch had stopped at a failed chunk before its turn came. */
  readonly status: 'succeeded' | 'failed' | 'not-started';
  readonly error?: string;
}

export interface FanOutExecution {
  readonly status: 'succeeded' | 'failed';
  /** The Fail state's cause when `failed`. */
  readonly cause?: string;
  /** The sources whose branch caught a failure (its plan, or a chunk after its retries), in config order. */
  readonly failedSources: readonly string[];
  readonly chunks: ChunkRun[];
  /** The highest number of one source's chunks seen in flight at once, by source. */
  readonly peakInFlight: ReadonlyMap<string, number>;
}

export class LocalFanOut {
  constructor(
    private readonly branches: readonly FanOutBranch[],
    private readonly input: Record<string, unknown>,
    private readonly startedAt: string,
  ) {}

  /** One execution: every branch planned and run, side by side. */
  async start(): Promise<FanOutExecution> {
    const peakInFlight = new Map<string, number>();
    const perBranch = await Promise.all(this.branches.map((b) => this.branch(b, peakInFlight)));
    const failedSources = perBranch.filter((r) => r.failed).map((r) => r.source);
    const chunks = perBranch.flatMap((r) => r.chunks);
    return failedSources.length
      ? {
          status: 'failed',
          cause: `ingest failed for sources ${JSON.stringify(failedSources)} (each one’s error is in its branch: the execution’s history)`,
          failedSources,
          chunks,
          peakInFlight,
        }
      : { status: 'succeeded', failedSources, chunks, peakInFlight };
  }

  private async branch(
    b: FanOutBranch,
    peakInFlight: Map<string, number>,
  ): Promise<{ source: string; failed: boolean; chunks: ChunkRun[] }> {
    let items: PlannedChunk[];
    try {
      ({ chunks: items } = await b.plan({ source: b.source, input: this.input, startedAt: this.startedAt }));
    } catch {
      return { source: b.source, failed: true, chunks: [] };
    }
    const runs: (ChunkRun | undefined)[] = new Array(items.length);
    let next = 0;
    let inFlight = 0;
    let stopped = false;
    const worker = async () => {
      while (next < items.length && !stopped) {
        const index = next++;
        inFlight++;
        peakInFlight.set(b.source, Math.max(peakInFlight.get(b.source) ?? 0, inFlight));
        try {
          const run = await this.attempt(b, items[index] as PlannedChunk);
          runs[index] = run;
          if (run.status === 'failed') stopped = true;
        } finally {
          inFlight--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(b.maxConcurrency, items.length)) }, worker));
    const chunks = items.map((item, i): ChunkRun => runs[i] ?? { item, attempts: 0, status: 'not-started' });
    return { source: b.source, failed: stopped, chunks };
  }

  private async attempt(b: FanOutBranch, item: PlannedChunk): Promise<ChunkRun> {
    const retried: readonly string[] = CHUNK_RETRY.errors;
    for (let attempts = 1; ; attempts++) {
      try {
        await b.chunk(item);
        return { item, attempts, status: 'succeeded' };
      } catch (err) {
        const name = err instanceof Error ? err.name : 'Error';
        if (!retried.includes(name) || attempts > CHUNK_RETRY.maxAttempts)
          return { item, attempts, status: 'failed', error: (err as Error).message };
      }
    }
  }
}
