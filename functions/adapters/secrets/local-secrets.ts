import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';

export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  readonly code = 'SECRET_NOT_FOUND';
}

/** `burnwatch/openai-admin-key` → `BURNWATCH_SECRET_BURNWATCH_OPENAI_ADMIN_KEY`. */
export function secretEnvName(secretName: string): string {
  return `BURNWATCH_SECRET_${secretName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Secrets for the CLI: an environment variable named after the secret, else `.burnwatch/secrets.json`
 * (`{ "burnwatch/openai-admin-key": "sk-admin-…" }`). Lambdas read Secrets Manager instead. Values
 * never appear in errors.
 */
export function createLocalSecrets(env: Readonly<Record<string, string | undefined>>, file: string) {
  let fromFile: Record<string, string> | undefined;
  return async (secretName: string): Promise<string> => {
    const fromEnv = env[secretEnvName(secretName)];
    if (fromEnv) return fromEnv;
    if (fromFile === undefined) {
      fromFile = existsSync(file)
        ? z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(file, 'utf8')))
        : {};
    }
    const value = fromFile[secretName];
    if (value) return value;
    throw new SecretNotFoundError(
      `secret "${secretName}" not found: set ${secretEnvName(secretName)} or add it to ${file}`,
    );
  };
}
