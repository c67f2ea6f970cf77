import type { BurnReport } from '../core/burn-report.js';
import { dataNotes, outlookSentence, shortDate, sourceLabel, statusLabel, usd } from '../core/burn-text.js';
import { burnupChartInput } from '../core/chart/burnup-data.js';
import { renderBurnupSvg } from '../core/chart/burnup-svg.js';
import type { CoverageOfSource, TeamBurn } from '../core/team-reports.js';
import { vendorDisplayName } from '../core/vendors.js';

export interface ReportInput {
  readonly organization: string;
  readonly asOf: string;
  readonly burns: readonly TeamBurn[];
  /** Identities that matched no rule, with USD, largest first. */
  readonly unmatched: ReadonlyArray<{ identity: string; source: string; usd: number }>;
  /** Each source's coverage of the fiscal year to as-of (the data-completeness table). */
  readonly coverage?: readonly CoverageOfSource[];
  /** Extra sections (alerts as they would look in Slack), already HTML. */
  readonly sections?: ReadonlyArray<{ title: string; html: string; css?: string }>;
  readonly generatedAt: string;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STATUS_COLOR = { critical: '#b3261e', warning: '#b26a00', ok: '#1e7b34' } as const;
/** Incomplete data is grey, never the green of "on track". */
const statusColor = (r: BurnReport) =>
  r.dataStatus === 'incomplete' && r.outlook.status !== 'critical'
    ? '#5f6368'
    : STATUS_COLOR[r.outlook.status];
const badge = (r: BurnReport) =>
  `<span class="status" style="background:${statusColor(r)}">${esc(statusLabel(r))}</span>`;
const RISK = { critical: 0, warning: 1, ok: 2 } as const;

/** The self-contained demo report: one HTML file, inline SVG charts, no external assets. */
export function renderReportHtml(input: ReportInput): string {
  const burns = [...input.burns].sort(
    (a, b) =>
      RISK[a.report.outlook.status] - RISK[b.report.outlook.status] ||
      (b.report.percentUsed ?? -1) - (a.report.percentUsed ?? -1),
  );
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
  const teams = burns
    .map((b) => {
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
        r.perEngineerMonthlyUsd !== null
          ? `${usd(r.perEngineerMonthlyUsd)} per engineer per month (last 28 days)`
          : '',
        r.costPerMergedPrUsd !== null ? `${usd(r.costPerMergedPrUsd)} per agent-authored pull request` : '',
        r.trendChange !== null
          ? `last 28 days ${r.trendChange >= 1 ? '+' : ''}${Math.round((r.trendChange - 1) * 100)}% vs the 28 before`
          : '',
      ].filter(Boolean);
      return `<section id="team-${esc(r.team)}" class="team">
  <h2>${esc(r.name)} ${badge(r)}</h2>
  <p class="lead">${esc(outlookSentence(r))}</p>
  ${dataNotes(r).length ? `<p class="estimated">Estimated, not yet delivered: ${esc(dataNotes(r).join('; '))} (${usd(r.estimatedUsd)} in the outlook, not in spent to date; shaded on the chart).</p>` : ''}
  ${r.outlook.method === 'trailing-run-rate' ? '<p class="muted">Outlook: trailing 28-day run-rate carried to year end (no uncertainty band).</p>' : ''}
  ${r.outlook.confidence === 'low' ? '<p class="muted">Low confidence: short history, wide band.</p>' : ''}
  <div class="chart">${svg}</div>
  <div class="cols">
    <table><thead><tr><th>Vendor</th><th>YTD</th><th>Share</th></tr></thead><tbody>${vendors || '<tr><td colspan="3">no spend</td></tr>'}</tbody></table>
    <table><thead><tr><th>Top models</th><th>YTD</th></tr></thead><tbody>${models || '<tr><td colspan="2">—</td></tr>'}</tbody></table>
  </div>
  ${facts.length ? `<p class="muted">${facts.map(esc).join(' · ')}</p>` : ''}
</section>`;
    })
    .join('\n');
  const unmatched = input.unmatched
    .slice(0, 10)
    .map(
      (u) =>
        `<tr><td>${esc(u.source)}</td><td><code>${esc(u.identity)}</code></td><td class="n">${usd(u.usd)}</td></tr>`,
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
      return `<tr><td>${esc(sourceLabel(c))}</td><td>${c.completeThrough ? shortDate(c.completeThrough, input.asOf) : 'none'}</td><td class="n">${c.missingDays}</td><td>${esc(holes || '—')}${c.holes.length > 3 ? ', …' : ''}</td><td class="n">${c.suspectDays.length}</td><td>${c.lastError ? esc(`${c.lastError.date}: ${c.lastError.message}`.slice(0, 160)) : ''}</td></tr>`;
    })
    .join('');
  const sections = (input.sections ?? [])
    .map((s) => `<section><h2>${esc(s.title)}</h2>${s.html}</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>burnwatch — ${esc(input.organization)} — as of ${esc(input.asOf)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;max-width:980px;margin:24px auto;padding:0 16px;line-height:1.45}
h1{margin-bottom:0}h2{margin-top:0}.muted{color:#6b7280;font-size:.92em}.lead{font-size:1.08em}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border-bottom:1px solid #e3e6ea;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.status{color:#fff;border-radius:10px;padding:1px 8px;font-size:.8em;white-space:nowrap;vertical-align:middle}
section{border:1px solid #e3e6ea;border-radius:8px;padding:16px;margin:18px 0}.chart svg{max-width:100%;height:auto}
.cols{display:flex;gap:32px;flex-wrap:wrap}a{color:#1f4e8c}.estimated{background:#f1f3f4;border-left:3px solid #5f6368;padding:6px 10px}
${(input.sections ?? []).map((s) => s.css ?? '').join('\n')}
</style></head><body>
<h1>${esc(input.organization)} — AI spend</h1>
<p class="muted">As of ${esc(input.asOf)} · generated ${esc(input.generatedAt)} by burnwatch · teams riskiest first</p>
<table><thead><tr><th>Team</th><th>Budget</th><th>Spent YTD</th><th>Used</th><th>Year-end outlook (P10–P90)</th><th>Runs out</th><th>Status</th></tr></thead>
<tbody>${rows}</tbody></table>
${coverage ? `<section><h2>Data completeness</h2><p>What each source has delivered this fiscal year. Days not delivered are estimated from the team's recent level with that source, never counted as zero, and every run fetches them again.</p><table><thead><tr><th>Source</th><th>Complete through</th><th>Missing days</th><th>Gaps</th><th>Suspect days</th><th>Last error</th></tr></thead><tbody>${coverage}</tbody></table></section>` : ''}
${unmatched ? `<section><h2>Unallocated spend</h2><p>Spend no attribution rule matched, by identity. Add a rule in <code>burnwatch.config.json</code> to assign it.</p><table><thead><tr><th>Source</th><th>Identity</th><th>USD</th></tr></thead><tbody>${unmatched}</tbody></table></section>` : ''}
${sections}
${teams}
</body></html>
`;
}
