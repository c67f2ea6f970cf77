import type * as z from 'zod';

/** Where a vendor call was made, for error messages (never includes credentials). */
export interface CallSite {
  readonly source: string;
  readonly endpoint: string;
  readonly page: number;
}

/** The vendor answered with something we cannot use; the source's run stops and stores nothing. */
export class VendorResponseError extends Error {
  override readonly name = 'VendorResponseError';
  readonly code = 'VENDOR_RESPONSE';
}

/** The vendor could not be reached or kept failing after retries. */
export class VendorHttpError extends Error {
  override readonly name = 'VendorHttpError';
  readonly code = 'VENDOR_HTTP';
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface HttpOptions {
  readonly fetchImpl?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly timeoutMs?: number;
}

/** The first zod issue as `data[0].results[3].amount: expected a decimal string`. */
export function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return `${path || '(body)'}: ${issue?.message ?? 'invalid'}`;
}

const where = (c: CallSite) => `${c.source} ${c.endpoint} page ${c.page}`;

/** `Retry-After` as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * One JSON request with the retries vendors need: 429 and 5xx (and network errors, timeouts) are
 * retried with jittered exponential backoff, honouring Retry-After, up to `maxAttempts`. The body is
 * validated with `schema`; anything else aborts with an error naming the call site and the field.
 * Other 4xx answers are returned to `onStatus` first so a connector can treat a known one as an end
 * of pages (OpenAI's invalid page token).
 */
export async function requestJson<S extends z.ZodType>(
  url: string,
  init: RequestInit,
  schema: S,
  site: CallSite,
  opts: HttpOptions & { onStatus?: (status: number, body: string) => 'end' | undefined } = {},
): Promise<z.infer<S> | 'end'> {
  const doFetch = opts.fetchImpl ?? fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  const maxAttempts = opts.maxAttempts ?? 5;
  const base = opts.baseDelayMs ?? 500;
  const cap = opts.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(url, { ...init, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    } catch (err) {
      if (attempt >= maxAttempts) {
        throw new VendorHttpError(
          `${where(site)}: no answer after ${attempt} attempts (${(err as Error).name})`,
          undefined,
          {
            cause: err,
          },
        );
      }
      await sleep(Math.min(cap, base * 2 ** (attempt - 1) * (0.5 + random())));
      continue;
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel();
      if (attempt >= maxAttempts)
        throw new VendorHttpError(`${where(site)}: HTTP ${res.status} after ${attempt} attempts`, res.status);
      const hinted = retryAfterMs(res.headers.get('retry-after'));
      await sleep(Math.min(cap, hinted ?? base * 2 ** (attempt - 1) * (0.5 + random())));
      continue;
    }
    const text = await res.text();
    if (!res.ok) {
      if (opts.onStatus?.(res.status, text) === 'end') return 'end';
      // Vendors echo request details in errors, not credentials; still, keep it short.
      throw new VendorHttpError(`${where(site)}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new VendorResponseError(
        `${where(site)}: response is not valid JSON (${text.length} bytes; truncated?)`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new VendorResponseError(`${where(site)}: ${firstProblem(parsed.error)}`);
    return parsed.data;
  }
}
