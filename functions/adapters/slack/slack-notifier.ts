import {
  type ChatPostMessageArguments,
  ErrorCode,
  type KnownBlock,
  LogLevel,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import type { SlackMessage } from '../../core/alerts/block-kit.js';
import { blockKitProblems } from '../../core/alerts/block-kit.js';
import {
  DeliveryError,
  type DeliveryErrorCode,
  type SlackPosted,
  type SlackSender,
} from '../../core/alerts/delivery.js';

/** Metadata event type on every alert message: how a retried run recognises what it already posted. */
export const NOTICE_EVENT_TYPE = 'burnwatch_notice';

const KNOWN_CODES: ReadonlySet<string> = new Set<DeliveryErrorCode>([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'token_revoked',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'missing_scope',
  'invalid_blocks',
  'thread_not_found',
  'message_not_found',
]);

/**
 * A WebClient for alerts: waits out rate limits (Slack's Retry-After) and retries a few times
 * before giving up, so one busy minute does not lose an alert. `slackApiUrl` points it at a test
 * server or proxy.
 */
export function createSlackWebClient(
  token: string,
  opts: { slackApiUrl?: string; retries?: number; timeoutMs?: number } = {},
): WebClient {
  const options: WebClientOptions = {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    // false: on HTTP 429 the client sleeps for Retry-After and tries again (up to `retries`).
    rejectRateLimitedCalls: false,
    retryConfig: { retries: opts.retries ?? 3, factor: 2, minTimeout: 200, maxTimeout: 5_000 },
    timeout: opts.timeoutMs ?? 10_000,
    logLevel: LogLevel.ERROR,
  };
  return new WebClient(token, options);
}

/** Maps a WebClient failure to a DeliveryError on Slack's own code; never includes the token. */
export function toDeliveryError(err: unknown, target: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as {
    code?: string;
    data?: { error?: string; response_metadata?: { messages?: string[] } };
    retryAfter?: number;
    message?: string;
  };
  if (e?.code === ErrorCode.PlatformError) {
    const slackCode = e.data?.error ?? 'unknown';
    const detail = e.data?.response_metadata?.messages?.join('; ') ?? '';
    const code = (KNOWN_CODES.has(slackCode) ? slackCode : 'unknown') as DeliveryErrorCode;
    return new DeliveryError(code, target, code === 'unknown' ? `Slack error "${slackCode}"` : detail, {
      cause: err,
    });
  }
  if (e?.code === ErrorCode.RateLimitedError)
    return new DeliveryError('rate_limited', target, `retry after ${e.retryAfter ?? '?'} s`, { cause: err });
  if (e?.code === ErrorCode.HTTPError || e?.code === ErrorCode.RequestError) {
    // After its retries WebClient wraps the last 429 as a request error ("A rate limit was exceeded").
    const original = (err as { original?: { message?: string } }).original?.message ?? '';
    if (/rate limit/i.test(original))
      return new DeliveryError('rate_limited', target, original.replace(/\(url:[^)]*\)/, '').trim(), {
        cause: err,
      });
    // No answer, or a 5xx: Slack may have acted on the request all the same.
    return new DeliveryError('request_failed', target, e.message ?? 'request failed', {
      cause: err,
      mayHaveArrived: true,
    });
  }
  return new DeliveryError('unknown', target, e?.message ?? String(err), { cause: err });
}

/**
 * A notifier whose `chat.postMessage` is never re-sent by the client itself: WebClient retries a
 * timed-out or 5xx call, and a post Slack took but answered late would then go out twice. The
 * post client retries only a 429 (Slack did nothing), up to `retries` times; any other failure is
 * left to the delivery ledger, which asks Slack whether the message is there before posting again.
 * Every other call (history, uploads, updates) keeps the retrying client.
 */
export function createSlackNotifier(
  token: string,
  opts: { slackApiUrl?: string; retries?: number; timeoutMs?: number } = {},
): SlackNotifier {
  const post = new WebClient(token, {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: opts.timeoutMs ?? 10_000,
    logLevel: LogLevel.ERROR,
  });
  return new SlackNotifier(createSlackWebClient(token, opts), {
    postClient: post,
    rateLimitRetries: opts.retries ?? 3,
  });
}

/** The longest Retry-After a post waits out; beyond it the notice is retried on the next run. */
const MAX_RATE_LIMIT_WAIT_S = 30;

/**
 * SlackSender over @slack/web-api. Needs bot scopes chat:write (and chat:write.public for channels
 * the app was not invited to), files:write for charts, channels:history / groups:history for the
 * crash check, im:write for private detail, usergroups:read for allowed groups.
 */
export class SlackNotifier implements SlackSender {
  private readonly postClient: WebClient;
  private readonly rateLimitRetries: number;

  /** `postClient` posts messages (see {@link createSlackNotifier}); without it `client` does. */
  constructor(
    private readonly client: WebClient,
    opts: { postClient?: WebClient; rateLimitRetries?: number } = {},
  ) {
    this.postClient = opts.postClient ?? client;
    this.rateLimitRetries = opts.rateLimitRetries ?? 0;
  }

