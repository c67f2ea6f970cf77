import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { locateJsonSyntaxError } from '../../core/json-syntax.js';

export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  readonly code = 'SECRET_NOT_FOUND';
}

/**
 * `.burnwatch/secrets.json` cannot be used. The message names the file and, for a syntax error, the
 * line and column; it never quotes the file (it holds keys).
 */
export class SecretsFileError extends Error {
  override readonly name = 'SecretsFileError';
  readonly code = 'SECRETS_FILE_INVALID';
}

/** `burnwatch/openai-admin-key` → `BURNWATCH_SECRET_BURNWATCH_OPENAI_ADMIN_KEY`. */
export function secretEnvName(secretName: string): string {
  return `BURNWATCH_SECRET_${secretName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const secretsFileSchema = z.record(z.string(), z.string());
const EXPECTED = 'a JSON object of secret name → key, e.g. {"burnwatch/openai-admin-key": "sk-admin-…"}';

/**
 * Reads a secrets file. Errors name the file and where it goes wrong, never its content: not
 * `JSON.parse`'s message (Node 20 quotes the text around the error), not zod's input.
 */
export function readSecretsFile(
  file: string,
  read: (path: string) => string = readUtf8,
): Record<string, string> {
  let text: string;
  try {
    text = read(file).replace(/^\uFEFF/, '');
  } catch (err) {
    throw new SecretsFileError(
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: err,
      },
    );
  }
  const syntax = locateJsonSyntaxError(text);
  if (syntax) {
    throw new SecretsFileError(
      `${file}: not valid JSON at line ${syntax.line}, column ${syntax.column}: ${syntax.message} (the file is not quoted here because it holds keys; it should be ${EXPECTED})`,
    );
  }
  const parsed = secretsFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) =>
      i.path.length === 0 ? 'the top level is not an object' : `"${String(i.path[0])}" is not a string`,
    );
    throw new SecretsFileError(`${file}: ${[...new Set(where)].join('; ')}; it should be ${EXPECTED}`);
  }
  return parsed.data;
}

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Secrets for the CLI: an environment variable named after the secret, else `.burnwatch/secrets.json`
 * (`{ "burnwatch/openai-admin-key": "sk-admin-…" }`). Lambdas read Secrets Manager instead. Values
 * never appear in errors; a broken file is reported by name, line and column.
 */
export function createLocalSecrets(env: Readonly<Record<string, string | undefined>>, file: string) {
  let fromFile: Record<string, string> | undefined;
  return async (secretName: string): Promise<string> => {
    const fromEnv = env[secretEnvName(secretName)];
    if (fromEnv) return fromEnv;
    fromFile ??= existsSync(file) ? readSecretsFile(file) : {};
    const value = fromFile[secretName];
    if (value) return value;
    throw new SecretNotFoundError(
      `secret "${secretName}" not found: set ${secretEnvName(secretName)} or add it to ${file}`,
    );
  };
}
