import type * as z from 'zod';
import { SourceOutOfTimeError } from '../../core/ingest/connector.js';
import { type Clock, systemClock } from '../../core/ports.js';

/**
 * GitHub answers an exhausted rate limit with 403 as well as 429: `x-ratelimit-remaining: 0` (primary
 * limit) or a `retry-after` (secondary limit). Any other 403 is a permission problem, not retried.
 */
function isRateLimit403(res: Response): boolean {
  return (
    res.status === 403 &&
    (res.headers.get('x-ratelimit-remaining') === '0' || res.headers.get('retry-after') !== null)
  );
}

/** `x-ratelimit-reset` (epoch seconds) → ms from `now`. */
function resetAfterMs(header: string | null, now: number): number | undefined {
  if (!header || !/^\d+$/.test(header)) return undefined;
  return Math.max(0, Number(header) * 1000 - now);
}

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
  /** The run's budget for this source: once aborted, no request or retry is started. */
  readonly signal?: AbortSignal;
  /** How a 200's body becomes the value the schema checks (default JSON.parse; NDJSON reports). */
  readonly decode?: (text: string) => unknown;
  /** The run's clock, against which `Retry-After` dates and `x-ratelimit-reset` are measured. */
  readonly clock?: Clock;
  /**
   * false for a request that must not be sent twice (a create): a 5xx, a timeout or a dropped
   * connection is not retried, since the vendor may have acted on it; the caller reads back instead.
   * 429 and a rate-limited 403 are still retried (the vendor refused them unprocessed). @default true
   */
  readonly idempotent?: boolean;
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
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The `rel="next"` URL of an RFC 8288 `Link` header (GitHub's pagination), if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

/** Credentials this request carries (header values), so they can be scrubbed from any message. */
function credentialsOf(init: RequestInit): string[] {
  const headers = new Headers(init.headers);
  const out: string[] = [];
  for (const name of ['authorization', 'x-api-key']) {
    const v = headers.get(name);
    if (!v) continue;
    out.push(v);
    // `Bearer sk-…` / `Basic base64`: the bare token too.
    const token = v.split(' ').at(-1);
    if (token && token.length >= 8) out.push(token);
    if (/^basic /i.test(v) && token) {
      const user = Buffer.from(token, 'base64').toString('utf8').split(':')[0];
      if (user && user.length >= 8) out.push(user);
    }
  }
  return out;
}

const REDACTED = '[redacted]';
/** A run this long of a credential's characters is a piece of it (a vendor that cut its own echo mid-key). */
const MIN_FRAGMENT = 12;
/** How much of a vendor's error body an error message quotes (after redaction). */
export const ERROR_BODY_EXCERPT = 200;

/** The forms a credential takes when a server echoes it: as sent, JSON-escaped (`\/`), URL-encoded. */
function echoedForms(secret: string): string[] {
  return [
    ...new Set([
      secret,
      secret.replaceAll('/', '\\/'),
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
    ]),
  ];
}

/** Every echoed form of every credential replaced, over the whole text (cheap on large bodies). */
function redactWhole(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) for (const form of echoedForms(s)) out = out.split(form).join(REDACTED);
  return out;
}

