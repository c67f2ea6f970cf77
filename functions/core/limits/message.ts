import * as z from 'zod';
import { type ActionButton, type Block, escapeMrkdwn, plain, truncate } from '../alerts/block-kit.js';
import { vendorDisplayName } from '../vendors.js';
import {
  centsLabel,
  itemLabel,
  type LimitItem,
  type LimitProposal,
  personFreeError,
  proposalSummary,
} from './proposal.js';

/**
 * The limit proposal in Slack: what is proposed (counts in channels, names only for the people
 * config.privacy allows), the Approve and Undo buttons, and after an action the result in place of
 * the buttons: who got the limit and who did not, by count.
 */

export const LIMIT_ACTIONS = { approve: 'burnwatch.limits.approve', undo: 'burnwatch.limits.undo' } as const;
/** Block ids of the proposal's own blocks, so an update replaces them and leaves the alert as it was. */
export const LIMIT_BLOCK_IDS = {
  proposal: 'burnwatch.limits.proposal',
  result: 'burnwatch.limits.result',
  actions: 'burnwatch.limits.actions',
} as const;

/** What a limit button says it is about (its `value`). */
export const limitButtonValueSchema = z.object({
  t: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  p: z.string().regex(/^[A-Za-z0-9:_-]{1,80}$/),
});

const mrkdwnSection = (text: string, blockId: string): Block => ({
  type: 'section',
  block_id: blockId,
  text: { type: 'mrkdwn', text: truncate(text, 3000) },
});

/** Approve while something is left to apply, Undo while something is applied. */
export function limitButtons(p: LimitProposal): Block | undefined {
  const value = JSON.stringify({ t: p.team, p: p.id });
  const open = p.items.some(
    (i) => i.state === 'pending' || i.state === 'failed' || i.state === 'unconfirmed',
  );
  // An unconfirmed write may be in place at the vendor: Undo must be there for it too.
  const applied = p.items.some((i) => i.state === 'applied' || i.state === 'unconfirmed');
  const buttons: ActionButton[] = [];
  const anyApplied = p.items.some((i) => i.state !== 'pending');
  if (open)
    buttons.push({
      type: 'button',
      text: plain(anyApplied ? 'Approve the rest' : 'Approve limits', 75),
      action_id: LIMIT_ACTIONS.approve,
      value,
      style: 'primary',
    });
  if (applied)
    buttons.push({
      type: 'button',
      text: plain('Undo limits', 75),
      action_id: LIMIT_ACTIONS.undo,
      value,
      style: 'danger',
    });
  return buttons.length
    ? { type: 'actions', block_id: LIMIT_BLOCK_IDS.actions, elements: buttons }
    : undefined;
}

/** The proposal as blocks for an alert message; `private` adds who each limit is for. */
export function limitProposalBlocks(
  p: LimitProposal,
  opts: { audience: 'channel' | 'private'; dryRun: boolean },
): Block[] {
  const lines = [
    `*Proposed limits:* ${escapeMrkdwn(proposalSummary(p))}.`,
    `_${escapeMrkdwn(p.reason)}._`,
    opts.dryRun
      ? 'Approving is a dry run (`limits.dryRun` is on): burnwatch shows what it would send and sends nothing.'
      : 'Approve applies them through the vendors’ APIs and reads each back; only finance (or `limits.approvers`) can approve.',
  ];
  if (opts.audience === 'private')
    lines.push(...p.items.map((i) => `• ${escapeMrkdwn(itemLabel(i))}: ${centsLabel(i.amountCents)}/month`));
  if (p.skipped.length)
    lines.push(
      opts.audience === 'private'
        ? `Not proposed: ${p.skipped.map((s) => `${escapeMrkdwn(s.subject)} (${escapeMrkdwn(s.reason)})`).join('; ')}`
        : `${p.skipped.length} over the cap cannot be capped by API (no limit API for their vendors).`,
    );
  const buttons = opts.audience === 'channel' ? limitButtons(p) : undefined;
  return [mrkdwnSection(lines.join('\n'), LIMIT_BLOCK_IDS.proposal), ...(buttons ? [buttons] : [])];
}

/** Counts per vendor: "Cursor 2, Anthropic 1". */
function countByVendor(items: readonly LimitItem[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.vendor, (counts.get(i.vendor) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${vendorDisplayName(v)} ${n}`).join(', ');
}

/** After an action: the summary and the state of every limit, by count (names: see {@link limitDetail}). */
export function limitResultBlocks(p: LimitProposal, summary: string, by: string, at: Date): Block[] {
  const applied = p.items.filter((i) => i.state === 'applied');
  const unconfirmed = p.items.filter((i) => i.state === 'unconfirmed');
  const failed = p.items.filter((i) => i.state === 'failed');
  const skipped = p.items.filter((i) => i.state === 'skipped');
  const undone = p.items.filter((i) => i.state === 'undone');
  const kept = p.items.filter((i) => i.state === 'kept');
  const lines = [
    `*Limits:* ${escapeMrkdwn(summary)}`,
    ...(applied.length ? [`:white_check_mark: In place: ${countByVendor(applied)}`] : []),
    ...(unconfirmed.length
      ? [
          `:warning: Written, not confirmed: ${countByVendor(unconfirmed)} (${escapeMrkdwn((unconfirmed[0] && personFreeError(unconfirmed[0])) ?? '')})`,
        ]
      : []),
    ...(failed.length
      ? [
          `:x: Not applied: ${countByVendor(failed)} (${escapeMrkdwn((failed[0] && personFreeError(failed[0])) ?? '')})`,
        ]
      : []),
    ...(skipped.length
      ? [
          `:heavy_minus_sign: Left as they were (already at or below the proposed limit): ${countByVendor(skipped)}`,
        ]
      : []),
    ...(undone.length ? [`:leftwards_arrow_with_hook: Undone: ${countByVendor(undone)}`] : []),
    ...(kept.length
      ? [`:pushpin: Left as they are at Undo: ${countByVendor(kept)} (${escapeMrkdwn(kept[0]?.note ?? '')})`]
      : []),
    `_<@${by}> on ${at.toISOString().slice(0, 10)} at ${at.toISOString().slice(11, 16)} UTC._`,
  ];
  const buttons = limitButtons(p);
  return [mrkdwnSection(lines.join('\n'), LIMIT_BLOCK_IDS.result), ...(buttons ? [buttons] : [])];
}

/** Who got each limit and who did not, with the reason: only for per-person viewers. */
export function limitDetail(p: LimitProposal): string {
  const line = (i: LimitItem) =>
    `• ${itemLabel(i)}: ${i.state}${i.state === 'applied' ? ` (${centsLabel(i.before?.amountCents ?? null)} → ${centsLabel(i.after?.amountCents ?? i.amountCents)})` : ''}${i.error ? ` — ${i.error}` : ''}${i.note ? ` — ${i.note}` : ''}`;
  return p.items.map(line).join('\n');
}

/** The alert's blocks with the proposal's own replaced by `replacement`. */
export function replaceLimitBlocks(
  blocks: ReadonlyArray<Record<string, unknown>>,
  replacement: readonly Block[],
): unknown[] {
  const ours = new Set<unknown>(Object.values(LIMIT_BLOCK_IDS));
  const at = blocks.findIndex((b) => ours.has(b.block_id));
  const kept = blocks.filter((b) => !ours.has(b.block_id));
  const index = at === -1 ? kept.length : at;
  return [...kept.slice(0, index), ...replacement, ...kept.slice(index)];
}
