import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as z from 'zod';
import { createSlackInteractionApi } from '../../adapters/slack-api/interaction-api.js';
import { createResponseUrlPoster } from '../../adapters/slack-api/response-url.js';
import { createUserGroupMembers } from '../../adapters/slack-api/user-groups.js';
import { systemClock } from '../../core/ports.js';
import {
  type DeferredDeps,
  type DeferredRequest,
  handleSlashRequest,
  isSlackResponseUrl,
  MAX_BODY_BYTES,
  runDeferredRequest,
  type SlashRequestDeps,
} from '../../core/slash/handle-request.js';
import { batchedSummaries } from '../../core/slash/summary-reads.js';
import { engineForecaster } from '../../core/team-reports.js';
import { CliUsageError, COMMON_HELP, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';

/**
 * After a body is found too large, up to this much more is read and discarded so the client can
 * finish sending and read the 413 (a bigger upload is cut off).
 */
const DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * Reads a body up to the limit. Past it, nothing more is kept (the handler answers 413 from the
 * first `MAX_BODY_BYTES + 1` bytes) and the rest is drained in the background up to `DRAIN_LIMIT_BYTES`.
 */
function readBody(req: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (done) {
        if (size > DRAIN_LIMIT_BYTES) req.destroy();
        return;
      }
      chunks.push(chunk);
      if (size > MAX_BODY_BYTES) {
        done = true;
        resolve({ body: Buffer.concat(chunks).toString('utf8'), tooLarge: true });
      }
    });
    req.on('end', () => {
      if (!done) resolve({ body: Buffer.concat(chunks).toString('utf8'), tooLarge: false });
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
  });
}

/** Loopback response URLs (a local fake Slack) besides Slack's own. */
export function isLocalOrSlackResponseUrl(url: string): boolean {
  if (isSlackResponseUrl(url)) return true;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

/** Options of {@link createSlashServer}. */
export type SlashServerDeps = Omit<SlashRequestDeps, 'defer'> &
  Partial<Pick<DeferredDeps, 'postResponse' | 'responseUrlAllowed'>> & {
    /** Called when a deferred request was handled (tests wait on it). */
    readonly onDeferred?: (outcome: Awaited<ReturnType<typeof runDeferredRequest>> | Error) => void;
  };

/**
 * The `/burn` handler behind node:http, the same core the Lambda runs, deferred path included: a
 * request the handler hands off is worked out in the background of this process and POSTed to its
 * `response_url` (Slack's, or a loopback one for local tests), as the Lambda's async self-invoke does.
 */
export function createSlashServer(given: SlashServerDeps): Server {
  // Concurrent askers' summary reads go out together (a node server answers many at once).
  const deps = { ...given, summaries: batchedSummaries(given.summaries) };
  const worker: DeferredDeps = {
    ...deps,
    postResponse: deps.postResponse ?? createResponseUrlPoster(),
    responseUrlAllowed: deps.responseUrlAllowed ?? isLocalOrSlackResponseUrl,
  };
  const defer = async (request: DeferredRequest) => {
    setImmediate(() => {
      runDeferredRequest(request, worker).then(
        (outcome) => deps.onDeferred?.(outcome),
        (err: unknown) => deps.onDeferred?.(err instanceof Error ? err : new Error(String(err))),
      );
    });
  };
  const requestDeps: SlashRequestDeps = { ...deps, defer };
  const server = createServer(async (req, res) => {
    try {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      const read = req.method === 'POST' ? await readBody(req) : { body: '', tooLarge: false };
      const out = await handleSlashRequest({ method: req.method, headers, body: read.body }, requestDeps);
      // A body left unread (too large, or not a POST) would be taken for the next request on a
      // kept-alive connection: close it, and say so, so the client opens a new one.
      const close = read.tooLarge || req.method !== 'POST';
      res
        .writeHead(out.statusCode, close ? { ...out.headers, connection: 'close' } : out.headers)
        .end(out.body);
    } catch (err) {
      process.stderr.write(`serve-slack: ${err instanceof Error ? err.message : String(err)}\n`);
      if (!res.headersSent) res.writeHead(500, { connection: 'close' }).end();
    }
  });
  return server;
}

const flagsSchema = z.object({
  port: z
    .string({ error: 'is required (e.g. --port 3000)' })
    .regex(/^\d{1,5}$/, 'must be an integer from 1 to 65535')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, 'must be an integer from 1 to 65535'),
  config: z.string().min(1).optional(),
  defer: z.boolean().optional(),
  'answer-within': flag.positiveInt.optional(),
});

