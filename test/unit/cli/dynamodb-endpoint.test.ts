import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCliCaptured } from '../../helpers/cli.js';

const example = 'burnwatch.config.example.json';
const burn = ['burn', 'payments', '--config', example, '--as-of', '2026-03-31'];

describe('BURNWATCH_DYNAMODB_ENDPOINT that does not work', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // Found by a new user: each of these printed the SDK's stack trace (`Error: connect ECONNREFUSED`,
  // `Error: Region is missing`) and exited 2, naming neither the variable nor the fix.
  it('names an endpoint nothing answers at, and how to fix it', async () => {
    // Act
    const { code, err } = await runCliCaptured(burn, {
      env: { BURNWATCH_DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', BURNWATCH_DYNAMODB_TIMEOUT_MS: '2000' },
    });
    // Assess
    expect(code).toBe(1);
    expect(err).toMatch(
      /BURNWATCH_DYNAMODB_ENDPOINT: cannot reach DynamoDB at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\); start it there, or unset BURNWATCH_DYNAMODB_ENDPOINT/,
    );
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('names an endpoint that is not a URL', async () => {
    const { code, err } = await runCliCaptured(burn, {
      env: { BURNWATCH_DYNAMODB_ENDPOINT: 'localhost:8000' },
    });
    expect(code).toBe(1);
    expect(err).toContain(
      'BURNWATCH_DYNAMODB_ENDPOINT: "localhost:8000" is neither an http(s) URL (e.g. http://localhost:8000) nor aws',
    );
  });

  it('names the missing region for the real service', async () => {
    // Prepare: no region anywhere the SDK looks
    const home = mkdtempSync(join(tmpdir(), 'burnwatch-noaws-'));
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', join(home, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(home, 'credentials'));
    // Act
    const { code, err } = await runCliCaptured(burn, { env: { BURNWATCH_DYNAMODB_ENDPOINT: 'aws' } });
    // Assess
    expect(code).toBe(1);
    expect(err).toContain('BURNWATCH_DYNAMODB_ENDPOINT=aws: no AWS region is set; set AWS_REGION');
  });
});
