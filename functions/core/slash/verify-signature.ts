import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects requests older than this; so do we (replay protection). */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

/**
 * How old a request the deferred worker still answers: as long as its `response_url` takes answers
 * (30 minutes). The front door took it within five minutes; the job then reaches the worker only
 * through Lambda (IAM), where a throttled flood can keep it queued for minutes, and an asker told
 * "Working on it" must still get the answer. A second delivery of a state-changing command is
 * dropped by its marker, not by its age.
 */
export const DEFERRED_MAX_AGE_SECONDS = 30 * 60;

export type SignatureFailure = 'missing-headers' | 'stale' | 'malformed' | 'mismatch';

export interface SignedRequest {
  /** `X-Slack-Request-Timestamp`: unix seconds as text. */
  readonly timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=` + hex HMAC-SHA256. */
  readonly signature: string | undefined;
  /** The body exactly as received (before any parsing). */
  readonly rawBody: string;
}

/** Slack's v0 signature of a request: `v0=` + HMAC-SHA256(secret, `v0:{timestamp}:{body}`) in hex. */
export function signSlackRequest(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * The checks that need no secret: both headers present, a numeric timestamp within five minutes of
 * `nowSeconds` either way, a `v0=` + 64 hex signature. Lets garbage be turned away before the signing
 * secret is even fetched (a flood on a cold start never waits on Secrets Manager).
 */
export function checkSignatureShape(
  req: Omit<SignedRequest, 'rawBody'>,
  nowSeconds: number,
  maxAgeSeconds = MAX_REQUEST_AGE_SECONDS,
): SignatureFailure | null {
  const { timestamp, signature } = req;
  if (!timestamp || !signature) return 'missing-headers';
  if (!/^\d{1,12}$/.test(timestamp)) return 'malformed';
  const age = nowSeconds - Number(timestamp);
  // From the future only by clock skew (five minutes either way); from the past up to the max age.
  if (age > maxAgeSeconds || -age > MAX_REQUEST_AGE_SECONDS) return 'stale';
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return 'malformed';
  return null;
}

/**
 * Verifies a Slack request before anything else looks at it: {@link checkSignatureShape}, then the
 * signature equal in constant time. Returns null when valid, else why not (for metrics; the caller
 * answers 401 with no detail).
 */
export function verifySlackSignature(
  req: SignedRequest,
  signingSecret: string,
  nowSeconds: number,
  maxAgeSeconds = MAX_REQUEST_AGE_SECONDS,
): SignatureFailure | null {
  const shape = checkSignatureShape(req, nowSeconds, maxAgeSeconds);
  if (shape) return shape;
  const { timestamp = '', signature = '', rawBody } = req;
  const expected = Buffer.from(signSlackRequest(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // Same length is guaranteed by the format check; timingSafeEqual throws otherwise.
  return expected.length === given.length && timingSafeEqual(expected, given) ? null : 'mismatch';
}