/** Runs of `MIN_FRAGMENT` or more characters of a credential replaced (for short texts: quadratic-ish). */
function redactFragments(text: string, secrets: readonly string[]): string {
  const long = secrets.filter((s) => s.length >= MIN_FRAGMENT);
  if (long.length === 0) return text;
  const within = (piece: string) => long.some((s) => s.includes(piece));
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (i + MIN_FRAGMENT <= text.length && within(text.slice(i, i + MIN_FRAGMENT))) {
      let end = i + MIN_FRAGMENT;
      while (end < text.length && within(text.slice(i, end + 1))) end++;
      out += REDACTED;
      i = end;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/**
 * `text` (an error message, a zod problem) with every credential, and any piece of one, replaced by
 * `[redacted]`. For texts of a few hundred characters; use {@link redactedExcerpt} for response bodies.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  return redactFragments(redactWhole(text, secrets), secrets);
}

/**
 * The first `max` characters of an upstream body for an error message, redacted BEFORE it is cut: a
 * key echoed across the cut would otherwise survive as a prefix no exact match finds (issue 13: a key
 * at character 180 of a body cut at 200 showed 20 of its characters). Pieces of a key the vendor cut
 * itself are removed from the excerpt too.
 */
export function redactedExcerpt(text: string, secrets: readonly string[], max = ERROR_BODY_EXCERPT): string {
  // Pieces are looked for a key's length past the cut, so one straddling it is removed whole first.
  const reach = Math.max(0, ...secrets.map((s) => s.length));
  return redactFragments(redactWhole(text, secrets).slice(0, max + reach), secrets).slice(0, max);
}

/** A validated body plus the response headers (for Link-header paging). */
export interface JsonResponse<T> {
  readonly body: T;
  readonly headers: Headers;
}

/**
 * What a request that got no answer ran into, in words a person can act on: fetch throws a bare
 * `TypeError: fetch failed` whose cause says what happened (`getaddrinfo ENOTFOUND api.anthropic.com`,
 * `connect ECONNREFUSED 127.0.0.1:8080`), and a timeout is a `TimeoutError`.
 */
function transportFailure(err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err).slice(0, 120);
  if (err.name === 'TimeoutError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = err.cause;
  if (cause instanceof Error && cause.message) return cause.message.slice(0, 120);
  return (err.message && err.message !== 'fetch failed' ? err.message : err.name).slice(0, 120);
}

/**
 * One JSON request with the retries vendors need: 429 and 5xx (and network errors, timeouts) are
 * retried with jittered exponential backoff, honouring Retry-After, up to `maxAttempts`. The body is
 * validated with `schema`; anything else aborts with an error naming the call site and the field.
 * Other 4xx answers are returned to `onStatus` first so a connector can treat a known one as an end
 * of pages (OpenAI's invalid page token). Credentials sent with the request never appear in errors.
 */
export async function requestJson<S extends z.ZodType>(
  url: string,
  init: RequestInit,
  schema: S,
  site: CallSite,
  opts: HttpOptions & {
    onStatus?: (status: number, body: string) => 'end' | undefined;
    emptyAs?: unknown;
  } = {},
): Promise<z.infer<S> | 'end'> {
  const res = await requestJsonWithHeaders(url, init, schema, site, opts);
  return res === 'end' ? res : res.body;
}

/** `requestJson`, also returning the response headers. */
export async function requestJsonWithHeaders<S extends z.ZodType>(
  url: string,
  init: RequestInit,
  schema: S,
  site: CallSite,
  opts: HttpOptions & {
    onStatus?: (status: number, body: string) => 'end' | undefined;
    /** What an empty 2xx body (a 204 to a DELETE) stands for; absent, an empty body is an error. */
    emptyAs?: unknown;
  } = {},
): Promise<JsonResponse<z.infer<S>> | 'end'> {
  const doFetch = opts.fetchImpl ?? fetch;
  const signal = opts.signal;
  const pause = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // A wait ends early when the source's budget runs out; the next check then stops the source.
  // The listener goes when the wait ends, so many waits on one source's signal do not pile up.
  const sleep = async (ms: number) => {
    if (!signal) return pause(ms);
    let onAbort = () => {};
    const aborted = new Promise<void>((r) => {
      onAbort = r;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([pause(ms), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
  const stopIfOutOfTime = () => {
    if (signal?.aborted) throw new SourceOutOfTimeError(where(site));
  };
  const random = opts.random ?? Math.random;
  const maxAttempts = opts.maxAttempts ?? 5;
  const base = opts.baseDelayMs ?? 500;
  const cap = opts.maxDelayMs ?? 30_000;
  const secrets = credentialsOf(init);
  // A 5xx or no answer leaves it uncertain whether the vendor acted: only an idempotent request is resent.
  const retriesUncertain = opts.idempotent ?? true;
  const backoff = (attempt: number) => Math.min(cap, base * 2 ** (attempt - 1) * (0.5 + random()));
  for (let attempt = 1; ; attempt++) {
    stopIfOutOfTime();
    let res: Response;
    let text: string;
    try {
      const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
      res = await doFetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      if (res.status === 429 || res.status >= 500 || isRateLimit403(res)) {
        await res.body?.cancel().catch(() => undefined);
        if (attempt >= maxAttempts || (res.status >= 500 && !retriesUncertain))
          throw new VendorHttpError(
            `${where(site)}: HTTP ${res.status} after ${attempt} attempts`,
            res.status,
          );
        // `x-ratelimit-reset` says when an exhausted limit refills; GitHub sends it on every answer,
        // so it is a wait only when the limit is spent, not for a 5xx with quota left.
        const now = (opts.clock ?? systemClock).now().getTime();
        const spent = res.headers.get('x-ratelimit-remaining') === '0';
        const hinted =
          retryAfterMs(res.headers.get('retry-after'), now) ??
          (spent ? resetAfterMs(res.headers.get('x-ratelimit-reset'), now) : undefined);
        // Honour the vendor's wait, but never sleep longer than the cap (a run has a deadline too).
        await sleep(Math.min(cap, hinted ?? backoff(attempt)));
        continue;
      }
      // The body can also time out or be cut off mid-stream: that is a transport failure, retried.
      text = await res.text();
    } catch (err) {
      if (err instanceof VendorHttpError) throw err;
      stopIfOutOfTime();
      if (attempt >= maxAttempts || !retriesUncertain) {
        throw new VendorHttpError(
          `${where(site)}: no answer after ${attempt} attempts (${scrub(transportFailure(err, opts.timeoutMs ?? 30_000), secrets)}): check the network and the source's baseUrl`,
          undefined,
          { cause: err },
        );
      }
      await sleep(backoff(attempt));
      continue;
    }
    if (!res.ok) {
      if (opts.onStatus?.(res.status, text) === 'end') return 'end';
      // Vendors echo request details (keys included) in errors: redact the whole body, then cut it.
      throw new VendorHttpError(
        `${where(site)}: HTTP ${res.status} ${redactedExcerpt(text, secrets)}`,
        res.status,
      );
    }
    let json: unknown;
    try {
      json = text === '' && 'emptyAs' in opts ? opts.emptyAs : (opts.decode ?? JSON.parse)(text);
    } catch (err) {
      throw new VendorResponseError(
        `${where(site)}: response is not valid ${opts.decode ? (err instanceof Error ? err.message : 'data') : 'JSON'} (${text.length} bytes; truncated?)`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new VendorResponseError(scrub(`${where(site)}: ${firstProblem(parsed.error)}`, secrets));
    return { body: parsed.data, headers: res.headers };
  }
}

/** More pages than a connector allows: a vendor paging loop that never ends. */
export class PageLimitError extends Error {
  override readonly name = 'PageLimitError';
  readonly code = 'VENDOR_PAGE_LIMIT';
}

/** Throws once `page` exceeds `max` pages. */
export function checkPageLimit(site: CallSite, max: number): void {
  if (site.page > max)
    throw new PageLimitError(`${where(site)}: more than ${max} pages; stopping (vendor paging loop?)`);
}
