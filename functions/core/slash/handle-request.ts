import * as z from 'zod';
import { type Clock, ConditionalWriteConflictError } from '../ports.js';
import {
  answerBurnCommand,
  couldNotAnswer,
  type SlashDeps,
  type SlashResponse,
  slashPayloadSchema,
  workingOnIt,
} from './burn-command.js';
import { changesState, type DecisionDeps } from './decide-commands.js';
import {
  handleInteraction,
  type InteractionDeps,
  type InteractionResponse,
  interactionChangesState,
  interactionFailed,
  interactionPayloadSchema,
} from './interactions.js';
import { isSlackResponseUrl } from './response-urls.js';
import {
  checkSignatureShape,
  DEFERRED_MAX_AGE_SECONDS,
  type SignatureFailure,
  verifySlackSignature,
} from './verify-signature.js';

export { isSlackResponseUrl } from './response-urls.js';

/** Slack sends small forms; anything larger is not Slack. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * How long the handler may work on an answer before it hands the request to the async worker and
 * acknowledges instead. Slack gives up 3 s after sending; this leaves room for a cold start's init,
 * the network both ways and the hand-off itself.
 */
export const DEFAULT_ANSWER_BUDGET_MS = 1200;

/** Why a request was turned away (one CloudWatch metric each; never told to the caller). */
export const REJECTION_REASONS = [
  'wrong-method',
  'body-too-large',
  'missing-headers',
  'stale-timestamp',
  'malformed-signature',
  'bad-signature',
  'malformed-payload',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** The rejections that mean "not signed by Slack": their rate is what the stack alarms on. */
export const SIGNATURE_REJECTIONS: readonly RejectionReason[] = [
  'missing-headers',
  'stale-timestamp',
  'malformed-signature',
  'bad-signature',
];

const REASON_OF: Record<SignatureFailure, RejectionReason> = {
  'missing-headers': 'missing-headers',
  stale: 'stale-timestamp',
  malformed: 'malformed-signature',
  mismatch: 'bad-signature',
};

/** Where something failed inside burnwatch (the asker got "could not answer"; the cause is logged). */
export type FailureStage =
  | 'signing-secret'
  | 'answer'
  | 'defer'
  | 'response-url'
  | 'post-response'
  | 'interaction';

/** Why an answer went through `response_url` instead of the HTTP response. */
export type DeferReason = 'cold-start' | 'secret-slow' | 'answer-slow' | 'changes-state';

/**
 * A request handed to the async worker: the raw request exactly as signed. The worker verifies the
 * signature again before anything else, so a forged or replayed job (or one handed over before the
 * signing secret was at hand) can never make burnwatch post anywhere.
 */
export const deferredRequestSchema = z.object({
  rawBody: z.string().max(MAX_BODY_BYTES),
  timestamp: z.string().max(20).optional(),
  signature: z.string().max(200).optional(),
});
export type DeferredRequest = z.infer<typeof deferredRequestSchema>;

/** The parts of an HTTP request the handler needs (a Function URL event or a node request maps to it). */
export interface SlashHttpRequest {
  /** `POST` from Slack; omitted where the transport already checked it. */
  readonly method?: string;
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

/** What the handler and the worker both need. */
export interface SlashVerifyDeps extends SlashDeps {
  readonly signingSecret: () => Promise<string>;
  readonly clock: Clock;
  /** Told why a request was rejected (metrics, logs); never sent to the caller. */
  readonly onReject?: (reason: RejectionReason) => void;
  /** Told what failed inside burnwatch, with the cause (logs, metrics); the asker gets "could not answer". */
  readonly onFailure?: (stage: FailureStage, cause: unknown) => void;
}

export interface SlashRequestDeps extends SlashVerifyDeps {
  /**
   * Hands a request to the async worker ({@link runDeferredRequest}): the Lambda invokes itself with
   * `InvocationType: 'Event'`, `serve-slack` runs it in the background. Without it every answer is
   * given inline, however long it takes.
   */
  readonly defer?: (request: DeferredRequest, reason: DeferReason) => Promise<void>;
  /** True when this process cannot be sure to answer in time whatever happens (a cold start). */
  readonly mustDefer?: () => boolean;
  /** @default DEFAULT_ANSWER_BUDGET_MS */
  readonly answerBudgetMs?: number;
  /**
   * Alert buttons and their modals (Slack interactivity, posted to the same URL as a form with one
   * `payload` field). Without it such requests are acknowledged and reported as a failure.
   */
  readonly interactions?: InteractionDeps;
}

export interface DeferredDeps extends SlashVerifyDeps {
  /** POSTs a message to a Slack `response_url` (the adapter checks the status; throws on failure). */
  readonly postResponse: (url: string, message: SlashResponse) => Promise<void>;
  /** Whether a `response_url` may be posted to. @default {@link isSlackResponseUrl} */
  readonly responseUrlAllowed?: (url: string) => boolean;
}

const json = (statusCode: number, value: unknown, body = JSON.stringify(value)): SlashHttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body,
});
/**
 * An answer's JSON, kept for as long as the answer object lives: the list answers are the same object
 * while the org summary is unchanged (burn-command.ts), so `/burn all`'s 200 lines are serialised once
 * per version, not on every request.
 */
