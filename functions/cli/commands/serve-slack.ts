import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as z from 'zod';
import {
  handleSlashRequest,
  MAX_BODY_BYTES,
  type SlashRequestDeps,
} from '../../core/slash/handle-request.js';
import { CliUsageError, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';

/** Reads a body, stopping once past the limit (the handler then answers 413; nothing more is buffered). */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    chunks.push(buf);
    size += buf.length;
    if (size > MAX_BODY_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The `/burn` handler behind node:http, the same core the Lambda runs. */
export function createSlashServer(deps: SlashRequestDeps): Server {
  return createServer(async (req, res) => {
    try {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      const out = await handleSlashRequest({ headers, body: await readBody(req) }, deps);
      res.writeHead(out.statusCode, out.headers).end(out.body);
    } catch (err) {
      process.stderr.write(`serve-slack: ${err instanceof Error ? err.message : String(err)}\n`);
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
}

const flagsSchema = z.object({ port: flag.positiveInt, config: z.string().min(1).optional() });

export const serveSlackCommand: CommandModule = {
  summary: 'Serve /burn on a local HTTP server (the Lambda handler, for a real Slack app or tests)',
  usage: 'burnwatch serve-slack --port N [--config FILE]   (needs BURNWATCH_SLACK_SIGNING_SECRET)',
  async run(argv, io) {
    const { flags } = parseFlags(argv, { port: { type: 'string' }, config: { type: 'string' } }, flagsSchema);
    const signingSecret = io.env.BURNWATCH_SLACK_SIGNING_SECRET;
    if (!signingSecret) {
      throw new CliUsageError(
        "BURNWATCH_SLACK_SIGNING_SECRET: set it to your Slack app's signing secret (Basic Information page)",
      );
    }
    const { config } = loadConfigFile(io, flags.config);
    const opened = await openStore(io);
    const token = io.env.SLACK_BOT_TOKEN;
    const server = createSlashServer({
      config,
      summaries: opened.store,
      groupMembers: token
        ? (await import('../../adapters/slack-api/user-groups.js')).createUserGroupMembers({
            token: async () => token,
            ...(io.env.SLACK_API_URL ? { slackApiUrl: io.env.SLACK_API_URL } : {}),
          })
        : async () => [],
      signingSecret: async () => signingSecret,
      nowSeconds: () => Math.floor(Date.now() / 1000),
      onReject: (reason) => io.err(`rejected request: ${reason}`),
    });
    await new Promise<void>((resolve) => server.listen(flags.port, '127.0.0.1', resolve));
    io.err(
      `Serving /burn on http://127.0.0.1:${flags.port}/ (Ctrl-C to stop)${token ? '' : '; no SLACK_BOT_TOKEN, so user groups in the config match nobody'}`,
    );
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await opened.close();
    return 0;
  },
};
