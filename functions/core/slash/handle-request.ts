import { answerBurnCommand, type SlashDeps, slashPayloadSchema } from './burn-command.js';
import { verifySlackSignature } from './verify-signature.js';

/** Slack sends small forms; anything larger is not Slack. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The parts of an HTTP request the handler needs (a Function URL event or a node request maps to it). */
export interface SlashHttpRequest {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  readonly isBase64Encoded?: boolean;
}

export interface SlashHttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface SlashRequestDeps extends SlashDeps {
  readonly signingSecret: () => Promise<string>;
  readonly nowSeconds: () => number;
  /** Told why a request was rejected (metrics, logs); never sent to the caller. */
  readonly onReject?: (reason: string) => void;
}

const json = (statusCode: number, value: unknown): SlashHttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});
const empty = (statusCode: number): SlashHttpResponse => ({ statusCode, headers: {}, body: '' });

/**
 * One `/burn` request: size check, base64 decode, Slack signature on the raw body before anything
 * else (401 with no detail on any failure), `ssl_check`, then the answer as Block Kit JSON.
 */
export async function handleSlashRequest(
  req: SlashHttpRequest,
  deps: SlashRequestDeps,
): Promise<SlashHttpResponse> {
  const reject = (status: number, reason: string) => {
    deps.onReject?.(reason);
    return empty(status);
  };
  const rawBody = req.isBase64Encoded ? Buffer.from(req.body, 'base64').toString('utf8') : req.body;
  if (Buffer.byteLength(rawBody, 'utf8') > MAX_BODY_BYTES) return reject(413, 'too-large');
  const failure = verifySlackSignature(
    {
      timestamp: req.headers['x-slack-request-timestamp'],
      signature: req.headers['x-slack-signature'],
      rawBody,
    },
    await deps.signingSecret(),
    deps.nowSeconds(),
  );
  if (failure) return reject(401, failure);

  const form = Object.fromEntries(new URLSearchParams(rawBody));
  if (form.ssl_check === '1') return empty(200);
  const payload = slashPayloadSchema.safeParse(form);
  if (!payload.success)
    return reject(400, `malformed: ${payload.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return json(200, await answerBurnCommand(payload.data, deps));
}