const answerJson = new WeakMap<SlashResponse, string>();
function answered(value: SlashResponse): SlashHttpResponse {
  let body = answerJson.get(value);
  if (body === undefined) {
    body = JSON.stringify(value);
    answerJson.set(value, body);
  }
  return json(200, value, body);
}
const empty = (statusCode: number, headers: Record<string, string> = {}): SlashHttpResponse => ({
  statusCode,
  headers,
  body: '',
});

const decode = (req: SlashHttpRequest) =>
  req.isBase64Encoded ? Buffer.from(req.body, 'base64').toString('utf8') : req.body;
const nowSeconds = (clock: Clock) => Math.floor(clock.now().getTime() / 1000);

/** Resolves `'late'` after `ms` unless cancelled; never keeps the process alive on its own. */
function budget(ms: number): { late: Promise<'late'>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, ms));
    timer.unref?.();
  });
  return { late, cancel: () => clearTimeout(timer) };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/**
 * One `/burn` request: method and size, the signature checks that need no secret, then the signature
 * on the raw body (401 with no detail on any failure), `ssl_check`, and the answer as Block Kit JSON.
 *
 * The answer is deferred through `response_url` (acknowledged at once with "working on it", worked
 * out by the async worker) whenever the handler cannot be sure to answer within Slack's 3 seconds:
 * on a cold start (`mustDefer`), when the signing secret has not arrived within the budget, and
 * when the answer (user-group lookups, DynamoDB) has not. Anything failing inside burnwatch (Secrets
 * Manager, DynamoDB, the hand-off) is reported to `onFailure` and answered with an ephemeral
 * "burnwatch could not answer, try again", never an HTTP error.
 */
