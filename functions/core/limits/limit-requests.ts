import * as z from 'zod';
import type { BurnwatchConfig } from '../config/schema.js';
import { type AccessVerdict, Viewer } from '../slash/burn-command.js';
import type { SlackInteractionApi } from '../slash/interactions.js';
import { isSlackResponseUrl } from '../slash/response-urls.js';
import { applyProposal, type LimitActionResult, type LimitDeps, undoProposal } from './apply.js';
import { limitDetail, limitResultBlocks, replaceLimitBlocks } from './message.js';

/**
 * An approved Approve or Undo press, handed from the `/burn` endpoint (which only checks who pressed)
 * to the code that holds the admin keys: in the stack, the limits function, invoked asynchronously;
 * locally, the same function in process.
 */
export const limitRequestSchema = z.object({
  action: z.enum(['apply', 'undo']),
  team: z.string().min(1),
  proposalId: z.string().min(1),
  /** The approver (a Slack user id, or a name from the CLI). */
  by: z.string().min(1),
  /** The message to edit with the result. */
  message: z
    .object({
      channel: z.string(),
      ts: z.string(),
      text: z.string(),
      blocks: z.array(z.record(z.string(), z.unknown())),
    })
    .optional(),
  responseUrl: z.string().max(500).optional(),
});
export type LimitRequest = z.infer<typeof limitRequestSchema>;

export interface LimitRequestDeps extends LimitDeps {
  readonly slack?: Pick<SlackInteractionApi, 'updateMessage'>;
  readonly postResponse?: (url: string, message: unknown) => Promise<void>;
  readonly responseUrlAllowed?: (url: string) => boolean;
  readonly groupMembers: (groupId: string) => Promise<readonly string[]>;
}

/** Whether `user` may approve and undo limits: `limits.approvers`, else finance. */
export async function mayApproveLimits(
  config: BurnwatchConfig,
  user: string,
  groupMembers: (groupId: string) => Promise<readonly string[]>,
): Promise<AccessVerdict> {
  const a = config.limits.approvers;
  const named = a.slackUserIds.length + a.slackUserGroupIds.length > 0;
  const ids = named ? a.slackUserIds : config.finance.slackUserIds;
  const groups = named ? a.slackUserGroupIds : config.finance.slackUserGroupIds;
  const viewer = new Viewer(user, groupMembers);
  return viewer.verdict(await viewer.inAny(ids, groups));
}

/**
 * Runs an approved request: apply (or undo) with read-back and record, then edit the message to
 * show the result (counts), and tell the approver who got the limit and who did not (names only if
 * config.privacy lets them see per-person figures).
 */
export async function runLimitRequest(deps: LimitRequestDeps, req: LimitRequest): Promise<LimitActionResult> {
  const result =
    req.action === 'apply'
      ? await applyProposal(deps, req.team, req.proposalId, req.by)
      : await undoProposal(deps, req.team, req.proposalId, req.by);
  const now = deps.clock.now();
  if (
    req.message &&
    deps.slack &&
    result.proposal &&
    result.outcome !== 'busy' &&
    result.outcome !== 'nothing'
  )
    await deps.slack.updateMessage(req.message.channel, req.message.ts, {
      text: req.message.text,
      blocks: replaceLimitBlocks(
        req.message.blocks,
        limitResultBlocks(result.proposal, result.summary, req.by, now),
      ),
    });
  const allowed = deps.responseUrlAllowed ?? isSlackResponseUrl;
  if (req.responseUrl && deps.postResponse && allowed(req.responseUrl)) {
    const allowedNames = await new Viewer(req.by, deps.groupMembers).inAny(
      deps.config.privacy.perPersonVisibleTo.slackUserIds,
      deps.config.privacy.perPersonVisibleTo.slackUserGroupIds,
    );
    const detail =
      result.proposal && allowedNames && result.outcome !== 'dry-run'
        ? `\n${limitDetail(result.proposal)}`
        : result.outcome === 'dry-run' && result.wouldSend
          ? `\nWould send: ${result.wouldSend.flatMap((w) => w.requests.map((r) => `${r.method} ${r.path}`)).join(', ')}`
          : '';
    await deps.postResponse(req.responseUrl, {
      response_type: 'ephemeral',
      replace_original: false,
      text: `${result.summary}${detail}`.slice(0, 3000),
    });
  }
  return result;
}
