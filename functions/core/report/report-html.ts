import { BLOCK_KIT_CSS } from '../alerts/block-kit-html.js';
import type { BurnReport } from '../burn-report.js';
import {
  budgetNote,
  dataNotes,
  humanTimestamp,
  outlookSentence,
  shortDate,
  sourceLabel,
  statusLabel,
  usd,
} from '../burn-text.js';
import { burnupChartInput } from '../chart/burnup-data.js';
import { renderBurnupSvg } from '../chart/burnup-svg.js';
import type { IsoDay } from '../dates.js';
import { escapeHtml } from '../html-escape.js';
import { outcomesPanelHtml } from '../outcomes/outcome-html.js';
import { changeCell } from '../outcomes/outcome-text.js';
import type { CoverageOfSource, TeamBurn } from '../team-reports.js';
import { vendorDisplayName } from '../vendors.js';

/** One alert rule's standing for a team, from its lifecycle state. */
export interface AlertHistoryRow {
  readonly team: string;
  readonly teamName: string;
  readonly rule: string;
  /** The level people were last told about (`ok` = nothing open). */
  readonly notified: string;
  readonly since?: IsoDay;
  readonly lastNotice?: { readonly kind: string; readonly asOf: IsoDay };
  /** A notice still being delivered. */
  readonly pending?: { readonly kind: string; readonly asOf: IsoDay; readonly undelivered: number };
}

/**
 * A row of the "Unallocated spend" table: an identity that names no person (a project, workspace or
 * API key), or the people of one source as a count, never by name: the report goes to finance.
 */
export type UnmatchedSpend =
  | { readonly source: string; readonly identity: string; readonly usd: number }
  | { readonly source: string; readonly people: number; readonly usd: number };

export interface ReportInput {
  readonly organization: string;
  readonly asOf: IsoDay;
  readonly burns: readonly TeamBurn[];
  /** Each source's coverage of the fiscal year to as-of (the data-completeness table). */
  readonly coverage?: readonly CoverageOfSource[];
  /** Spend that matched no rule, with USD, largest first (people only as a count per source). */
  readonly unmatched: readonly UnmatchedSpend[];
  /** What `unmatched` covers, e.g. "the last 28 days". */
  readonly unmatchedPeriod?: string;
  readonly alertHistory?: readonly AlertHistoryRow[];
  /** Extra sections (alerts as they would look in Slack), already HTML. */
  readonly sections?: ReadonlyArray<{ title: string; html: string; css?: string }>;
  readonly generatedAt: string;
}

const esc = escapeHtml;

const STATUS_COLOR = { critical: '#b3261e', warning: '#b26a00', ok: '#1e7b34' } as const;
const GREY = '#5f6368';
/** Incomplete data and unallocated spend are grey, never the green of "on track". */
const statusColor = (r: BurnReport) =>
  r.budgetUsd === null || (r.dataStatus === 'incomplete' && r.outlook.status !== 'critical')
    ? GREY
    : STATUS_COLOR[r.outlook.status];
const badge = (r: BurnReport) =>
  `<span class="status" style="background:${statusColor(r)}">${esc(statusLabel(r))}</span>`;
const RISK = { critical: 0, warning: 1, ok: 2 } as const;
const pct = (n: number) => `${Math.round(n)}%`;

/** Share of the fiscal year gone at as-of, 0–100. */
const yearGone = (r: BurnReport) => (r.daysElapsed / Math.max(1, r.daysElapsed + r.daysRemaining)) * 100;

/**
 * The org's totals over budgeted teams. Quantiles of a sum are the sum of quantiles when teams move
 * together (the cautious case, and AI adoption does move together): that is the band shown, labelled.
 */
