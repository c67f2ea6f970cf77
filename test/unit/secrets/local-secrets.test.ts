import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createLocalSecrets,
  readSecretsFile,
  SecretNotFoundError,
  SecretsFileError,
} from '../../../functions/adapters/secrets/local-secrets.js';

const CANARY = 'sk-ant-admin01-CANARY-7f3d9a2b5c1e8f4a6d0b';

function fileWith(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'burnwatch-secrets-')), 'secrets.json');
  writeFileSync(file, text);
  return file;
}

/** Any 8 characters of the canary in a row. */
const piecesOf = (secret: string) =>
  new RegExp(
    Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8).replace(/[-]/g, '\\-')).join(
      '|',
    ),
  );

describe('readSecretsFile', () => {
  it.each([
    ['a key without quotes', `{\n  "burnwatch/anthropic": ${CANARY}\n}`, 2, 26],
    ['a missing comma', `{"a": "${CANARY}"\n "b": "x"}`, 2, 2],
    ['a key broken over two lines', `{"a": "${CANARY.slice(0, 10)}\n${CANARY.slice(10)}"}`, 1, 18],
    ['a truncated file', `{"a": "${CANARY}`, 1, 50],
    ['a trailing comma', `{"a": "${CANARY}",}`, 1, 52],
  ])('names the file, line and column of %s and never quotes it', (_name, text, line, column) => {
    // Prepare
    const file = fileWith(text);
    // Act
    let thrown: unknown;
    try {
      readSecretsFile(file);
    } catch (err) {
      thrown = err;
    }
    // Assess
    expect(thrown).toBeInstanceOf(SecretsFileError);
    const message = (thrown as Error).message;
    expect(message).toContain(`${file}: not valid JSON at line ${line}, column ${column}`);
    expect(`${message}\n${(thrown as Error).stack}`).not.toMatch(piecesOf(CANARY));
  });

  it('says which entry is not a string without showing any value', () => {
    const file = fileWith(JSON.stringify({ 'burnwatch/openai': { key: CANARY }, ok: 'x' }));

    expect(() => readSecretsFile(file)).toThrow(/"burnwatch\/openai" is not a string/);
    expect(() => readSecretsFile(file)).not.toThrow(piecesOf(CANARY));
    expect(() => readSecretsFile(fileWith(`["${CANARY}"]`))).toThrow(/the top level is not an object/);
  });

  it('reads a valid file (with a byte-order mark)', () => {
    expect(readSecretsFile(fileWith(`\uFEFF{"a": "${CANARY}"}`))).toEqual({ a: CANARY });
  });
});

describe('createLocalSecrets', () => {
  it('prefers the environment variable, then the file, and names both when neither has it', async () => {
    const file = fileWith('{"burnwatch/openai": "from-file"}');
    const secret = createLocalSecrets({ BURNWATCH_SECRET_BURNWATCH_CURSOR: 'from-env' }, file);

    expect(await secret('burnwatch/cursor')).toBe('from-env');
    expect(await secret('burnwatch/openai')).toBe('from-file');
    await expect(secret('burnwatch/none')).rejects.toThrow(SecretNotFoundError);
    await expect(secret('burnwatch/none')).rejects.toThrow(/BURNWATCH_SECRET_BURNWATCH_NONE or add it to/);
  });
});
