import type { IsoDay } from '../dates.js';
import { limitProposalBlocks } from '../limits/message.js';
import type { LimitProposal } from '../limits/proposal.js';
import { type Block, fitBlockKit, type SlackMessage } from './block-kit.js';
import { alertMessage, type MessageContext, type SnsNotice, snsNotice } from './messages.js';
import type { AlertCondition, NoticeKind, Severity } from './types.js';
import { ORG_SCOPE } from './types.js';

/** State key of the weekly finance digest (scope `_org`). */
export const DIGEST_KEY = 'DIGEST';

/**
 * A notice as decided: its messages composed and already within Block Kit's limits, so what is
 * recorded as an intent can always be sent, and a retry sends exactly the same thing.
 */
export interface ComposedNotice {
  readonly id: string;
  readonly team: string;
  readonly rule: string;
  readonly kind: NoticeKind | 'digest';
  readonly severity: Severity;
  readonly asOf: IsoDay;
  readonly messages: { readonly channel: SlackMessage; readonly private?: SlackMessage };
  readonly sns?: SnsNotice;
  /** Attach the team's burn-up chart to Slack channel deliveries. */
  readonly chart: boolean;
}

/**
 * The notice for a lifecycle decision about `cond`: the channel message (team and finance channels,
 * SNS), and a private one only when there is per-person detail (a spike driven by one person, people
 * over the cap) for the people config.privacy allows.
 */
export function composeAlertNotice(opts: {
  readonly cond: AlertCondition;
  readonly kind: NoticeKind;
  readonly asOf: IsoDay;
  readonly previousExhaustionP50: IsoDay | null;
  readonly worseningDays: number;
  readonly githubOrg?: string;
  /** Limits proposed with this alert (issue 19): shown with Approve / Undo buttons. */
  readonly limits?: { readonly proposal: LimitProposal; readonly dryRun: boolean };
}): ComposedNotice {
  const { cond, kind, asOf } = opts;
  const facts = cond.facts;
  if (!facts) throw new Error(`rule ${cond.rule} decided to notify without facts`);
  const ctx: Omit<MessageContext, 'audience'> = {
    kind,
    previousExhaustionP50: opts.previousExhaustionP50,
    worseningDays: opts.worseningDays,
    ...(opts.githubOrg ? { githubOrg: opts.githubOrg } : {}),
  };
  const id = `${cond.team}:${cond.key}:${asOf}:${kind}`;
  // Team alerts carry decision buttons (acknowledge, snooze, plan, what-if); org-level ones do not.
  const decisions = cond.team !== ORG_SCOPE ? { t: cond.team, k: cond.key, n: id } : undefined;
  const limits = opts.limits;
  const channel = fitBlockKit(
    withLimits(
      alertMessage(cond, facts, { ...ctx, audience: 'channel', ...(decisions ? { decisions } : {}) }, asOf),
      limits && limitProposalBlocks(limits.proposal, { audience: 'channel', dryRun: limits.dryRun }),
    ),
  );
  const personal =
    kind !== 'recover' &&
    ((facts.kind === 'engineer-cap' && facts.people.length > 0) ||
      (facts.kind === 'spike' && facts.identity?.person === true));
  return {
    id,
    team: cond.team,
    rule: cond.rule,
    kind,
    severity: kind === 'recover' ? 'ok' : cond.severity,
    asOf,
    messages: {
      channel,
      ...(personal
        ? {
            private: fitBlockKit(
              withLimits(
                alertMessage(cond, facts, { ...ctx, audience: 'private' }, asOf),
                limits &&
                  limitProposalBlocks(limits.proposal, { audience: 'private', dryRun: limits.dryRun }),
              ),
            ),
          }
        : {}),
    },
    sns: snsNotice(cond, channel, kind),
    chart: cond.rule === 'budget' && kind !== 'recover',
  };
}

/** The message with the limit blocks before its footer (the last block), so both survive fitting. */
function withLimits(message: SlackMessage, blocks: readonly Block[] | undefined): SlackMessage {
  if (!blocks?.length) return message;
  const footer = message.blocks.at(-1);
  return {
    text: message.text,
    blocks: footer ? [...message.blocks.slice(0, -1), ...blocks, footer] : [...blocks],
  };
}

/** The weekly digest as a notice: finance only (the org scope has no team channel), never SNS. */
export function composeDigestNotice(message: SlackMessage, asOf: IsoDay): ComposedNotice {
  return {
    id: `${ORG_SCOPE}:${DIGEST_KEY}:${asOf}`,
    team: ORG_SCOPE,
    rule: 'digest',
    kind: 'digest',
    severity: 'ok',
    asOf,
    messages: { channel: fitBlockKit(message) },
    chart: false,
  };
}
