/** A POST to a Slack `response_url` failed; the message names the status, never the URL (a credential). */
export class ResponseUrlError extends Error {
  override readonly name = 'ResponseUrlError';
  readonly code = 'SLACK_RESPONSE_URL';
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Posts deferred `/burn` answers to Slack's `response_url` (JSON body, the same shape as an immediate
 * answer). One retry on a network error, a timeout or a 5xx; a 4xx (the URL expired after 30 minutes
 * or was used 5 times) is final.
 */
export function createResponseUrlPoster(
  opts: { fetchImpl?: typeof fetch; timeoutMs?: number; attempts?: number } = {},
): (url: string, message: unknown) => Promise<void> {
  const doFetch = opts.fetchImpl ?? fetch;
  const attempts = opts.attempts ?? 2;
  return async (url, message) => {
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 3000),
        });
      } catch (err) {
        last = new ResponseUrlError(`response_url did not answer (${(err as Error).name})`, undefined, {
          cause: err,
        });
        continue;
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return;
      last = new ResponseUrlError(`response_url answered HTTP ${res.status}`, res.status);
      if (res.status < 500) break;
    }
    throw last;
  };
}
