import type { BurnReport } from '../burn-report.js';
import { shortDate, usd } from '../burn-text.js';
import { escapeHtml } from '../html-escape.js';
import type { TeamOutcomes } from './metrics.js';
import { figureRows, idleSeatWords, perPrWords } from './outcome-text.js';

/**
 * The report's per-team outcomes panel: the last 4 weeks against the 4 before, idle seats, and a
 * 12-week trend chart (merged PRs as bars, spend per merged PR as a line). Inline SVG, no scripts,
 * team figures only.
 */
const esc = escapeHtml;

const W = 640;
const H = 200;
const PAD = { left: 56, right: 44, top: 14, bottom: 30 };

/** Merged PRs per week as bars (right axis), spend per merged PR as a line (left axis). */
export function outcomeTrendSvg(o: TeamOutcomes, asOf: string): string {
  const weeks = o.weeks;
  const n = weeks.length;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, n);
  const prs = weeks.map((w) => w.mergedPullRequests ?? 0);
  const perPr = weeks.map((w) => w.spendPerMergedPrUsd);
  const maxPr = Math.max(1, ...prs);
  const maxUsd = Math.max(1, ...perPr.map((v) => v ?? 0));
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const yPr = (v: number) => PAD.top + plotH - (v / maxPr) * plotH;
  const yUsd = (v: number) => PAD.top + plotH - (v / maxUsd) * plotH;
  const bars = prs
    .map(
      (v, i) =>
        `<rect x="${(x(i) - slot * 0.3).toFixed(1)}" y="${yPr(v).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${(PAD.top + plotH - yPr(v)).toFixed(1)}" fill="#c9d6ea"><title>${esc(`week to ${shortDate(weeks[i]?.weekEnd ?? asOf, asOf)}: ${v} merged PRs`)}</title></rect>`,
    )
    .join('');
  const points = perPr
    .map((v, i) => (v === null ? undefined : `${x(i).toFixed(1)},${yUsd(v).toFixed(1)}`))
    .filter((p): p is string => p !== undefined);
  const dots = perPr
    .map((v, i) =>
      v === null
        ? ''
        : `<circle cx="${x(i).toFixed(1)}" cy="${yUsd(v).toFixed(1)}" r="3" fill="#b3261e"><title>${esc(`week to ${shortDate(weeks[i]?.weekEnd ?? asOf, asOf)}: ${usd(v)} per merged PR`)}</title></circle>`,
    )
    .join('');
  const labels = weeks
    .map((w, i) =>
      i % 2 === n % 2
        ? ''
        : `<text x="${x(i).toFixed(1)}" y="${H - 10}" font-size="10" text-anchor="middle" fill="#5f6368">${esc(shortDate(w.weekEnd, asOf))}</text>`,
    )
    .join('');
  return `<svg class="outcomes-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Merged PRs and spend per merged PR, weekly, last 12 weeks">
<title>Merged PRs (bars) and spend per merged PR (line), 12 weeks to ${esc(shortDate(asOf))}</title>
<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#9aa0a6"/>
${bars}
${points.length > 1 ? `<polyline points="${points.join(' ')}" fill="none" stroke="#b3261e" stroke-width="2"/>` : ''}${dots}
<text x="${PAD.left - 6}" y="${PAD.top + 8}" font-size="10" text-anchor="end" fill="#b3261e">${esc(usd(maxUsd))}</text>
<text x="${PAD.left - 6}" y="${PAD.top + plotH}" font-size="10" text-anchor="end" fill="#b3261e">$0</text>
<text x="${W - PAD.right + 6}" y="${PAD.top + 8}" font-size="10" fill="#5f6368">${maxPr} PRs</text>
<text x="${W - PAD.right + 6}" y="${PAD.top + plotH}" font-size="10" fill="#5f6368">0</text>
${labels}
</svg>`;
}

export function outcomesPanelHtml(r: BurnReport): string {
  const o = r.outcomes;
  if (!o || r.budgetUsd === null) return '';
  const rows = figureRows(o)
    .map(
      ([name, a, b, c]) =>
        `<tr><td>${esc(name)}</td><td class="n">${esc(a)}</td><td class="n">${esc(b)}</td><td class="n">${esc(c)}</td></tr>`,
    )
    .join('');
  const seats = o.idleSeats
    .map((s) => `${s.vendor === 'copilot' ? 'Copilot' : 'Cursor'} ${s.idle} of ${s.seats} seats idle`)
    .join(' · ');
  const headline = [perPrWords(o), ...idleSeatWords(o.idleSeats)].filter(Boolean).join('; ');
  const notes = [
    o.last4Weeks.mergedPullRequests === null ? 'No github source: merged PRs are not counted.' : '',
    o.unmatchedIdentities > 0
      ? `${o.unmatchedIdentities} identit${o.unmatchedIdentities === 1 ? 'y' : 'ies'} matched no person (add them under identities in the config); active counts may include someone twice.`
      : '',
  ].filter(Boolean);
  return `<div class="outcomes">
  <h3>What the spend bought</h3>
  ${headline ? `<p class="lead">${esc(headline)}</p>` : ''}
  <div class="chart">${outcomeTrendSvg(o, r.asOf)}</div>
  <div class="scroll"><table><thead><tr><th></th><th>Last 4 weeks</th><th>4 weeks before</th><th>Change</th></tr></thead><tbody>${rows}</tbody></table></div>
  <p class="muted">${esc([seats ? `Seats: ${seats} (no activity in 30 days).` : '', ...notes, 'Team figures only; definitions in docs/outcomes.md.'].filter(Boolean).join(' '))}</p>
</div>`;
}
