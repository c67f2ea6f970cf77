import { mapBounded } from '../../functions/core/bounded.js';
import { CHUNK_RETRY } from '../../functions/core/ingest/fan-out.js';
import type { PlannedChunk } from '../../functions/fan-out/handler.js';

/**
 * The fan-out state machine's sequence (infra/constructs/ingest-fan-out.ts), run locally over the
 * same handlers the deployed states invoke: Stamp (input and start time), one branch per source in
 * parallel, each its plan step then its chunks at most `maxConcurrency` at a time, each chunk retried
 * `CHUNK_RETRY.maxAttempts` times on `IngestFailedError` (the waits between are Step Functions'
 * business and are not slept here). A branch fails when one of its chunks still fails, the others
 * carry on, as in a Distributed Map with no tolerated failures. `redrive` runs only the failed chunks
 * again, with the items the plan gave them (the same execution start), as a Step Functions redrive does.
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
  readonly status: 'succeeded' | 'failed';
  readonly error?: string;
}

export interface FanOutExecution {
  readonly status: 'succeeded' | 'failed';
  readonly chunks: ChunkRun[];
  /** The highest number of one source's chunks seen in flight at once, by source. */
  readonly peakInFlight: ReadonlyMap<string, number>;
}

export class LocalFanOut {
  private readonly planned = new Map<string, PlannedChunk[]>();
  private last: ChunkRun[] = [];

  constructor(
    private readonly branches: readonly FanOutBranch[],
    private readonly input: Record<string, unknown>,
    private readonly startedAt: string,
  ) {}

  /** The first execution: plan every source, run every chunk. */
  async start(): Promise<FanOutExecution> {
    for (const b of this.branches) {
      const { chunks } = await b.plan({ source: b.source, input: this.input, startedAt: this.startedAt });
      this.planned.set(b.source, chunks);
    }
    return this.run((b) => this.planned.get(b.source) ?? []);
  }

  /** Redrive: the chunks that failed last time, and only those. */
  async redrive(): Promise<FanOutExecution> {
    const failed = new Set(this.last.filter((c) => c.status === 'failed').map((c) => c.item));
    return this.run((b) => (this.planned.get(b.source) ?? []).filter((c) => failed.has(c)));
  }

  private async run(itemsOf: (b: FanOutBranch) => PlannedChunk[]): Promise<FanOutExecution> {
    const peakInFlight = new Map<string, number>();
    const perBranch = await Promise.all(
      this.branches.map(async (b) => {
        let inFlight = 0;
        return mapBounded(itemsOf(b), b.maxConcurrency, async (item): Promise<ChunkRun> => {
          inFlight++;
          peakInFlight.set(b.source, Math.max(peakInFlight.get(b.source) ?? 0, inFlight));
          try {
            return await this.attempt(b, item);
          } finally {
            inFlight--;
          }
        });
      }),
    );
    this.last = perBranch.flat();
    return {
      status: this.last.every((c) => c.status === 'succeeded') ? 'succeeded' : 'failed',
      chunks: this.last,
      peakInFlight,
    };
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
