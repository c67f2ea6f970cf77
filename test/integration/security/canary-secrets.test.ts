import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicConnector } from '../../../functions/adapters/vendors/anthropic.js';
import { createCopilotConnector } from '../../../functions/adapters/vendors/copilot.js';
import { createCursorConnector } from '../../../functions/adapters/vendors/cursor.js';
import { ERROR_BODY_EXCERPT } from '../../../functions/adapters/vendors/http.js';
import { createOpenAiConnector } from '../../../functions/adapters/vendors/openai.js';
import type { Connector } from '../../../functions/core/ingest/connector.js';
import { startFakeSecretsManager } from '../../fixtures/aws/fake-secrets-manager.js';
import {
  type EchoFault,
  type EchoVendor,
  startKeyEchoServer,
} from '../../fixtures/vendors/key-echo-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

/**
 * Issue 13: a vendor key must never reach any output. Every vendor's test server echoes the canary
 * key in its error bodies at many offsets (right at the excerpt's cut included), as the bare key,
 * the whole Authorization header and a key the vendor cut itself; a broken secrets file holds one
 * too. Every byte of stdout, stderr, thrown errors and logs is searched for any 8 characters of it.
 */
const dynamo = useLocalDynamo();
const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..', '..');
const tsx = join(repo, 'node_modules', '.bin', 'tsx');
const VENDORS: readonly EchoVendor[] = ['anthropic', 'openai', 'cursor', 'copilot'];
const range = { from: '2026-03-01', to: '2026-03-02' };

/** A fresh 36-character key per vendor and run, so no fixture text can contain it by chance. */
const canary = (vendor: EchoVendor) =>
  `sk-${vendor.slice(0, 2)}-${randomBytes(40).toString('base64url').replace(/[-_]/g, '').slice(0, 30)}`;
const keys = Object.fromEntries(VENDORS.map((v) => [v, canary(v)])) as Record<EchoVendor, string>;
/** What a leak looks like: 8 characters in a row of a key, or of Cursor's Basic header (base64 of it). */
const forbidden = VENDORS.flatMap((v) => [keys[v], Buffer.from(`${keys[v]}:`).toString('base64')]);

function leaks(text: string): string[] {
  const found = new Set<string>();
  for (const secret of forbidden)
    for (let i = 0; i + 8 <= secret.length; i++)
      if (text.includes(secret.slice(i, i + 8))) found.add(secret.slice(i, i + 8));
  return [...found];
}

/** Every fault: all error statuses × offsets around the excerpt's cut, each form of echo, and a 200. */
const FAULTS: EchoFault[] = [
  ...([400, 401, 403, 404, 422] as const).flatMap((status) =>
    [60, 150, ERROR_BODY_EXCERPT - 36, ERROR_BODY_EXCERPT - 35, 180, 199, 200, 260].map((offset) => ({
      status,
      offset,
      form: 'key' as const,
    })),
  ),
  ...[150, ERROR_BODY_EXCERPT - 42, ERROR_BODY_EXCERPT - 20, 199].map((offset) => ({
    status: 401 as const,
    offset,
    form: 'header' as const,
  })),
  ...[ERROR_BODY_EXCERPT - 15, 190, 199].map((offset) => ({
    status: 403 as const,
    offset,
    form: 'cut' as const,
  })),
  ...([429, 500, 503] as const).map((status) => ({
    status,
    offset: ERROR_BODY_EXCERPT - 30,
    form: 'key' as const,
  })),
  { status: 200, offset: 0, form: 'key' },
];

const fast = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 };
function connectorOf(vendor: EchoVendor, baseUrl: string): Connector {
  const key = async () => keys[vendor];
  switch (vendor) {
    case 'anthropic':
      return createAnthropicConnector({ sourceId: vendor, apiKey: key, baseUrl, ...fast });
    case 'openai':
      return createOpenAiConnector({ sourceId: vendor, apiKey: key, baseUrl, ...fast });
    case 'cursor':
      return createCursorConnector({ sourceId: vendor, apiKey: key, baseUrl, ...fast });
    case 'copilot':
      return createCopilotConnector({
        sourceId: vendor,
        organization: 'acme',
        seatPriceUsdPerMonth: 19,
        token: key,
        baseUrl,
        ...fast,
      });
  }
}

let fault: EchoFault = { status: 401, offset: ERROR_BODY_EXCERPT - 35, form: 'key' };
const servers: Array<Awaited<ReturnType<typeof startKeyEchoServer>>> = [];
const baseUrls = {} as Record<EchoVendor, string>;
beforeAll(async () => {
  for (const v of VENDORS) {
    const server = await startKeyEchoServer(v, () => fault);
    servers.push(server);
    baseUrls[v] = server.baseUrl;
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A project directory: the config with the four sources on their echo servers, and `.burnwatch/`. */
function project(secretsFile: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-canary-'));
  mkdirSync(join(dir, '.burnwatch'));
  writeFileSync(join(dir, '.burnwatch', 'secrets.json'), secretsFile);
  const config = join(dir, 'burnwatch.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      organization: { name: 'Acme' },
      fiscalYear: { startMonth: 3, startDay: 1 },
      teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
      sources: VENDORS.map((v) => ({
        id: v,
        type: v,
        secretName: `burnwatch/${v}`,
        // OpenAI's base URL includes /v1 (the config checks it); the echo server answers any path.
        baseUrl: v === 'openai' ? `${baseUrls[v]}/v1` : baseUrls[v],
        ...(v === 'copilot' ? { organization: 'acme', seatPriceUsdPerMonth: 19 } : {}),
      })),
      finance: { slackChannel: '#finance' },
    }),
  );
  return { dir, config };
}
const secretsJson = JSON.stringify(
  Object.fromEntries(VENDORS.map((v) => [`burnwatch/${v}`, keys[v]])),
  null,
  2,
);

/** Runs a command to completion, whatever its exit code, with every byte it wrote. */
async function spawnAll(file: string, args: string[], opts: { cwd: string; env: Record<string, string> }) {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: opts.cwd,
      env: {
        PATH: process.env.PATH ?? '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...opts.env,
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, output: `${stdout}\n${stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}\n${e.stderr ?? ''}` };
  }
}