export function orgTotals(burns: readonly TeamBurn[]) {
  const budgeted = burns.map((b) => b.report).filter((r) => r.budgetUsd !== null);
  const sum = (f: (r: BurnReport) => number) => budgeted.reduce((a, r) => a + f(r), 0);
  const unallocated = burns.map((b) => b.report).filter((r) => r.budgetUsd === null);
  return {
    teams: budgeted.length,
    budgetUsd: sum((r) => r.budgetUsd ?? 0),
    spentUsd: sum((r) => r.spentToDateUsd),
    yearEnd: {
      p10: sum((r) => r.outlook.yearEndUsd.p10),
      p50: sum((r) => r.outlook.yearEndUsd.p50),
      p90: sum((r) => r.outlook.yearEndUsd.p90),
    },
    unallocatedUsd: unallocated.reduce((a, r) => a + r.spentToDateUsd, 0),
    yearGonePct: budgeted[0] ? yearGone(budgeted[0]) : 0,
    critical: budgeted.filter((r) => r.outlook.status === 'critical').length,
    incomplete: budgeted.filter((r) => r.dataStatus === 'incomplete').length,
  };
}

/**
 * The report finance reads in five seconds: the org's totals first, every team riskiest first with
 * its burn-up chart, freshness per source, unallocated spend and the alert history. One HTML file,
 * inline SVG, no scripts, no external assets and no glyph that needs an emoji font.
 */
