import { describe, expect, it } from 'vitest';
import { signSlackRequest, verifySlackSignature } from '../../../functions/core/slash/verify-signature.js';

// Slack's documented example ("Verifying requests from Slack").
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const NOW = Number(TIMESTAMP);

describe('Slack request signatures', () => {
  it("computes Slack's documented example signature", () => {
    expect(signSlackRequest(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it("accepts Slack's documented example request", () => {
    expect(
      verifySlackSignature({ timestamp: TIMESTAMP, signature: SIGNATURE, rawBody: BODY }, SECRET, NOW),
    ).toBeNull();
  });

  it.each([
    ['a tampered body', { rawBody: BODY.replace('roadrunner', 'coyote') }, NOW, 'mismatch'],
    ['another secret', {}, NOW, 'mismatch', 'not-the-secret'],
    ['a replay six minutes later', {}, NOW + 6 * 60, 'stale'],
    ['a timestamp from the future', {}, NOW - 6 * 60, 'stale'],
    ['no signature header', { signature: undefined }, NOW, 'missing-headers'],
    ['no timestamp header', { timestamp: undefined }, NOW, 'missing-headers'],
    ['a signature of the wrong length', { signature: `${SIGNATURE}00` }, NOW, 'malformed'],
    ['a non-v0 signature', { signature: SIGNATURE.replace('v0=', 'v1=') }, NOW, 'malformed'],
    ['a non-numeric timestamp', { timestamp: '15314x0618' }, NOW, 'malformed'],
  ] as const)('rejects %s', (_name, over, now, expected, secret: string = SECRET) => {
    const req = { timestamp: TIMESTAMP, signature: SIGNATURE, rawBody: BODY, ...over };
    expect(verifySlackSignature(req, secret, now)).toBe(expected);
  });

  it('accepts a request four minutes old', () => {
    expect(
      verifySlackSignature({ timestamp: TIMESTAMP, signature: SIGNATURE, rawBody: BODY }, SECRET, NOW + 240),
    ).toBeNull();
  });
});