export async function handleSlashRequest(
  req: SlashHttpRequest,
  deps: SlashRequestDeps,
): Promise<SlashHttpResponse> {
  const reject = (status: number, reason: RejectionReason, headers: Record<string, string> = {}) => {
    deps.onReject?.(reason);
    return empty(status, headers);
  };
  const fail = (stage: FailureStage, cause: unknown) => {
    deps.onFailure?.(stage, cause);
    return json(200, couldNotAnswer());
  };
  if (req.method !== undefined && req.method.toUpperCase() !== 'POST')
    return reject(405, 'wrong-method', { allow: 'POST' });
  const rawBody = decode(req);
  if (Buffer.byteLength(rawBody, 'utf8') > MAX_BODY_BYTES) return reject(413, 'body-too-large');
  const signed = {
    timestamp: req.headers['x-slack-request-timestamp'],
    signature: req.headers['x-slack-signature'],
    rawBody,
  };
  // Garbage is turned away before the secret is even needed.
  const shape = checkSignatureShape(signed, nowSeconds(deps.clock));
  if (shape) return reject(401, REASON_OF[shape]);

  const timer = budget(deps.answerBudgetMs ?? DEFAULT_ANSWER_BUDGET_MS);
  try {
    const handOff = async (reason: DeferReason): Promise<SlashHttpResponse> => {
      if (!deps.defer) throw new Error('unreachable: hand-off without a worker');
      try {
        await deps.defer({ rawBody, timestamp: signed.timestamp, signature: signed.signature }, reason);
      } catch (err) {
        return fail('defer', err);
      }
      return json(200, workingOnIt());
    };

    // Routing only (nothing is trusted before the signature is checked): an interaction is never
    // deferred, since a modal must open on a trigger that lives 3 s and a submission's errors go in
    // the HTTP response, so it waits for the secret however long it takes.
    const interaction = new URLSearchParams(rawBody).has('payload');
    const secretCall = settle(deps.signingSecret());
    const secret =
      deps.defer && !interaction ? await Promise.race([secretCall, timer.late]) : await secretCall;
    // The worker verifies the request itself once the secret is there.
    if (secret === 'late') return await handOff('secret-slow');
    if (!secret.ok) return fail('signing-secret', secret.error);
    const failure = verifySlackSignature(signed, secret.value, nowSeconds(deps.clock));
    if (failure) return reject(401, REASON_OF[failure]);

    const form = Object.fromEntries(new URLSearchParams(rawBody));
    if (form.ssl_check === '1') return empty(200);
    if (interaction) return await answerInteraction(form.payload ?? '', signed.signature ?? '', deps, reject);
    const payload = slashPayloadSchema.safeParse(form);
    if (!payload.success) return reject(400, 'malformed-payload');

    if (deps.defer && deps.mustDefer?.()) return await handOff('cold-start');
    // Raced against the deadline, a write that ran late would run again in the worker (two plans,
    // two announcements): a command that changes state goes to the worker at once and runs there only.
    if (deps.defer && changesState(payload.data.text)) return await handOff('changes-state');
    const answerCall = settle(answerBurnCommand(payload.data, deps));
    const answer = deps.defer ? await Promise.race([answerCall, timer.late]) : await answerCall;
    if (answer === 'late') return await handOff('answer-slow');
    if (!answer.ok) return fail('answer', answer.error);
    return answered(answer.value);
  } finally {
    timer.cancel();
  }
}

/**
 * A button press or modal submission, signature already checked: acknowledged with an empty 200, or
 * answered with the modal instruction Slack expects. A failure inside burnwatch is reported, and the
 * presser told to try again (ephemerally, or as the form's error).
 */
async function answerInteraction(
  raw: string,
  signature: string,
  deps: SlashRequestDeps,
  reject: (status: number, reason: RejectionReason) => SlashHttpResponse,
): Promise<SlashHttpResponse> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return reject(400, 'malformed-payload');
  }
  const payload = interactionPayloadSchema.safeParse(value);
  if (!payload.success) {
    // Slack sends more kinds than burnwatch acts on (a message shortcut, a closed modal): those are fine.
    const kind = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
    return typeof kind === 'string' && !['block_actions', 'view_submission'].includes(kind)
      ? empty(200)
      : reject(400, 'malformed-payload');
  }
  if (!deps.interactions) {
    deps.onFailure?.(
      'interaction',
      new Error('an alert button was pressed but this endpoint has no interaction handler'),
    );
    return empty(200);
  }
  const respond = (answer: InteractionResponse) =>
    answer.kind === 'ack' ? empty(200) : json(200, answer.body);
  try {
    // A replay within the 5-minute window would store the plan again (the slash command's plan is
    // marked by its signature in the worker; a modal's is answered here).
    if (
      interactionChangesState(payload.data) &&
      !(await firstDelivery(deps.interactions.store, signature, deps.clock.now()))
    )
      return empty(200);
    return respond(await handleInteraction(payload.data, deps.interactions));
  } catch (err) {
    deps.onFailure?.('interaction', err);
    try {
      return respond(await interactionFailed(payload.data, deps.interactions));
    } catch (tellErr) {
      deps.onFailure?.('interaction', tellErr);
      return empty(200);
    }
  }
}

/** What the worker did with a deferred request. */
export type DeferredOutcome =
  | { readonly status: 'posted'; readonly response: 'answer' | 'could-not-answer' }
  | { readonly status: 'rejected'; readonly reason: RejectionReason }
  | { readonly status: 'dropped'; readonly why: 'ssl-check' | 'response-url' | 'duplicate' };

