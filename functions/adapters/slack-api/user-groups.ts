import * as z from 'zod';

const usersListResponse = z.object({
  ok: z.boolean(),
  users: z.array(z.string()).optional(),
  error: z.string().optional(),
});

export class SlackUserGroupError extends Error {
  override readonly name = 'SlackUserGroupError';
  readonly code = 'SLACK_USERGROUP_LOOKUP';
}

/**
 * Members of a Slack user group via `usergroups.users.list`, cached for `ttlMs`. Plain `fetch` keeps
 * the slash Lambda's bundle small (no Web API client needed for one read).
 */
export function createUserGroupMembers(opts: {
  token: () => Promise<string>;
  slackApiUrl?: string;
  ttlMs?: number;
  now?: () => number;
  fetchImpl?: typeof fetch;
  /** How long one lookup may take (default 1.5 s: a /burn answer has 3 s in all). */
  timeoutMs?: number;
}): (groupId: string) => Promise<readonly string[]> {
  const cache = new Map<string, { at: number; members: readonly string[] }>();
  // Askers arriving while a group's lookup is out share it: usergroups.users.list is Tier 2 (about 20
  // a minute), so a burst of managers on a cold cache would otherwise be rate limited into "try again".
  const inFlight = new Map<string, Promise<readonly string[]>>();
  const base = (opts.slackApiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
  const now = opts.now ?? Date.now;
  const ttl = opts.ttlMs ?? 5 * 60_000;
  const doFetch = opts.fetchImpl ?? fetch;
  const lookUp = async (groupId: string): Promise<readonly string[]> => {
    // Form-encoded POST, as Slack's WebClient sends every method (the token in the header, never the URL).
    const res = await doFetch(`${base}usergroups.users.list`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await opts.token()}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ usergroup: groupId }).toString(),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 1500),
    });
    const body = usersListResponse.safeParse(await res.json().catch(() => undefined));
    if (!body.success || !body.data.ok) {
      // The token never appears in the message.
      throw new SlackUserGroupError(
        `usergroups.users.list for ${groupId} failed: ${body.success ? body.data.error : `HTTP ${res.status}, unexpected body`}`,
      );
    }
    const members = body.data.users ?? [];
    cache.set(groupId, { at: now(), members });
    return members;
  };
  return async (groupId) => {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < ttl) return hit.members;
    let pending = inFlight.get(groupId);
    if (!pending) {
      pending = lookUp(groupId).finally(() => inFlight.delete(groupId));
      inFlight.set(groupId, pending);
    }
    return pending;
  };
}
