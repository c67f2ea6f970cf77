import * as z from 'zod';
import { diffDays, type IsoDay, isIsoDay } from '../dates.js';
import { intentSchema } from './delivery-ledger.js';
import type { AlertCondition, AlertRule, NoticeKind, Severity } from './types.js';
import { SEVERITY_RANK } from './types.js';

const isoDay = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
const severity = z.enum(['ok', 'warning', 'critical']);

/** Stored per team and rule (`STATE#{team}` / `ALERT#{rule}`), read back through zod. */
export const alertStateSchema = z.object({
  rule: z.string(),
  /** The level people were last told about (`ok` = nothing open). */
  notified: severity,
  notifiedExhaustionP50: isoDay.nullable().optional(),
  notifiedMetric: z.number().optional(),
  /** Current level as last evaluated (may be below `notified` while the hysteresis runs). */
  current: severity,
  /** Consecutive evaluated days at `ok` while something is still announced (recovery hysteresis). */
  calmDays: z.number().int().nonnegative(),
  lastEvaluated: isoDay,
  since: isoDay.optional(),
  pending: intentSchema.optional(),
  /** The last intent that completed, for reports. */
  lastNotice: z.object({ id: z.string(), kind: z.string(), asOf: isoDay }).optional(),
  /**
   * Someone who may act on the team said they have it (Slack's Acknowledge button): follow-ups
   * ("materially worse") stop until the alert escalates or recovers.
   */
  acknowledged: z.object({ by: z.string(), at: z.string(), notice: z.string() }).optional(),
  /** Snoozed (Slack's Snooze 7 days): no follow-ups up to and including this day; an escalation still goes out. */
  snoozedUntil: isoDay.optional(),
});
export type AlertState = z.infer<typeof alertStateSchema>;

export interface LifecycleOptions {
  /** Re-alert when the P50 exhaustion date moves earlier by more than this many days. */
  readonly worseningDays: number;
  /**
   * Days a condition must stay below the notified level before it counts as recovered or improved.
   * Keeps a forecast wobbling around a threshold from sending enter/recover pairs every few days.
   */
  readonly recoveryDays: number;
  /**
   * Least days between two "worse" re-alerts. A surge moves the exhaustion date weeks earlier every
   * few days; one update a week says so without flooding the channel. Escalations are never held back.
   */
  readonly minDaysBetweenWorsening?: number;
}

/** Two weeks: a run-rate hovering near the budget line otherwise enters and recovers every few weeks. */
export const DEFAULT_RECOVERY_DAYS = 14;
export const DEFAULT_MIN_DAYS_BETWEEN_WORSENING = 7;

/** Rules whose recovery is worth a message (a spike or a monthly cap ending quietly is not). */
const ANNOUNCES_RECOVERY: ReadonlySet<AlertRule> = new Set<AlertRule>(['budget', 'stale-data']);

export interface Transition {
  /** The notice to send, if any. */
  readonly notice?: NoticeKind;
  readonly next: AlertState;
  /** False when nothing changed worth a write (keeps quiet days free of DynamoDB writes). */
  readonly changed: boolean;
}

/**
 * The alert lifecycle, pure: notify on entering a state, on escalation, on material worsening (P50
 * exhaustion earlier by more than `worseningDays`, or more people over a cap) and once on recovery
 * (after `recoveryDays` consecutive ok days); otherwise stay quiet, including when it eases from
 * critical to warning and back. Re-evaluating the same day is idempotent.
 */