  /** chat.postMessage, waiting out a 429 (Slack did nothing with the call) up to the retries. */
  private async post(args: ChatPostMessageArguments) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.postClient.chat.postMessage(args);
      } catch (err) {
        const retryAfter = (err as { code?: string; retryAfter?: number }).retryAfter;
        const limited = (err as { code?: string }).code === ErrorCode.RateLimitedError;
        if (
          !limited ||
          attempt >= this.rateLimitRetries ||
          !(retryAfter !== undefined && retryAfter <= MAX_RATE_LIMIT_WAIT_S)
        )
          throw err;
        await new Promise((r) => setTimeout(r, retryAfter * 1000));
      }
    }
  }

  async postMessage(
    channel: string,
    message: SlackMessage,
    meta: { noticeId: string; threadTs?: string; broadcast?: boolean },
  ): Promise<SlackPosted> {
    const target = `slack:${channel}`;
    const problems = blockKitProblems(message);
    if (problems.length) throw new DeliveryError('invalid_blocks', target, problems.join('; '));
    try {
      const args: ChatPostMessageArguments = {
        channel,
        text: message.text,
        // Our Block type is the documented subset of Block Kit; Slack's types are wider.
        blocks: message.blocks as unknown as KnownBlock[],
        unfurl_links: false,
        metadata: { event_type: NOTICE_EVENT_TYPE, event_payload: { notice_id: meta.noticeId } },
        ...(meta.threadTs ? { thread_ts: meta.threadTs, reply_broadcast: meta.broadcast === true } : {}),
      } as ChatPostMessageArguments;
      const res = await this.post(args);
      if (!res.channel || !res.ts)
        throw new DeliveryError('unknown', target, 'Slack returned no channel or ts');
      return { channelId: res.channel, ts: res.ts };
    } catch (err) {
      throw toDeliveryError(err, target);
    }
  }

  async updateMessage(channelId: string, ts: string, message: SlackMessage): Promise<void> {
    const target = `slack:${channelId}`;
    const problems = blockKitProblems(message);
    if (problems.length) throw new DeliveryError('invalid_blocks', target, problems.join('; '));
    try {
      await this.client.chat.update({
        channel: channelId,
        ts,
        text: message.text,
        blocks: message.blocks as unknown as KnownBlock[],
      });
    } catch (err) {
      throw toDeliveryError(err, target);
    }
  }

  async findPosted(
    channel: string,
    noticeId: string,
    since: Date,
    threadTs?: string,
  ): Promise<SlackPosted | undefined> {
    try {
      const channelId = await this.resolveChannelId(channel);
      if (!channelId) return undefined;
      const window = {
        channel: channelId,
        oldest: (since.getTime() / 1000).toFixed(6),
        include_all_metadata: true,
        limit: 200,
      };
      // A reply lives in its thread, not in the channel's history.
      const res = threadTs
        ? await this.client.conversations.replies({ ...window, ts: threadTs })
        : await this.client.conversations.history(window);
      const hit = res.messages?.find(
        (m) =>
          m.metadata?.event_type === NOTICE_EVENT_TYPE &&
          (m.metadata.event_payload as { notice_id?: unknown } | undefined)?.notice_id === noticeId,
      );
      return hit?.ts ? { channelId, ts: hit.ts } : undefined;
    } catch (err) {
      throw toDeliveryError(err, `slack:${channel}`);
    }
  }

  private readonly channelIds = new Map<string, string>();

  /**
   * A channel id for `#name` (conversations.list, cached) or a user id (the bot's DM with them, via
   * conversations.open); ids pass through. Undefined when no such channel is visible to the bot.
   */
  private async resolveChannelId(channel: string): Promise<string | undefined> {
    if (/^[CGD][A-Z0-9]+$/.test(channel)) return channel;
    const cached = this.channelIds.get(channel);
    if (cached) return cached;
    let id: string | undefined;
    if (/^[UW][A-Z0-9]+$/.test(channel)) {
      id = (await this.client.conversations.open({ users: channel })).channel?.id;
    } else {
      const name = channel.replace(/^#/, '');
      for await (const page of this.client.paginate('conversations.list', {
        types: 'public_channel,private_channel',
        exclude_archived: true,
        limit: 200,
      })) {
        const found = (page as { channels?: Array<{ id?: string; name?: string }> }).channels?.find(
          (c) => c.name === name,
        );
        if (found?.id) {
          id = found.id;
          break;
        }
      }
    }
    if (id) this.channelIds.set(channel, id);
    return id;
  }

  async groupMembers(groupId: string): Promise<string[]> {
    try {
      const res = await this.client.usergroups.users.list({ usergroup: groupId });
      return res.users ?? [];
    } catch (err) {
      throw toDeliveryError(err, `slack-group:${groupId}`);
    }
  }

  async uploadImage(opts: {
    channelId: string;
    threadTs: string;
    png: Uint8Array;
    filename: string;
    title: string;
  }): Promise<void> {
    try {
      // files.uploadV2: getUploadURLExternal → POST bytes → completeUploadExternal (shares to the thread).
      await this.client.files.uploadV2({
        channel_id: opts.channelId,
        thread_ts: opts.threadTs,
        file: Buffer.from(opts.png),
        filename: opts.filename,
        title: opts.title,
      });
    } catch (err) {
      throw toDeliveryError(err, `slack:${opts.channelId}`);
    }
  }
}
