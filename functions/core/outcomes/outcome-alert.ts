import {
  type Block,
  context,
  escapeMrkdwn,
  header,
  type SlackMessage,
  section,
} from '../alerts/block-kit.js';
import { decisionButtons } from '../alerts/decision-buttons.js';
import type { MessageContext } from '../alerts/messages.js';
import type { AlertCondition, NoticeKind, Severity } from '../alerts/types.js';
import type { BurnReport } from '../burn-report.js';
import { usd } from '../burn-text.js';
import type { AlertSettings } from '../config/schema.js';
import type { IsoDay } from '../dates.js';
import { changeWords } from './outcome-text.js';

/**
 * The optional cost-per-PR alert (`alerts.costPerMergedPrRise`): spend per merged pull request over
 * the last 4 weeks rose more than the configured share above the 4 weeks before, while spend grew.
 * A team that spends more and ships more is not alerted; one that spends more for the same output
 * is, and one that merged none at all in the 4 weeks (after some before) is above any threshold.
 * Team figures only (the message goes to the team and finance channels and SNS).
 */
export interface CostPerPrFacts {
  readonly kind: 'cost-per-pr';
  readonly team: string;
  readonly teamName: string;
  readonly asOf: IsoDay;
  /** Null: no PRs merged in the last 4 weeks (but some the 4 before), while spending. */
  readonly perPrUsd: number | null;
  readonly perPrBeforeUsd: number;
  /** 0.38 = up 38%; null with `perPrUsd` null (no ratio to a zero, and above any threshold). */
  readonly rise: number | null;
  readonly threshold: number;
  readonly spendUsd: number;
  readonly spendBeforeUsd: number;
  readonly mergedPullRequests: number;
  readonly mergedBefore: number;
}

export const COST_PER_PR_KEY = 'ALERT#cost-per-pr';

export function evaluateCostPerPr(report: BurnReport, settings: AlertSettings): AlertCondition | undefined {
  const threshold = settings.costPerMergedPrRise;
  if (threshold === undefined) return undefined;
  const base = { team: report.team, rule: 'cost-per-pr' as const, key: COST_PER_PR_KEY };
  const o = report.outcomes;
  const now = o?.last4Weeks;
  const before = o?.previous4Weeks;
  const rise = o?.change.spendPerMergedPr ?? null;
  // Estimates stand in for missing days: a figure from them may rise, but cannot count as easing.
  const dataIncomplete = report.dataStatus === 'incomplete';
  if (!o || !now || !before || before.spendPerMergedPrUsd === null || now.spendUsd <= before.spendUsd)
    return { ...base, severity: 'ok', dataIncomplete };
  // Spending with nothing merged (after merges the 4 weeks before) is the worst case, not a missing
  // figure: above any threshold, and an open alert stays open.
  const noneMerged = now.mergedPullRequests === 0 && now.spendUsd > 0;
  if (!noneMerged && (rise === null || now.spendPerMergedPrUsd === null || rise <= threshold))
    return { ...base, severity: 'ok', dataIncomplete };
  const facts: CostPerPrFacts = {
    kind: 'cost-per-pr',
    team: report.team,
    teamName: report.name,
    asOf: report.asOf,
    perPrUsd: noneMerged ? null : now.spendPerMergedPrUsd,
    perPrBeforeUsd: before.spendPerMergedPrUsd,
    rise: noneMerged ? null : rise,
    threshold,
    spendUsd: now.spendUsd,
    spendBeforeUsd: before.spendUsd,
    mergedPullRequests: now.mergedPullRequests ?? 0,
    mergedBefore: before.mergedPullRequests ?? 0,
  };
  return { ...base, severity: 'warning', dataIncomplete, facts };
}

/** What a team that spent and merged nothing in the 4 weeks is told, instead of a figure per PR. */
const NONE_MERGED = 'no PRs merged in 4 weeks';

const ICON: Record<Severity, string> = { critical: '🔴', warning: '🟠', ok: '✅' };

/**
 * The alert's message. In a channel it carries Acknowledge and Snooze (not Planned change or What if:
 * the question is what the spend buys, not the budget), as every team alert does.
 */
export function costPerPrMessage(
  f: CostPerPrFacts,
  sev: Severity,
  ctx: Pick<MessageContext, 'kind' | 'audience' | 'decisions'>,
): SlackMessage {
  const kind: NoticeKind = ctx.kind;
  const team = escapeMrkdwn(f.teamName);
  const spendChange = f.spendBeforeUsd > 0 ? f.spendUsd / f.spendBeforeUsd - 1 : null;
  const prChange = f.mergedBefore > 0 ? f.mergedPullRequests / f.mergedBefore - 1 : null;
  const perPr = f.perPrUsd === null ? NONE_MERGED : `${usd(f.perPrUsd)} per merged PR`;
  const headline =
    kind === 'recover'
      ? `${f.teamName}: spend per merged PR is back within ${Math.round(f.threshold * 100)}%`
      : f.perPrUsd === null
        ? `${f.teamName}: ${NONE_MERGED}`
        : `${f.teamName}: ${perPr}, ${changeWords(f.rise)}`;
  const merged =
    f.mergedPullRequests === 0
      ? `merged no pull requests (${f.mergedBefore} the 4 before)`
      : `merged ${f.mergedPullRequests} pull requests (${changeWords(prChange, 'on the 4 before') || `${f.mergedBefore} before`})`;
  const blocks: Block[] = [
    header(`${ICON[kind === 'recover' ? 'ok' : sev]} ${headline}`),
    section(
      `*${team}* spent ${usd(f.spendUsd)} on AI in the last 4 weeks (${changeWords(spendChange, 'on the 4 before') || 'more than the 4 before'}) and ${merged}: ${perPr}, was ${usd(f.perPrBeforeUsd)}${f.perPrUsd === null ? ' per merged PR' : ''}.`,
      [
        `*Per merged PR*\n${f.perPrUsd === null ? NONE_MERGED : usd(f.perPrUsd)} (was ${usd(f.perPrBeforeUsd)})`,
        `*Alerts above*\n+${Math.round(f.threshold * 100)}% in 4 weeks, while spend grows`,
      ],
    ),
  ];
  if (kind !== 'recover') {
    if (ctx.decisions && ctx.audience === 'channel')
      blocks.push(decisionButtons(ctx.decisions, { budget: false }));
    blocks.push(
      section(
        `*What to do:* look at what the extra spend went to (\`/burn ${f.team} models\`, \`/burn ${f.team} outcomes\`): a pricier model, agents looping, seats nobody uses.`,
      ),
    );
  }
  blocks.push(
    context(
      `burnwatch · as of ${f.asOf} · outcomes · spend per merged PR, last 4 weeks vs the 4 before · team figures only · definitions: docs/outcomes.md`,
    ),
  );
  return { text: `${kind === 'recover' ? 'RESOLVED' : 'WARNING'}: ${headline}.`, blocks };
}