export function renderReportHtml(input: ReportInput): string {
  const burns = [...input.burns].sort(
    (a, b) =>
      Number(a.report.budgetUsd === null) - Number(b.report.budgetUsd === null) ||
      RISK[a.report.outlook.status] - RISK[b.report.outlook.status] ||
      (b.report.percentUsed ?? -1) - (a.report.percentUsed ?? -1),
  );
  const org = orgTotals(burns);
  const rows = burns
    .map(({ report: r }) => {
      const o = r.outlook;
      return `<tr>
  <td><a href="#team-${esc(r.team)}">${esc(r.name)}</a></td>
  <td class="n">${r.budgetUsd === null ? '—' : usd(r.budgetUsd)}</td>
  <td class="n">${usd(r.spentToDateUsd)}</td>
  <td class="n">${r.percentUsed === null ? '—' : `${r.percentUsed}%`}</td>
  <td class="n">${usd(o.yearEndUsd.p50)}${o.method === 'forecast' ? ` <span class="muted">(${usd(o.yearEndUsd.p10)}–${usd(o.yearEndUsd.p90)})</span>` : ''}</td>
  <td>${o.exhaustionDate.p50 ? shortDate(o.exhaustionDate.p50, r.asOf) : '—'}</td>
  <td>${badge(r)}</td>
</tr>`;
    })
    .join('\n');
  const teams = burns.map((b) => teamSection(b)).join('\n');
  const unmatched = input.unmatched
    .slice(0, 10)
    .map(
      (u) =>
        `<tr><td>${esc(u.source)}</td><td>${'people' in u ? `${u.people} ${u.people === 1 ? 'person' : 'people'} <span class="muted">(not named in this report)</span>` : `<code>${esc(u.identity)}</code>`}</td><td class="n">${usd(u.usd)}</td></tr>`,
    )
    .join('');
  const coverage = (input.coverage ?? [])
    .map((c) => {
      const holes = c.holes
        .slice(0, 3)
        .map((h) =>
          h.from === h.to
            ? shortDate(h.from, input.asOf)
            : `${shortDate(h.from, input.asOf)}–${shortDate(h.to, input.asOf)}`,
        )
        .join(', ');
      return `<tr><td>${esc(sourceLabel(c))}</td><td>${c.completeThrough ? shortDate(c.completeThrough, input.asOf) : 'none'}</td><td class="n">${c.missingDays}</td><td>${esc(holes || '—')}${c.holes.length > 3 ? ', …' : ''}</td><td class="n">${c.suspectDays.length}</td><td>${c.lastFetchedAt ? esc(humanTimestamp(c.lastFetchedAt)) : 'never'}</td><td>${c.lastError ? esc(`${shortDate(c.lastError.date, input.asOf)}: ${c.lastError.message}`.slice(0, 160)) : ''}</td></tr>`;
    })
    .join('');
  const history = (input.alertHistory ?? [])
    .map(
      (h) =>
        `<tr><td>${esc(h.teamName)}</td><td>${esc(h.rule)}</td><td>${esc(h.notified === 'ok' ? 'closed' : h.notified)}</td><td>${h.since ? shortDate(h.since, input.asOf) : '—'}</td><td>${h.lastNotice ? `${esc(h.lastNotice.kind)}, ${shortDate(h.lastNotice.asOf, input.asOf)}` : '—'}</td><td>${h.pending ? `${esc(h.pending.kind)} of ${shortDate(h.pending.asOf, input.asOf)}: ${h.pending.undelivered} target(s) not yet delivered` : ''}</td></tr>`,
    )
    .join('');
  const sections = (input.sections ?? [])
    .map((s) => `<section><h2>${esc(s.title)}</h2>${s.html}</section>`)
    .join('\n');
  const used = org.budgetUsd > 0 ? (org.spentUsd / org.budgetUsd) * 100 : 0;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>burnwatch — ${esc(input.organization)} — as of ${esc(shortDate(input.asOf))} ${esc(input.asOf.slice(0, 4))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;max-width:980px;margin:24px auto;padding:0 16px;line-height:1.45;overflow-wrap:break-word}
h1{margin-bottom:0}h2{margin-top:0}.muted{color:#6b7280;font-size:.92em}.lead{font-size:1.08em}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%}
.status{color:#fff;border-radius:10px;padding:1px 8px;font-size:.8em;white-space:nowrap;vertical-align:middle}
section{border:1px solid #e3e6ea;border-radius:8px;padding:16px;margin:18px 0}.chart svg{max-width:100%;height:auto}
.cols{display:flex;gap:32px;flex-wrap:wrap}a{color:#1f4e8c}.budget{border-left:3px solid #1f4e8c;padding:2px 10px}.estimated{background:#f1f3f4;border-left:3px solid ${GREY};padding:6px 10px}
.totals{display:flex;flex-wrap:wrap;gap:12px 28px;margin:14px 0}.totals div{min-width:140px}.totals b{display:block;font-size:1.5em;font-variant-numeric:tabular-nums}
.bar{position:relative;height:10px;background:#e3e6ea;border-radius:5px;margin-top:4px;max-width:240px}.bar span{position:absolute;top:0;bottom:0;left:0;border-radius:5px;background:#1f4e8c}.bar i{position:absolute;top:-3px;bottom:-3px;width:2px;background:#b3261e}
${BLOCK_KIT_CSS}
${(input.sections ?? []).map((s) => s.css ?? '').join('\n')}
</style></head><body>
<h1>${esc(input.organization)}: AI spend</h1>
<p class="muted">As of ${esc(shortDate(input.asOf))} ${esc(input.asOf.slice(0, 4))} · generated ${esc(humanTimestamp(input.generatedAt))} by burnwatch · teams riskiest first</p>
<div class="totals">
  <div>Spent<b>${usd(org.spentUsd)}</b><span class="muted">of ${usd(org.budgetUsd)} budget</span></div>
  <div>Used<b>${pct(used)}</b><span class="muted">with ${pct(org.yearGonePct)} of the year gone</span><div class="bar" title="used vs year gone"><span style="width:${Math.min(100, used).toFixed(1)}%"></span><i style="left:${Math.min(100, org.yearGonePct).toFixed(1)}%"></i></div></div>
  <div>Year-end P50<b>${usd(org.yearEnd.p50)}</b><span class="muted">P10 ${usd(org.yearEnd.p10)} – P90 ${usd(org.yearEnd.p90)} if teams move together</span></div>
  <div>Teams<b>${org.teams}</b><span class="muted">${org.critical} critical${org.incomplete ? `, ${org.incomplete} with incomplete data` : ''}</span></div>
  ${org.unallocatedUsd > 0 ? `<div>Unallocated<b>${usd(org.unallocatedUsd)}</b><span class="muted">matched no team</span></div>` : ''}
</div>
<div class="scroll"><table><thead><tr><th>Team</th><th>Budget</th><th>Spent YTD</th><th>Used</th><th>Year-end outlook (P10–P90)</th><th>Runs out</th><th>Status</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${coverage ? `<section><h2>Data completeness</h2><p>What each source has delivered this fiscal year. Days not delivered are estimated from the team's recent level with that source, never counted as zero, and every run fetches them again.</p><div class="scroll"><table><thead><tr><th>Source</th><th>Complete through</th><th>Missing days</th><th>Gaps</th><th>Suspect days</th><th>Last fetch</th><th>Last error</th></tr></thead><tbody>${coverage}</tbody></table></div></section>` : ''}
${unmatched ? `<section><h2>Unallocated spend</h2><p>Spend no attribution rule matched${input.unmatchedPeriod ? ` (${esc(input.unmatchedPeriod)})` : ''}, by identity; people (user emails, logins, accounts) are counted per source, not named. Add a rule in <code>burnwatch.config.json</code> to assign it.</p><div class="scroll"><table><thead><tr><th>Source</th><th>Identity</th><th>USD</th></tr></thead><tbody>${unmatched}</tbody></table></div></section>` : ''}
${history ? `<section><h2>Alert history</h2><p>Each rule's standing per team: the level people were told about, since when, and the last notice.</p><div class="scroll"><table><thead><tr><th>Team</th><th>Rule</th><th>Open at</th><th>Since</th><th>Last notice</th><th>Delivering</th></tr></thead><tbody>${history}</tbody></table></div></section>` : ''}
${sections}
${teams}
</body></html>
`;
}

function teamSection(b: TeamBurn): string {
  const r = b.report;
  const svg = renderBurnupSvg(burnupChartInput(r, b.daily, b.forecast));
  const vendors = r.byVendor
    .map(
      (v) =>
        `<tr><td>${esc(vendorDisplayName(v.vendor))}</td><td class="n">${usd(v.usd)}</td><td class="n">${Math.round(v.share * 100)}%</td></tr>`,
    )
    .join('');
  const models = r.byModel
    .slice(0, 5)
    .map((m) => `<tr><td>${esc(m.model)}</td><td class="n">${usd(m.usd)}</td></tr>`)
    .join('');
  const facts = [
    r.budgetUsd !== null && r.percentUsed !== null
      ? `${r.percentUsed}% used with ${pct(yearGone(r))} of the year gone`
      : '',
    r.perEngineerMonthlyUsd !== null
      ? `${usd(r.perEngineerMonthlyUsd)} per ${r.perEngineerBasis === 'headcount' ? 'head' : 'active engineer'} per month (last 28 days)`
      : '',
    r.trendChange !== null ? `last 28 days ${changeCell(r.trendChange - 1)} vs the 28 before` : '',
  ].filter(Boolean);
  const notes = dataNotes(r);
  // What finance decided (a budget moved in Slack, quarters phased, planned changes): the page must
  // say why a figure differs from the config.
  const budget = budgetNote(r);
  const plans = r.plans.map((p) => `${p.label} (${p.by}${p.applied ? '' : ', not in the outlook'})`);
  return `<section id="team-${esc(r.team)}" class="team">
  <h2>${esc(r.name)} ${badge(r)}</h2>
  <p class="lead">${esc(outlookSentence(r))}</p>
  ${budget ? `<p class="budget">${esc(budget)}.</p>` : ''}
  ${plans.length ? `<p class="budget">Planned changes in the outlook: ${esc(plans.join('; '))}.</p>` : ''}
  ${notes.length ? `<p class="estimated">Estimated, not yet delivered: ${esc(notes.join('; '))} (${usd(r.estimatedUsd)} in the outlook, not in spent to date; shaded on the chart).</p>` : ''}
  ${r.outlook.method === 'trailing-run-rate' ? '<p class="muted">Outlook: trailing 28-day run-rate carried to year end (no uncertainty band).</p>' : ''}
  ${r.outlook.confidence === 'low' ? '<p class="muted">Low confidence: short history, wide band.</p>' : ''}
  <div class="chart">${svg}</div>
  <div class="cols">
    <table><thead><tr><th>Vendor</th><th>YTD</th><th>Share</th></tr></thead><tbody>${vendors || '<tr><td colspan="3">no spend</td></tr>'}</tbody></table>
    <table><thead><tr><th>Top models</th><th>YTD</th></tr></thead><tbody>${models || '<tr><td colspan="2">—</td></tr>'}</tbody></table>
  </div>
  ${facts.length ? `<p class="muted">${facts.map(esc).join(' · ')}</p>` : ''}
  ${outcomesPanelHtml(r)}
</section>`;
}
