import { type Clock, systemClock } from '../../core/ports.js';

/**
 * Keeps a GitHub source inside GitHub's rate limits instead of running into them: the search API
 * allows 30 requests a minute (so one every 2 s), the core API 5,000 an hour. Before each request the
 * pacer waits for its turn; after each answer it reads `x-ratelimit-remaining` / `x-ratelimit-reset`
 * for that resource and, when the resource is (nearly) used up, waits for the reset before the next
 * request. A 403/429 that still happens is waited out by the transport (http.ts). Waits end early when
 * the source's time for the run runs out.
 */
export type GithubResource = 'search' | 'core';

export interface PacerOptions {
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Least time between two search requests. @default 2000 (30 a minute) */
  readonly searchIntervalMs?: number;
  /** Core requests kept in reserve (for the other sources and people on the same token). @default 100 */
  readonly coreReserve?: number;
  /** The longest single wait for a reset; past it the request goes and the transport waits. @default 300000 */
  readonly maxWaitMs?: number;
}

export class GithubPacer {
  private readonly clock: Clock;
  private lastSearchAt: number | undefined;
  private readonly limits = new Map<GithubResource, { remaining: number; resetAt: number }>();
  /** Every wait, in ms (for the run's report and for tests). */
  readonly waits: Array<{ resource: GithubResource; ms: number }> = [];

  constructor(private readonly opts: PacerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
  }

  private async wait(resource: GithubResource, ms: number): Promise<void> {
    const capped = Math.min(ms, this.opts.maxWaitMs ?? 300_000);
    if (capped <= 0) return;
    this.waits.push({ resource, ms: capped });
    const pause = this.opts.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t)));
    const signal = this.opts.signal;
    if (!signal) return pause(capped);
    if (signal.aborted) return;
    let onAbort = () => {};
    const aborted = new Promise<void>((r) => {
      onAbort = r;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([pause(capped), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Waits until a request to `resource` may go. */
  async before(resource: GithubResource): Promise<void> {
    const now = this.clock.now().getTime();
    const limit = this.limits.get(resource);
    const floor = resource === 'search' ? 0 : (this.opts.coreReserve ?? 100);
    if (limit && limit.remaining <= floor && limit.resetAt > now) {
      await this.wait(resource, limit.resetAt - now);
      this.limits.delete(resource);
    }
    if (resource === 'search') {
      const interval = this.opts.searchIntervalMs ?? 2000;
      const at = this.clock.now().getTime();
      if (this.lastSearchAt !== undefined && at - this.lastSearchAt < interval)
        await this.wait('search', interval - (at - this.lastSearchAt));
      this.lastSearchAt = this.clock.now().getTime();
    }
  }

  /** Reads the rate-limit headers of an answer. */
  observe(resource: GithubResource, headers: Headers): void {
    const remaining = headers.get('x-ratelimit-remaining');
    const reset = headers.get('x-ratelimit-reset');
    if (remaining === null || reset === null || !/^\d+$/.test(remaining) || !/^\d+$/.test(reset)) return;
    this.limits.set(resource, { remaining: Number(remaining), resetAt: Number(reset) * 1000 });
  }
}