export function decideTransition(
  prev: AlertState | undefined,
  cond: AlertCondition,
  asOf: IsoDay,
  opts: LifecycleOptions,
): Transition {
  const notified: Severity = prev?.notified ?? 'ok';
  const cur = cond.severity;
  const sameDay = prev?.lastEvaluated === asOf;
  const base: AlertState = {
    rule: cond.rule,
    notified,
    ...(prev?.notifiedExhaustionP50 !== undefined
      ? { notifiedExhaustionP50: prev.notifiedExhaustionP50 }
      : {}),
    ...(prev?.notifiedMetric !== undefined ? { notifiedMetric: prev.notifiedMetric } : {}),
    current: cur,
    calmDays: prev?.calmDays ?? 0,
    lastEvaluated: asOf,
    ...(prev?.since ? { since: prev.since } : {}),
    ...(prev?.pending ? { pending: prev.pending } : {}),
    ...(prev?.lastNotice ? { lastNotice: prev.lastNotice } : {}),
    ...(prev?.acknowledged ? { acknowledged: prev.acknowledged } : {}),
    ...(prev?.snoozedUntil && prev.snoozedUntil >= asOf ? { snoozedUntil: prev.snoozedUntil } : {}),
  };
  // A new level (or the all-clear) is news however the last one was handled.
  const { acknowledged: _a, snoozedUntil: _s, ...fresh } = base;
  const told = (kind: NoticeKind, level: Severity): Transition => ({
    notice: kind,
    changed: true,
    next: {
      ...(kind === 'worsen' ? base : fresh),
      notified: level,
      notifiedExhaustionP50: level === 'ok' ? null : (cond.exhaustionP50 ?? null),
      ...(cond.metric !== undefined ? { notifiedMetric: cond.metric } : {}),
      calmDays: 0,
      since: asOf,
    },
  });

  if (SEVERITY_RANK[cur] > SEVERITY_RANK[notified]) {
    return told(notified === 'ok' ? 'enter' : 'escalate', cur);
  }
  if (cur === notified) {
    const rested =
      !prev?.since ||
      diffDays(prev.since, asOf) >= (opts.minDaysBetweenWorsening ?? DEFAULT_MIN_DAYS_BETWEEN_WORSENING);
    // Acknowledged or snoozed: follow-ups wait; an escalation (above) never does.
    const quieted = base.acknowledged !== undefined || base.snoozedUntil !== undefined;
    if (cur !== 'ok' && rested && !quieted && isMateriallyWorse(prev, cond, opts)) return told('worsen', cur);
    // A team that never alerted gets no state row: quiet days cost no writes.
    const changed =
      prev !== undefined && (prev.calmDays !== 0 || prev.current !== cur || (cur !== 'ok' && !sameDay));
    return { changed, next: { ...base, calmDays: 0 } };
  }
  // Improved on incomplete data: nothing is known to have improved. Hold, and count no calm days.
  if (cond.dataIncomplete)
    return { changed: !sameDay || prev?.calmDays !== 0, next: { ...base, calmDays: 0 } };
  // Improved but not ok (critical → warning): stay quiet and keep the announced level, so going back
  // up is not announced again; people hear next when it recovers or gets materially worse.
  if (cur !== 'ok') return { changed: !sameDay || prev?.calmDays !== 0, next: { ...base, calmDays: 0 } };
  // Ok again: count consecutive ok days (once per day) before believing it.
  const calmDays = sameDay ? base.calmDays : base.calmDays + 1;
  if (calmDays < opts.recoveryDays) return { changed: !sameDay, next: { ...base, calmDays } };
  if (ANNOUNCES_RECOVERY.has(cond.rule)) return told('recover', 'ok');
  // A quiet rule (spike, cap) ended: reset silently so the next occurrence is announced.
  return {
    changed: true,
    next: {
      ...base,
      notified: 'ok',
      notifiedExhaustionP50: null,
      ...(cond.metric !== undefined ? { notifiedMetric: cond.metric } : {}),
      calmDays: 0,
    },
  };
}

function isMateriallyWorse(
  prev: AlertState | undefined,
  cond: AlertCondition,
  opts: LifecycleOptions,
): boolean {
  const was = prev?.notifiedExhaustionP50;
  const now = cond.exhaustionP50;
  if (was && now && diffDays(now, was) > opts.worseningDays) return true;
  // Exhaustion newly expected inside the year while already at this level.
  if (was === null && now && cond.rule === 'budget' && prev?.notified === 'critical') return true;
  const metricWas = prev?.notifiedMetric;
  return metricWas !== undefined && cond.metric !== undefined && cond.metric > metricWas;
}
