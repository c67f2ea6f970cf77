import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  ERROR_BODY_EXCERPT,
  redactedExcerpt,
  requestJson,
  scrub,
} from '../../../functions/adapters/vendors/http.js';

const KEY = 'sk-admin-Zq8w3Lr5Tn1Vb7Xc9Mk2Jh4Gf6Ds0Pa'; // 36 characters, as in issue 13

/** Any 8 characters of `secret` in a row. */
function pieceOf(text: string, secret: string): string | undefined {
  for (let i = 0; i + 8 <= secret.length; i++)
    if (text.includes(secret.slice(i, i + 8))) return secret.slice(i, i + 8);
  return undefined;
}

describe('redactedExcerpt', () => {
  it.each([0, 100, ERROR_BODY_EXCERPT - KEY.length, ERROR_BODY_EXCERPT - KEY.length + 1, 190, 199, 200, 400])(
    'leaves no piece of a key echoed at character %i, whatever the cut',
    (offset) => {
      // Prepare: the key at `offset` of a long error body (issue 13: at 165 it leaked 35 of 36 characters)
      const body = `${'x'.repeat(offset)}${KEY}${'y'.repeat(300)}`;
      // Act
      const excerpt = redactedExcerpt(body, [KEY]);
      // Assess
      expect(pieceOf(excerpt, KEY)).toBeUndefined();
      expect(excerpt.length).toBeLessThanOrEqual(ERROR_BODY_EXCERPT);
    },
  );

  it('removes a key the vendor cut itself, JSON-escaped or URL-encoded echoes, and keeps the rest', () => {
    const slashy = 'ghp/abc+def/ghi=jkl/mno+pqr';
    const body = `{"message":"bad token ${KEY.slice(0, 20)}","a":"${slashy.replaceAll('/', '\\/')}","u":"${encodeURIComponent(slashy)}"}`;

    const excerpt = redactedExcerpt(body, [KEY, slashy]);

    expect(pieceOf(excerpt, KEY)).toBeUndefined();
    expect(excerpt).toBe('{"message":"bad token [redacted]","a":"[redacted]","u":"[redacted]"}');
  });
});

describe('scrub', () => {
  it('replaces the whole credential and any 12 characters of it, not shorter coincidences', () => {
    expect(scrub(`key=${KEY} part=${KEY.slice(10, 24)} short=${KEY.slice(0, 6)}`, [KEY])).toBe(
      `key=[redacted] part=[redacted] short=${KEY.slice(0, 6)}`,
    );
  });
});

describe('waits between attempts', () => {
  /** A loopback server answering request n with `answers[n]` (status, headers); 200 `[]` after. */
  async function serve(answers: ReadonlyArray<{ status: number; headers: Record<string, string> }>) {
    let n = 0;
    const server = createServer((_req, res) => {
      const a = answers[n++];
      if (a) res.writeHead(a.status, a.headers).end('{"message":"no"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orgs/acme/members`;
    return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
  }
  const site = { source: 'github', endpoint: 'orgs/members', page: 1 };
  const clock = { now: () => new Date('2026-04-01T06:00:00Z') };
  const inSeconds = (s: number) => String(clock.now().getTime() / 1000 + s);
  /** The waits one request made before it got its 200. */
  async function waitsBefore(answers: Parameters<typeof serve>[0]): Promise<number[]> {
    const server = await serve(answers);
    const waits: number[] = [];
    try {
      await requestJson(server.url, {}, z.array(z.unknown()), site, {
        sleep: async (ms) => void waits.push(ms),
        random: () => 0.1,
        clock,
      });
    } finally {
      await server.close();
    }
    return waits;
  }

  it('backs off on a 5xx that still has rate limit left, not until x-ratelimit-reset (GitHub sends it on every answer)', async () => {
    const waits = await waitsBefore([
      { status: 500, headers: { 'x-ratelimit-remaining': '4998', 'x-ratelimit-reset': inSeconds(3600) } },
    ]);
    expect(waits).toEqual([300]); // 500 ms × (0.5 + 0.1), the first backoff
  });

  it('waits out a spent rate limit until x-ratelimit-reset as the run’s clock reads it', async () => {
    const waits = await waitsBefore([
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': inSeconds(10) } },
    ]);
    expect(waits).toEqual([10_000]);
  });
});

describe('requestJson with idempotent: false', () => {
  const site = { source: 'copilot-limits', endpoint: '/budgets', page: 1 };
  /** A fetch answering with `answers` in turn (an Error is a dropped connection), counting calls. */
  const fetchAnswering = (answers: Array<number | Error>) => {
    const calls: number[] = [];
    const fetchImpl = (async () => {
      const next = answers[calls.length] ?? 200;
      calls.push(calls.length);
      if (next instanceof Error) throw next;
      return new Response(next === 200 ? '{"id":"b1"}' : '{}', {
        status: next,
        headers: next === 429 ? { 'retry-after': '0' } : {},
      });
    }) as typeof fetch;
    return { calls, fetchImpl };
  };
  const send = (fetchImpl: typeof fetch) =>
    requestJson(
      'http://vendor.test/budgets',
      { method: 'POST', body: '{}' },
      z.object({ id: z.string() }),
      site,
      {
        fetchImpl,
        sleep: async () => {},
        idempotent: false,
      },
    );

  it.each([
    ['a 502', 502],
    ['a dropped connection', new TypeError('fetch failed')],
  ])('sends a create once when %s leaves it unknown whether the vendor made it', async (_, answer) => {
    // Prepare
    const { calls, fetchImpl } = fetchAnswering([answer]);

    // Act
    const result = send(fetchImpl);

    // Assess: the caller gets the failure (and reads back); nothing is sent a second time.
    await expect(result).rejects.toMatchObject({ code: 'VENDOR_HTTP' });
    expect(calls).toHaveLength(1);
  });

  it('still retries a 429: the vendor refused it without acting on it', async () => {
    // Prepare
    const { calls, fetchImpl } = fetchAnswering([429]);

    // Act
    const result = await send(fetchImpl);

    // Assess
    expect(result).toEqual({ id: 'b1' });
    expect(calls).toHaveLength(2);
  });
});

describe('a vendor that cannot be reached', () => {
  const site = { source: 'anthropic', endpoint: 'analytics/cost', page: 1 };
  const failWith = (err: Error) => (async () => Promise.reject(err)) as unknown as typeof fetch;

  // Found by a new user: with no network the ingest error read "no answer after 5 attempts (TypeError)",
  // the name of the error fetch throws, saying neither what failed nor what to check.
  it.each([
    [
      'a host that does not resolve',
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND api.anthropic.com'), { code: 'ENOTFOUND' }),
      }),
      'no answer after 2 attempts (getaddrinfo ENOTFOUND api.anthropic.com): check the network',
    ],
    [
      'a request that timed out',
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      'no answer after 2 attempts (no answer within 30 s): check the network',
    ],
  ])('names the cause of %s and what to check', async (_name, err, expected) => {
    // Act
    const result = requestJson('https://api.anthropic.com/x', {}, z.unknown(), site, {
      fetchImpl: failWith(err),
      sleep: async () => {},
      maxAttempts: 2,
    });
    // Assess
    await expect(result).rejects.toThrow(expected);
  });
});
