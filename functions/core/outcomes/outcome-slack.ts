import { escapeMrkdwn } from '../alerts/block-kit.js';
import type { BurnReport } from '../burn-report.js';
import { usd } from '../burn-text.js';
import { changeCell, figureRows, idleSeatWords, percent, perPrWords } from './outcome-text.js';

/**
 * `/burn TEAM outcomes`: what the team's spend bought, per team. The per-person part (who holds an
 * idle seat, which identities matched no person) is added only for a viewer config.privacy allows,
 * in a private answer, in name order: never ranked, never in a shared (`in_channel`) answer.
 */
export interface OutcomeBlock {
  readonly type: string;
  readonly [key: string]: unknown;
}

const MAX_TEXT = 3000;
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);
const section = (text: string): OutcomeBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text) },
});
const context = (text: string): OutcomeBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: clip(text) }],
});

/** The `outcomes` view of one team's summary. `perPerson`: the viewer may see per-person detail here. */
export function outcomeBlocks(r: BurnReport, opts: { perPerson: boolean }): OutcomeBlock[] {
  const o = r.outcomes;
  if (!o)
    return [
      section(
        `*${escapeMrkdwn(r.name)}* — outcomes: none computed yet (the daily forecast job computes them; add a \`github\` source for merged PRs and \`copilot-metrics\` for Copilot usage).`,
      ),
    ];
  const headline = [perPrWords(o), ...idleSeatWords(o.idleSeats)].filter(Boolean).join('; ');
  const rows = figureRows(o);
  const w = Math.max(...rows.map((x) => x[0].length));
  const table = [
    `${''.padEnd(w)}  ${'last 4 wks'.padStart(11)}  ${'4 before'.padStart(11)}  change`,
    ...rows.map(([name, a, b, c]) => `${name.padEnd(w)}  ${a.padStart(11)}  ${b.padStart(11)}  ${c}`),
  ];
  const trend = o.weeks.map(
    (wk) =>
      `${wk.weekEnd}  ${usd(wk.spendUsd).padStart(9)}  ${String(wk.mergedPullRequests ?? '—').padStart(4)} PRs  ${(wk.spendPerMergedPrUsd === null ? '—' : usd(wk.spendPerMergedPrUsd)).padStart(7)}/PR  ${String(wk.activeEngineers).padStart(3)} active  ${percent(wk.adoption).padStart(4)}`,
  );
  const blocks: OutcomeBlock[] = [
    section(`*${escapeMrkdwn(r.name)}* — outcomes (as of ${r.asOf})${headline ? `\n${headline}` : ''}`),
    section(`\`\`\`${table.join('\n')}\`\`\``),
    section(
      `*Weekly, last 12 weeks* (week ending · spend · merged PRs · per PR · active · adoption)\n\`\`\`${trend.join('\n')}\`\`\``,
    ),
  ];
  const notes: string[] = [];
  if (o.last4Weeks.mergedPullRequests === null) notes.push('no `github` source: merged PRs are not counted');
  if (o.idleSeats.length === 0) notes.push('idle seats need seat snapshots and Copilot usage metrics');
  if (o.unmatchedIdentities > 0)
    notes.push(
      `${o.unmatchedIdentities} identit${o.unmatchedIdentities === 1 ? 'y' : 'ies'} matched no person (add them under identities): active counts may include someone twice`,
    );
  const seats = o.idleSeats.map((s) => `${s.vendor} ${s.idle}/${s.seats} idle`).join(', ');
  if (seats) notes.push(`seats: ${seats}`);
  if (opts.perPerson && r.people) {
    // Names only, alphabetically: who to ask about a seat, not who uses AI most.
    const holders = r.people.idleSeats.map((h) => `${escapeMrkdwn(h.login)} (${h.vendor})`);
    if (holders.length)
      blocks.push(section(`*Idle seats, by name* (visible to you only): ${holders.join(', ')}`));
    if (r.people.unmatchedIdentities.length)
      blocks.push(
        section(
          `*Identities to map* (visible to you only): ${escapeMrkdwn(r.people.unmatchedIdentities.join(', '))}`,
        ),
      );
  }
  blocks.push(
    context(
      `${notes.join(' · ')}${notes.length ? ' · ' : ''}change: last 4 weeks vs the 4 before (${changeCell(o.change.spendPerMergedPr)} per merged PR) · team figures only · definitions: docs/outcomes.md`,
    ),
  );
  return blocks;
}
