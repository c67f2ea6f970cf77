import { diffDays, type IsoDay } from '../dates.js';
import type { FiscalYear } from '../fiscal-calendar.js';
import { escapeHtml } from '../html-escape.js';
import { formatUsdCompact } from '../money.js';

export interface BurnupChartInput {
  readonly title: string;
  readonly fiscalYear: FiscalYear;
  /** null: no budget line (the unallocated team). */
  readonly budgetUsd: number | null;
  /** Cumulative actual spend per day, ascending. */
  readonly actual: ReadonlyArray<{ readonly date: IsoDay; readonly cumulativeUsd: number }>;
  /** Cumulative outlook band after the last actual day, ascending. */
  readonly band: ReadonlyArray<{
    readonly date: IsoDay;
    readonly p10: number;
    readonly p50: number;
    readonly p90: number;
  }>;
  readonly exhaustion?: {
    readonly p10: IsoDay | null;
    readonly p50: IsoDay | null;
    readonly p90: IsoDay | null;
  };
  /** Label of the outlook line in the legend ("forecast P50" or "trailing run-rate"). */
  readonly outlookLabel?: string;
  /**
   * Days a source has not delivered yet, from `from` to as-of: shaded, and bridged from the last
   * stored total to the outlook's start by a dashed line (the estimate), so they never read as $0.
   */
  readonly estimated?: { readonly from: IsoDay; readonly to: IsoDay; readonly days: number };
  readonly width?: number;
  readonly height?: number;
}

const COLORS = {
  actual: '#1f4e8c',
  band: '#f2a65a',
  p50: '#d9622b',
  budget: '#b3261e',
  grid: '#e3e6ea',
  text: '#30343b',
  muted: '#6b7280',
};

const esc = escapeHtml;
const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * Round y-axis ticks: the smallest step of 1, 2, 2.5 or 5 × 10^k for which four steps reach `value`,
 * so every tick reads as a round amount ($250k, $500k, … not $375k).
 */
export function niceTicks(value: number, steps = 4): { max: number; step: number } {
  const target = Math.max(value, 1) / steps;
  const exp = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= target) return { max: m * exp * steps, step: m * exp };
  return { max: 10 * exp * steps, step: 10 * exp };
}

/** `2026-05-05` → `5 May` (the chart's own copy, so the chart stays free of text modules). */
const dayLabel = (day: IsoDay) => `${Number(day.slice(8, 10))} ${MONTHS[Number(day.slice(5, 7)) - 1] ?? ''}`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A burn-up chart as standalone SVG (no external fonts, scripts or styles), so it embeds in HTML and
 * renders to PNG without a browser: cumulative actual, outlook band (P10–P90) with its P50 line, the
 * budget line, and a marker at the P50 exhaustion date with its P10–P90 range.
 */
