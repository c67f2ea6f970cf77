import { vendorName } from './alerts/vendor-links.js';
import type { BurnReport } from './burn-report.js';
import type { SourceCompleteness } from './completeness.js';
import type { IsoDay } from './dates.js';
import { formatUsd, usdToMicros } from './money.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-04-28` → `28 Apr` (with the year when it differs from `ref`'s). */
export function shortDate(day: IsoDay, ref?: IsoDay): string {
  const label = `${Number(day.slice(8, 10))} ${MONTHS[Number(day.slice(5, 7)) - 1]}`;
  return ref && ref.slice(0, 4) !== day.slice(0, 4) ? `${label} ${day.slice(0, 4)}` : label;
}

/** `2026-12-01T22:14:05.123Z` → `1 Dec 2026, 22:14 UTC`. */
export function humanTimestamp(iso: string): string {
  const day = iso.slice(0, 10);
  return `${shortDate(day)} ${day.slice(0, 4)}, ${iso.slice(11, 16)} UTC`;
}

export const usd = (n: number) => formatUsd(usdToMicros(n));

/** "1 day", "3 days". */
export const dayCount = (n: number) => `${n} day${Math.abs(n) === 1 ? '' : 's'}`;

/** "247 days before year end", "1 day before year end", "at year end". */
export const beforeYearEnd = (daysEarly: number) =>
  daysEarly <= 0 ? 'at year end' : `${dayCount(daysEarly)} before year end`;

/** A source as people know it: the vendor's name, and the source id when it is not just the vendor. */
export function sourceLabel(s: Pick<SourceCompleteness, 'source' | 'vendor'>): string {
  const name = vendorName(s.vendor);
  return s.source === s.vendor ? name : `${name} (${s.source})`;
}

/** "OpenAI data through 27 Nov (3 days estimated)" for each source whose recent days are estimated. */
export function dataNotes(r: Pick<BurnReport, 'sources' | 'asOf'>): string[] {
  return r.sources
    .filter((s) => s.estimatedDays > 0)
    .map((s) => {
      const days = `${dayCount(s.estimatedDays)} estimated`;
      return s.completeThrough
        ? `${sourceLabel(s)} data through ${shortDate(s.completeThrough, r.asOf)} (${days})`
        : `${sourceLabel(s)}: no complete data this year (${days})`;
    });
}

/** "Plans in this forecast: +20 engineers from 2027-03-01; …", or undefined without plans. */
export function planNote(r: Pick<BurnReport, 'plans'>): string | undefined {
  const applied = r.plans.filter((p) => p.applied);
  return applied.length ? `Plans in this forecast: ${applied.map((p) => p.label).join('; ')}` : undefined;
}

/**
 * "Budget $300,000 from 1 Mar (set by U0FIN: hiring plan approved)" when a recorded change set it, and
 * "Q2 budget $90,000, $61,200 spent; $4,100 over the phased budget to date" when it is phased.
 */
export function budgetNote(
  r: Pick<BurnReport, 'budgetChange' | 'budgetUsd' | 'asOf'> & Partial<Pick<BurnReport, 'phasing'>>,
): string | undefined {
  if (r.budgetUsd === null) return undefined;
  const c = r.budgetChange;
  const parts = c
    ? [`Budget ${usd(r.budgetUsd)} from ${shortDate(c.from, r.asOf)} (set by ${c.by}: ${c.reason})`]
    : [];
  const p = r.phasing;
  const q = p?.quarters.find((x) => x.label === p.current);
  if (p && q) {
    const gap = Math.abs(p.overPhaseUsd);
    const against =
      gap < 0.5
        ? 'on the phased budget to date'
        : `${usd(gap)} ${p.overPhaseUsd > 0 ? 'over' : 'under'} the phased budget to date`;
    parts.push(`${q.label} budget ${usd(q.budgetUsd)}, ${usd(q.spentUsd)} spent; ${against}`);
  }
  return parts.length ? parts.join('. ') : undefined;
}

/**
 * The status people read: "incomplete data" where missing data could hide a problem, and
 * "unallocated" for spend no rule matched (it has no budget to be on track against).
 */
export function statusLabel(r: Pick<BurnReport, 'dataStatus' | 'outlook' | 'budgetUsd'>): string {
  if (r.budgetUsd === null) return 'unallocated';
  if (r.dataStatus === 'incomplete' && r.outlook.status !== 'critical')
    return r.outlook.status === 'warning' ? 'at risk, incomplete data' : 'incomplete data';
  return STATUS_LABEL[r.outlook.status];
}

/**
 * The one-sentence outlook finance reads first, e.g. "Payments will exhaust its $240,000 budget
 * around 28 Apr (P10 14 Apr, P90 19 May), 247 days before year end."
 */
export function outlookSentence(r: BurnReport): string {
  const notes = dataNotes(r);
  const plans = planNote(r);
  const base = plans ? `${outlookOnly(r)} ${plans}.` : outlookOnly(r);
  if (r.dataStatus !== 'incomplete') return notes.length ? `${base} ${notes.join('; ')}.` : base;
  if (r.outlook.status !== 'critical' && r.budgetUsd !== null)
    return `${r.name}: incomplete data, so no all-clear: ${notes.join('; ')}. With those days estimated: ${base}`;
  return `${base} Incomplete data: ${notes.join('; ')}.`;
}

function outlookOnly(r: BurnReport): string {
  const o = r.outlook;
  if (r.budgetUsd === null) {
    return `${r.name}: ${usd(r.spentToDateUsd)} this fiscal year matched no attribution rule; heading for about ${usd(o.yearEndUsd.p50)} by year end.`;
  }
  const budget = usd(r.budgetUsd);
  const ex = o.exhaustionDate;
  if (r.spentToDateUsd > r.budgetUsd) {
    return `${r.name} has spent ${usd(r.spentToDateUsd)}, over its ${budget} budget (${r.percentUsed}%), with ${dayCount(r.daysRemaining)} of the year left; heading for ${usd(o.yearEndUsd.p50)}.`;
  }
  if (ex.p50) {
    const range =
      o.method === 'forecast'
        ? ` (P10 ${shortDate(ex.p10 ?? ex.p50, r.asOf)}, P90 ${ex.p90 ? shortDate(ex.p90, r.asOf) : 'after year end'})`
        : '';
    const early = o.daysEarly !== null ? `, ${beforeYearEnd(o.daysEarly)}` : '';
    return `${r.name} will exhaust its ${budget} budget around ${shortDate(ex.p50, r.asOf)}${range}${early}.`;
  }
  const band = o.method === 'forecast' ? ` (P10 ${usd(o.yearEndUsd.p10)}, P90 ${usd(o.yearEndUsd.p90)})` : '';
  const pct = Math.round((o.yearEndUsd.p50 / r.budgetUsd) * 100);
  const risk =
    o.status === 'warning'
      ? ex.p10
        ? `; it could run out as early as ${shortDate(ex.p10, r.asOf)}`
        : '; at risk of going over'
      : '';
  return `${r.name} is heading for ${usd(o.yearEndUsd.p50)}${band}, ${pct}% of its ${budget} budget${risk}.`;
}

export const STATUS_LABEL = { critical: 'CRITICAL', warning: 'at risk', ok: 'on track' } as const;