/** The state scope where carried-out requests are marked (beside the alerts' `_org`). */
export const REQUESTS_SCOPE = '_slash';

/**
 * Marks a state-changing request as carried out; false if it already was. Lambda may deliver an async
 * job twice (its queue is eventually consistent, AWS says) and a captured request verifies for five
 * minutes: either would otherwise set a budget, add a plan (by command or by the planned-change
 * modal) or move budget twice. The signature names
 * the request (Slack's HMAC of its timestamp and body), so only the very same request is a duplicate.
 */
async function firstDelivery(
  store: Pick<DecisionDeps['store'], 'putState'>,
  signature: string,
  now: Date,
): Promise<boolean> {
  try {
    await store.putState(
      REQUESTS_SCOPE,
      `REQUEST#${signature.replace(/^v0=/, '')}`,
      { at: now.toISOString() },
      0,
      // A day outlives any second delivery (the worker answers nothing older than 30 minutes).
      { expiresAt: Math.floor(now.getTime() / 1000) + 86_400 },
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalWriteConflictError) return false;
    throw err;
  }
}

/**
 * The async worker: verifies the request again (so nothing unsigned, stale or forged is ever
 * answered), works out the answer with all the time it needs, and POSTs it to the request's
 * `response_url` (only Slack's, unless `responseUrlAllowed` says otherwise). An internal failure
 * posts "burnwatch could not answer, try again" and is reported; a failed POST is reported and
 * thrown (the invocation fails, so the function's error alarm sees it).
 */
export async function runDeferredRequest(job: DeferredRequest, deps: DeferredDeps): Promise<DeferredOutcome> {
  const signed = { timestamp: job.timestamp, signature: job.signature, rawBody: job.rawBody };
  const shape = checkSignatureShape(signed, nowSeconds(deps.clock), DEFERRED_MAX_AGE_SECONDS);
  const rejected = (reason: RejectionReason): DeferredOutcome => {
    deps.onReject?.(reason);
    return { status: 'rejected', reason };
  };
  if (shape) return rejected(REASON_OF[shape]);
  let secret: string;
  try {
    secret = await deps.signingSecret();
  } catch (err) {
    // Without the secret nothing can be verified, so nothing may be posted: the asker sees no answer.
    deps.onFailure?.('signing-secret', err);
    throw err;
  }
  const failure = verifySlackSignature(signed, secret, nowSeconds(deps.clock), DEFERRED_MAX_AGE_SECONDS);
  if (failure) return rejected(REASON_OF[failure]);
  const form = Object.fromEntries(new URLSearchParams(job.rawBody));
  if (form.ssl_check === '1') return { status: 'dropped', why: 'ssl-check' };
  const payload = slashPayloadSchema.safeParse(form);
  if (!payload.success) return rejected('malformed-payload');
  const url = payload.data.response_url;
  if (!url || !(deps.responseUrlAllowed ?? isSlackResponseUrl)(url)) {
    // The URL itself is a credential for the channel (anyone holding it may post for 30 minutes): name its host only.
    const host = url ? (URL.canParse(url) ? new URL(url).host : 'unparseable') : 'none';
    deps.onFailure?.('response-url', new Error(`response_url is missing or not Slack's (host: ${host})`));
    return { status: 'dropped', why: 'response-url' };
  }
  let message: SlashResponse;
  let response: 'answer' | 'could-not-answer' = 'answer';
  try {
    // The first delivery answered (or will); a second answer would be a second change.
    const store = deps.decisions?.store;
    if (
      store &&
      changesState(payload.data.text) &&
      !(await firstDelivery(store, signed.signature ?? '', deps.clock.now()))
    )
      return { status: 'dropped', why: 'duplicate' };
    message = await answerBurnCommand(payload.data, deps);
  } catch (err) {
    deps.onFailure?.('answer', err);
    message = couldNotAnswer();
    response = 'could-not-answer';
  }
  try {
    await deps.postResponse(url, message);
  } catch (err) {
    deps.onFailure?.('post-response', err);
    throw err;
  }
  return { status: 'posted', response };
}