/** Listens on 127.0.0.1:port, turning the server's 'error' event into an error naming the port. */
export function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE')
        reject(
          new CliUsageError(
            `--port: port ${port} is already in use on 127.0.0.1; stop what is using it or pick another port`,
          ),
        );
      else if (err.code === 'EACCES')
        reject(
          new CliUsageError(
            `--port: port ${port} needs privileges to listen on (ports below 1024 do); pick a port from 1024 to 65535`,
          ),
        );
      else
        reject(new CliUsageError(`--port: cannot listen on 127.0.0.1:${port} (${err.code ?? err.message})`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

export const serveSlackCommand: CommandModule = {
  summary: 'Serve /burn on a local HTTP server (the Lambda handler, for a real Slack app or tests)',
  usage: [
    'burnwatch serve-slack --port N [--config FILE] [--defer] [--answer-within MS]',
    '',
    "Needs BURNWATCH_SLACK_SIGNING_SECRET (the Slack app's signing secret); SLACK_BOT_TOKEN for user",
    'groups and the alert buttons, SLACK_API_URL for a proxy or test server.',
  ].join('\n'),
  help: [
    { flag: '--port N', meaning: 'the port to listen on at 127.0.0.1, 1 to 65535 (required)' },
    COMMON_HELP.config,
    {
      flag: '--defer',
      meaning: 'answer every request through its response_url, as a cold Lambda does',
      default: 'inline when the answer is quick',
    },
    {
      flag: '--answer-within MS',
      meaning: 'hand the answer to response_url when it takes longer than MS',
      default: '1200',
    },
  ],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      {
        port: { type: 'string' },
        config: { type: 'string' },
        defer: { type: 'boolean' },
        'answer-within': { type: 'string' },
      },
      flagsSchema,
    );
    const signingSecret = io.env.BURNWATCH_SLACK_SIGNING_SECRET;
    if (!signingSecret) {
      throw new CliUsageError(
        "BURNWATCH_SLACK_SIGNING_SECRET: set it to your Slack app's signing secret (Basic Information page)",
      );
    }
    const { config } = loadConfigFile(io, flags.config);
    const opened = await openStore(io);
    const token = io.env.SLACK_BOT_TOKEN;
    try {
      const slackApiUrl = io.env.SLACK_API_URL ? { slackApiUrl: io.env.SLACK_API_URL } : {};
      const groupMembers = token
        ? createUserGroupMembers({ token: async () => token, ...slackApiUrl })
        : async () => [];
      const forecaster = engineForecaster(config);
      const slackApi = createSlackInteractionApi({
        token: async () => {
          if (!token)
            throw new Error(
              'SLACK_BOT_TOKEN is not set: alert buttons need it for chat.update and views.open',
            );
          return token;
        },
        ...slackApiUrl,
      });
      const server = createSlashServer({
        config,
        summaries: opened.store,
        decisions: {
          store: opened.store,
          clock: systemClock,
          forecaster,
          ...(token ? { announce: slackApi.postMessage } : {}),
        },
        interactions: {
          config,
          groupMembers,
          store: opened.store,
          clock: systemClock,
          forecaster,
          slack: slackApi,
          postResponse: createResponseUrlPoster(),
          responseUrlAllowed: isLocalOrSlackResponseUrl,
        },
        groupMembers,
        signingSecret: async () => signingSecret,
        clock: systemClock,
        mustDefer: () => flags.defer === true,
        ...(flags['answer-within'] ? { answerBudgetMs: flags['answer-within'] } : {}),
        onReject: (reason) => io.err(`rejected request: ${reason}`),
        onFailure: (stage, cause) =>
          io.err(`could not answer (${stage}): ${cause instanceof Error ? cause.message : String(cause)}`),
        onDeferred: (outcome) =>
          io.err(
            outcome instanceof Error
              ? `deferred answer failed: ${outcome.message}`
              : `deferred answer: ${outcome.status}${'response' in outcome ? ` (${outcome.response})` : ''}`,
          ),
      });
      await listen(server, flags.port);
      // Errors after start-up (e.g. out of file descriptors) are reported, never an unhandled event.
      server.on('error', (err) => io.err(`serve-slack: ${err.message}`));
      io.err(
        `Serving /burn on http://127.0.0.1:${flags.port}/ (Ctrl-C to stop)${token ? '' : '; no SLACK_BOT_TOKEN, so user groups in the config match nobody'}`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } finally {
      await opened.close();
    }
    return 0;
  },
};
