import * as z from 'zod';
import type { SlackInteractionApi } from '../../core/slash/interactions.js';

const okResponse = z.object({ ok: z.boolean(), error: z.string().optional() });

export class SlackInteractionError extends Error {
  override readonly name = 'SlackInteractionError';
  readonly code = 'SLACK_INTERACTION';
}

/**
 * `chat.update`, `views.open` and a plain `chat.postMessage` over plain `fetch` (JSON bodies, the bot token in the header), so
 * the slash Lambda needs no Web API client for the few calls its buttons and decisions make.
 */
export function createSlackInteractionApi(opts: {
  token: () => Promise<string>;
  slackApiUrl?: string;
  fetchImpl?: typeof fetch;
}): SlackInteractionApi {
  const base = (opts.slackApiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
  const doFetch = opts.fetchImpl ?? fetch;
  const call = async (method: string, body: Record<string, unknown>) => {
    const res = await doFetch(`${base}${method}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await opts.token()}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(2000),
    });
    const parsed = okResponse.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success || !parsed.data.ok)
      throw new SlackInteractionError(
        `${method} failed: ${parsed.success ? parsed.data.error : `HTTP ${res.status}, unexpected body`}`,
      );
  };
  return {
    updateMessage: (channelId, ts, message) => call('chat.update', { channel: channelId, ts, ...message }),
    openView: (triggerId, view) => call('views.open', { trigger_id: triggerId, view }),
    postMessage: (channel, text) => call('chat.postMessage', { channel, text, unfurl_links: false }),
  };
}