describe('canary keys never leave burnwatch (issue 13)', () => {
  it.each(VENDORS)('%s: no fault of the vendor puts any piece of the key in the error', async (vendor) => {
    // Prepare
    const connector = connectorOf(vendor, baseUrls[vendor]);
    const seen: string[] = [];
    for (const f of FAULTS) {
      fault = f;
      // Act
      const error = await connector.fetchUsage(range).then(
        () => undefined,
        (err: unknown) => err,
      );
      // Assess: it failed, naming the status or the field, and nothing of the key is anywhere in it
      expect(error, `${vendor} ${JSON.stringify(f)}`).toBeInstanceOf(Error);
      const everything = `${String(error)}\n${inspect(error, { depth: 20 })}\n${JSON.stringify(error)}`;
      expect(leaks(everything), `${vendor} ${JSON.stringify(f)}: ${everything}`).toEqual([]);
      seen.push((error as Error).message);
    }
    // The faults really did reach the error paths (the status is named, the excerpt kept its redaction).
    expect(seen.some((m) => /HTTP 401 .*\[redacted\]/.test(m))).toBe(true);
    expect(seen.some((m) => /HTTP 500 after 2 attempts/.test(m))).toBe(true);
  });

  it('burnwatch ingest (CLI, own process): stdout, stderr and the stored errors hold no piece of any key', async () => {
    // Prepare: keys in .burnwatch/secrets.json, every vendor echoing at the cut
    const { dir, config } = project(secretsJson);
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'canary-cli' };
    const outputs: string[] = [];
    for (const f of [
      { status: 401, offset: ERROR_BODY_EXCERPT - 35, form: 'key' },
      { status: 422, offset: 199, form: 'header' },
      { status: 403, offset: 190, form: 'cut' },
    ] as const) {
      fault = f;
      // Act
      const ingest = await spawnAll(
        process.execPath,
        [
          join(repo, 'functions/cli/bin.mjs'),
          'ingest',
          '--config',
          config,
          '--from',
          range.from,
          '--to',
          range.to,
        ],
        { cwd: dir, env },
      );
      // Assess: every source failed (exit 1) and said why
      expect(ingest.code).toBe(1);
      expect(ingest.output).toMatch(/anthropic\s+failed/);
      outputs.push(ingest.output);
    }
    const status = await spawnAll(
      process.execPath,
      [join(repo, 'functions/cli/bin.mjs'), 'ingest', '--status', '--json', '--config', config],
      { cwd: dir, env },
    );
    expect(status.output).toMatch(/HTTP 403/);
    outputs.push(status.output);
    for (const o of outputs) expect(leaks(o), o).toEqual([]);
  });

  it('the ingest Lambda handler (own process, Secrets Manager and Powertools logs): no piece of any key', async () => {
    // Prepare: the keys in a local Secrets Manager; the handler module run as the Lambda runtime would
    const { dir, config } = project('{}');
    const { tableName } = await dynamo.newStore();
    const sm = await startFakeSecretsManager(
      Object.fromEntries(VENDORS.map((v) => [`burnwatch/${v}`, keys[v]])),
    );
    fault = { status: 401, offset: ERROR_BODY_EXCERPT - 35, form: 'key' };
    try {
      // Act
      const lambda = await spawnAll(
        tsx,
        [
          join(repo, 'test/helpers/invoke-handler.ts'),
          join(repo, 'functions/ingest/handler.ts'),
          JSON.stringify(range),
        ],
        {
          cwd: dir,
          env: {
            TABLE_NAME: tableName,
            BURNWATCH_CONFIG_FILE: config,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
            AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
            POWERTOOLS_SERVICE_NAME: 'burnwatch-ingest',
            POWERTOOLS_METRICS_NAMESPACE: 'Burnwatch',
          },
        },
      );
      // Assess: the run failed loudly, logged each source, and nothing of a key is in any byte
      expect(lambda.code).toBe(1);
      expect(lambda.output).toMatch(/"message":"source ingested"/);
      expect(lambda.output).toMatch(/IngestFailedError.*anthropic: .*HTTP 401/);
      expect(leaks(lambda.output), lambda.output).toEqual([]);
    } finally {
      await sm.close();
    }
  });

  it('a broken .burnwatch/secrets.json is named with its line and column, its keys never shown', async () => {
    // Prepare: the keys file with a missing comma after the first key, and an unquoted one later
    const broken = secretsJson.replace(`${keys.anthropic}",`, `${keys.anthropic}"`);
    const { dir, config } = project(broken);
    // Act
    const ingest = await spawnAll(
      process.execPath,
      [
        join(repo, 'functions/cli/bin.mjs'),
        'ingest',
        '--config',
        config,
        '--from',
        range.from,
        '--to',
        range.to,
      ],
      { cwd: dir, env: { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'canary-file' } },
    );
    // Assess
    expect(ingest.code).toBe(1);
    expect(ingest.output).toContain(
      `${join(dir, '.burnwatch', 'secrets.json')}: not valid JSON at line 3, column 3`,
    );
    expect(leaks(ingest.output), ingest.output).toEqual([]);
  });
});
