import type { IsoDay } from '../dates.js';
import { fitBlockKit, type SlackMessage } from './block-kit.js';
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
  const channel = fitBlockKit(
    alertMessage(cond, facts, { ...ctx, audience: 'channel', ...(decisions ? { decisions } : {}) }, asOf),
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
        ? { private: fitBlockKit(alertMessage(cond, facts, { ...ctx, audience: 'private' }, asOf)) }
        : {}),
    },
    sns: snsNotice(cond, channel, kind),
    chart: cond.rule === 'budget' && kind !== 'recover',
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