export function renderBurnupSvg(input: BurnupChartInput): string {
  const W = input.width ?? 720;
  const H = input.height ?? 360;
  const m = { top: 58, right: 24, bottom: 40, left: 64 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const fy = input.fiscalYear;
  const { max: maxY, step } = niceTicks(
    Math.max(
      input.budgetUsd ?? 0,
      ...input.actual.map((a) => a.cumulativeUsd),
      ...input.band.map((b) => b.p90),
      1,
    ) * 1.05,
  );
  const x = (d: IsoDay) =>
    m.left + (Math.min(Math.max(diffDays(fy.start, d), 0), fy.days - 1) / (fy.days - 1)) * pw;
  const y = (v: number) => m.top + ph - (Math.min(v, maxY) / maxY) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="22" font-size="15" font-weight="bold" fill="${COLORS.text}">${esc(input.title)}</text>`,
  );
  // Grid and y labels.
  for (let i = 0; i <= 4; i++) {
    const v = step * i;
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="${COLORS.grid}"/>`,
      `<text x="${m.left - 6}" y="${fmt(y(v) + 4)}" font-size="11" text-anchor="end" fill="${COLORS.muted}">${formatUsdCompact(v)}</text>`,
    );
  }
  // Month ticks along the fiscal year.
  for (let i = 0; i < 12; i++) {
    const monthIndex = (Number(fy.start.slice(5, 7)) - 1 + i) % 12;
    const year = Number(fy.start.slice(0, 4)) + Math.floor((Number(fy.start.slice(5, 7)) - 1 + i) / 12);
    const day = `${year}-${String(monthIndex + 1).padStart(2, '0')}-${fy.start.slice(8, 10)}`;
    const px = fmt(x(day));
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="${COLORS.muted}"/>`,
      `<text x="${px}" y="${m.top + ph + 17}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${MONTHS[monthIndex]}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="${COLORS.muted}"/>`,
  );
  // Band (P10–P90 area) and P50 line.
  if (input.band.length > 0) {
    const upper = input.band.map((b) => `${fmt(x(b.date))},${fmt(y(b.p90))}`);
    const lower = [...input.band].reverse().map((b) => `${fmt(x(b.date))},${fmt(y(b.p10))}`);
    parts.push(
      `<polygon points="${[...upper, ...lower].join(' ')}" fill="${COLORS.band}" fill-opacity="0.3" stroke="none"/>`,
      `<polyline points="${input.band.map((b) => `${fmt(x(b.date))},${fmt(y(b.p50))}`).join(' ')}" fill="none" stroke="${COLORS.p50}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
  }
  // Estimated days: a shaded span and a dashed bridge from the stored total to the outlook's start.
  const est = input.estimated;
  if (est) {
    const x1 = x(est.from);
    const x2 = Math.max(x(est.to), x1 + 2);
    parts.push(
      `<rect x="${fmt(x1)}" y="${m.top}" width="${fmt(x2 - x1)}" height="${ph}" fill="${COLORS.muted}" fill-opacity="0.12"/>`,
    );
    const last = input.actual.at(-1);
    const start = input.band[0];
    if (last && start)
      parts.push(
        `<line x1="${fmt(x(last.date))}" y1="${fmt(y(last.cumulativeUsd))}" x2="${fmt(x(start.date))}" y2="${fmt(y(start.p50))}" stroke="${COLORS.muted}" stroke-width="2" stroke-dasharray="3 3"/>`,
      );
  }
  // Actual.
  if (input.actual.length > 0) {
    parts.push(
      `<polyline points="${input.actual.map((a) => `${fmt(x(a.date))},${fmt(y(a.cumulativeUsd))}`).join(' ')}" fill="none" stroke="${COLORS.actual}" stroke-width="2.5"/>`,
    );
  }
  // Budget line.
  if (input.budgetUsd !== null) {
    const by = fmt(y(input.budgetUsd));
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${by}" y2="${by}" stroke="${COLORS.budget}" stroke-width="1.5" stroke-dasharray="2 3"/>`,
      `<text x="${m.left + pw - 4}" y="${fmt(y(input.budgetUsd) - 5)}" font-size="11" text-anchor="end" fill="${COLORS.budget}">budget ${formatUsdCompact(input.budgetUsd)}</text>`,
    );
  }
  // Exhaustion marker: the P50 date, with the P10–P90 range drawn on the budget line.
  const ex = input.exhaustion;
  if (ex?.p50 && input.budgetUsd !== null) {
    const by = y(input.budgetUsd);
    if (ex.p10) {
      const x1 = fmt(x(ex.p10));
      const x2 = fmt(x(ex.p90 ?? fy.end));
      parts.push(
        `<line x1="${x1}" x2="${x2}" y1="${fmt(by)}" y2="${fmt(by)}" stroke="${COLORS.budget}" stroke-width="5" stroke-opacity="0.35"/>`,
      );
    }
    const px = x(ex.p50);
    parts.push(
      `<line x1="${fmt(px)}" x2="${fmt(px)}" y1="${m.top}" y2="${m.top + ph}" stroke="${COLORS.budget}" stroke-width="1"/>`,
      `<circle cx="${fmt(px)}" cy="${fmt(by)}" r="5" fill="${COLORS.budget}"/>`,
      `<text x="${fmt(Math.min(px + 6, m.left + pw - 90))}" y="${m.top + 12}" font-size="11" fill="${COLORS.budget}">runs out ~${dayLabel(ex.p50)}</text>`,
    );
  }
  // Legend.
  const legend: Array<[string, string, string]> = [
    ['actual', COLORS.actual, ''],
    [input.outlookLabel ?? 'outlook P50', COLORS.p50, '6 4'],
  ];
  let lx = m.left;
  for (const [label, color, dash] of legend) {
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="39" y2="39" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      `<text x="${lx + 22}" y="43" font-size="11" fill="${COLORS.text}">${esc(label)}</text>`,
    );
    lx += 34 + label.length * 6.5;
  }
  if (input.band.some((b) => b.p90 !== b.p10)) {
    parts.push(
      `<rect x="${lx}" y="33" width="18" height="12" fill="${COLORS.band}" fill-opacity="0.3"/>`,
      `<text x="${lx + 22}" y="43" font-size="11" fill="${COLORS.text}">P10–P90</text>`,
    );
    lx += 90;
  }
  if (est) {
    const label = `${est.days} day${est.days === 1 ? '' : 's'} estimated`;
    parts.push(
      `<rect x="${lx}" y="33" width="18" height="12" fill="${COLORS.muted}" fill-opacity="0.25"/>`,
      `<text x="${lx + 22}" y="43" font-size="11" fill="${COLORS.text}">${esc(label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
