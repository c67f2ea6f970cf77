import type { SlackMessage } from './block-kit.js';
import type { SnsNotice } from './messages.js';

/** Where a Slack message landed. */
export interface SlackPosted {
  readonly channelId: string;
  readonly ts: string;
}

/**
 * Slack as the alert job needs it (port; the adapter wraps @slack/web-api's WebClient). Failures
 * throw `DeliveryError` with Slack's error code.
 */
export interface SlackSender {
  /**
   * Posts `message` to a channel ("C…", "#name") or a user id (a direct message); with `threadTs`
   * as a reply in that thread (`broadcast`: also shown in the channel).
   */
  postMessage(
    channel: string,
    message: SlackMessage,
    meta: { noticeId: string; threadTs?: string; broadcast?: boolean },
  ): Promise<SlackPosted>;
  /** Replaces the message at `ts` in `channelId` (chat.update). */
  updateMessage(channelId: string, ts: string, message: SlackMessage): Promise<void>;
  /**
   * The message posted for `noticeId` in `channel` (id, "#name" or a user id for a DM) since `since`,
   * if any (with `threadTs`, among that thread's replies): lets a retried run finish a delivery that
   * a crash interrupted after Slack accepted it, instead of posting it twice.
   */
  findPosted(
    channel: string,
    noticeId: string,
    since: Date,
    threadTs?: string,
  ): Promise<SlackPosted | undefined>;
  /** User ids in a Slack user group (for config.privacy's allowed groups). */
  groupMembers(groupId: string): Promise<string[]>;
  /** Uploads a PNG into the message's thread (files.uploadV2). */
  uploadImage(opts: {
    channelId: string;
    threadTs: string;
    png: Uint8Array;
    filename: string;
    title: string;
  }): Promise<void>;
}

/** SNS as the alert job needs it (port). */
export interface AlertPublisher {
  publish(notice: SnsNotice & { readonly id: string }): Promise<{ messageId: string }>;
}

/**
 * Codes a delivery can fail with. Slack's own (`channel_not_found`, `token_revoked`, …) pass through
 * unchanged so operators can search Slack's docs for them.
 */
export type DeliveryErrorCode =
  | 'rate_limited'
  | 'channel_not_found'
  | 'not_in_channel'
  | 'is_archived'
  | 'token_revoked'
  | 'invalid_auth'
  | 'not_authed'
  | 'account_inactive'
  | 'missing_scope'
  | 'invalid_blocks'
  | 'thread_not_found'
  | 'message_not_found'
  | 'request_failed'
  | 'sns_failed'
  | 'unknown';

/** Auth failures: every later Slack call in the run would fail the same way. */
export const FATAL_FOR_RUN: ReadonlySet<string> = new Set([
  'token_revoked',
  'invalid_auth',
  'not_authed',
  'account_inactive',
]);

const HINTS: Partial<Record<DeliveryErrorCode, string>> = {
  channel_not_found: 'check the channel in burnwatch.config.json and invite the burnwatch app to it',
  not_in_channel: 'invite the burnwatch app to the channel (/invite @burnwatch)',
  is_archived: 'the channel is archived; configure another one',
  token_revoked:
    'the Slack bot token was revoked; reinstall the app and store the new token in Secrets Manager',
  invalid_auth: 'the Slack bot token is invalid; store a valid xoxb- token in Secrets Manager',
  not_authed: 'no Slack token was sent; check the Slack secret',
  account_inactive: 'the Slack app or workspace is inactive; reinstall the app',
  missing_scope: 'the Slack app lacks a scope (needs chat:write, files:write, channels:history)',
  rate_limited: 'Slack kept rate-limiting after retries; the send is retried on the next run',
};

/** A notice could not be delivered to one target. Never carries secrets (tokens are not in messages). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly code: DeliveryErrorCode;
  readonly target: string;
  /**
   * The request went out but its answer never came (a timeout, a dropped connection, a 5xx): the
   * target may hold the notice, so it is checked before it is sent again.
   */
  readonly mayHaveArrived: boolean;
  constructor(
    code: DeliveryErrorCode,
    target: string,
    detail: string,
    options?: ErrorOptions & { mayHaveArrived?: boolean },
  ) {
    const hint = HINTS[code];
    super(`${target}: ${code}${detail ? ` (${detail})` : ''}${hint ? `: ${hint}` : ''}`, options);
    this.code = code;
    this.target = target;
    this.mayHaveArrived = options?.mayHaveArrived === true;
  }
}
