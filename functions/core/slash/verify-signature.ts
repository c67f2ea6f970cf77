import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects requests older than this; so do we (replay protection). */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

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
): SignatureFailure | null {
  const { timestamp, signature } = req;
  if (!timestamp || !signature) return 'missing-headers';
  if (!/^\d{1,12}$/.test(timestamp)) return 'malformed';
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_REQUEST_AGE_SECONDS) return 'stale';
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
): SignatureFailure | null {
  const shape = checkSignatureShape(req, nowSeconds);
  if (shape) return shape;
  const { timestamp = '', signature = '', rawBody } = req;
  const expected = Buffer.from(signSlackRequest(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // Same length is guaranteed by the format check; timingSafeEqual throws otherwise.
  return expected.length === given.length && timingSafeEqual(expected, given) ? null : 'mismatch';
}
