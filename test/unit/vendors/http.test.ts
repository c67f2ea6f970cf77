import { describe, expect, it } from 'vitest';
import { ERROR_BODY_EXCERPT, redactedExcerpt, scrub } from '../../../functions/adapters/vendors/http.js';

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
