import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliUsageError } from '../../../functions/cli/flags.js';
import type { CliIO } from '../../../functions/cli/io.js';
import { openStore } from '../../../functions/cli/runtime.js';
import { batchedSummaries } from '../../../functions/core/slash/summary-reads.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

/**
 * A DynamoDB read that never gets an answer (a half-open connection, a stalled endpoint) must fail
 * after the CLI's request timeout instead of holding serve-slack's /burn askers, who queue behind the
 * read in flight (core/batched-reads.ts), for ever. Real DynamoDB Local behind a loopback proxy that
 * swallows BatchGetItem requests without answering them.
 */
const dynamo = useLocalDynamo();

let proxy: Server;
let proxyUrl = '';
/** How many more BatchGetItem requests the proxy holds unanswered. */
let toHold = 0;
const held: ServerResponse[] = [];
let onHeld: () => void = () => {};

function forward(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const up = new URL(dynamo.endpoint);
  const out = request(
    { host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  out.end(body);
}

beforeAll(async () => {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target.endsWith('.BatchGetItem') && toHold > 0) {
        toHold -= 1;
        held.push(res);
        onHeld();
        return;
      }
      forward(req, Buffer.concat(chunks), res);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  proxy.closeAllConnections();
  await new Promise<void>((r) => proxy.close(() => r()));
});

const io = (env: Record<string, string>): CliIO => ({
  out: () => {},
  err: () => {},
  env,
  cwd: process.cwd(),
  interactive: false,
});

/**
 * A store opened as serve-slack opens it, through the proxy, over a table with two summaries in it
 * (written directly, so only the reads under test go through the proxy's timeout).
 */
async function storeBehindProxy() {
  const { store, tableName } = await dynamo.newStore();
  await store.putTeamSummary('payments', { team: 'payments', spent: '10.00' });
  await store.putTeamSummary('search', { team: 'search', spent: '20.00' });
  return openStore(
    io({
      BURNWATCH_DYNAMODB_ENDPOINT: proxyUrl,
      BURNWATCH_TABLE: tableName,
      BURNWATCH_DYNAMODB_TIMEOUT_MS: '1000',
    }),
  );
}
const nextHold = () => new Promise<void>((r) => (onHeld = r));

describe('a DynamoDB read that never answers', () => {
  it('is retried after the timeout, so the asker and the one queued behind it both get their answer', async () => {
    const opened = await storeBehindProxy();
    try {
      const summaries = batchedSummaries(opened.store);
      toHold = 1;
      const held1 = nextHold();
      const first = summaries.getTeamSummaries(['payments']);
      await held1; // the first read is in flight and stuck
      const second = summaries.getTeamSummaries(['search']); // queued behind it
      const [a, b] = await Promise.all([first, second]);
      expect(a.get('payments')).toEqual({ team: 'payments', spent: '10.00' });
      expect(b.get('search')).toEqual({ team: 'search', spent: '20.00' });
    } finally {
      toHold = 0;
      await opened.close();
    }
  });

  it('fails with a timeout when it never answers, and the asker queued behind it is not held for ever', async () => {
    const opened = await storeBehindProxy();
    try {
      const summaries = batchedSummaries(opened.store);
      toHold = Number.POSITIVE_INFINITY;
      const held1 = nextHold();
      const first = summaries.getTeamSummaries(['payments']);
      await held1;
      const second = summaries.getTeamSummaries(['search']);
      const [a, b] = await Promise.allSettled([first, second]);
      expect(a.status).toBe('rejected');
      expect(b.status).toBe('rejected');
      expect(a.status === 'rejected' && String(a.reason?.name)).toBe('TimeoutError');
    } finally {
      toHold = 0;
      await opened.close();
    }
  }, 60_000);

  it('refuses a timeout that is not a number of milliseconds, naming the variable', async () => {
    await expect(
      openStore(io({ BURNWATCH_DYNAMODB_ENDPOINT: proxyUrl, BURNWATCH_DYNAMODB_TIMEOUT_MS: '10s' })),
    ).rejects.toThrow(CliUsageError);
    await expect(
      openStore(io({ BURNWATCH_DYNAMODB_ENDPOINT: proxyUrl, BURNWATCH_DYNAMODB_TIMEOUT_MS: '10s' })),
    ).rejects.toThrow(/BURNWATCH_DYNAMODB_TIMEOUT_MS: "10s"/);
  });
});
