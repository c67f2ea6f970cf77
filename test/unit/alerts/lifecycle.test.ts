import { describe, expect, it } from 'vitest';
import { type AlertState, decideTransition } from '../../../functions/core/alerts/lifecycle.js';
import type { AlertCondition, Severity } from '../../../functions/core/alerts/types.js';
import { addDays } from '../../../functions/core/dates.js';

const OPTS = { worseningDays: 14, recoveryDays: 3, minDaysBetweenWorsening: 7 };
const budget = (severity: Severity, exhaustionP50: string | null = null): AlertCondition => ({
  team: 'payments',
  rule: 'budget',
  key: 'ALERT#budget',
  severity,
  exhaustionP50,
});

/** Runs conditions on consecutive days from 2026-03-01; returns the notices in order (or '-' for none). */
function replay(conds: AlertCondition[], rule?: AlertCondition['rule']): string[] {
  let state: AlertState | undefined;
  return conds.map((c, i) => {
    const t = decideTransition(state, rule ? { ...c, rule } : c, addDays('2026-03-01', i), OPTS);
    state = t.next;
    return t.notice ?? '-';
  });
}

describe('alert lifecycle', () => {
  it('notifies on entering a state and stays quiet while it persists', () => {
    // Act
    const notices = replay([
      budget('ok'),
      budget('critical', '2026-06-01'),
      budget('critical', '2026-06-01'),
      budget('critical', '2026-05-28'),
    ]);

    // Assess
    expect(notices).toEqual(['-', 'enter', '-', '-']);
  });

  it('escalates from warning to critical, but not back down and up within the recovery window', () => {
    // Act
    const notices = replay([
      budget('warning'),
      budget('critical', '2026-08-01'),
      budget('warning'),
      budget('critical', '2026-08-01'),
    ]);

    // Assess
    expect(notices).toEqual(['enter', 'escalate', '-', '-']);
  });

  it('re-alerts when the P50 exhaustion date moves earlier by more than worseningDays, at most weekly', () => {
    // Prepare
    const days = [
      budget('critical', '2026-09-01'),
      budget('critical', '2026-08-10'), // 22 days earlier, but only a day after the last alert
      ...Array.from({ length: 5 }, () => budget('critical', '2026-08-10')),
      budget('critical', '2026-08-09'), // day 8: 23 days earlier than announced → worse
      budget('critical', '2026-08-01'), // only 8 days earlier than the new baseline
    ];

    // Act
    const notices = replay(days);

    // Assess
    expect(notices).toEqual(['enter', '-', '-', '-', '-', '-', '-', 'worsen', '-']);
  });

  it('announces recovery once, after the condition has been ok for recoveryDays', () => {
    // Act
    const notices = replay([
      budget('critical', '2026-09-01'),
      budget('ok'),
      budget('ok'),
      budget('ok'),
      budget('ok'),
      budget('ok'),
    ]);

    // Assess
    expect(notices).toEqual(['enter', '-', '-', 'recover', '-', '-']);
  });

  it('does not flap when a forecast wobbles around the threshold', () => {
    // Act: alternating days for three weeks.
    const notices = replay(
      Array.from({ length: 21 }, (_, i) =>
        i % 2 === 0 ? budget('critical', '2026-09-01') : budget('warning'),
      ),
    );

    // Assess
    expect(notices.filter((n) => n !== '-')).toEqual(['enter']);
  });

  it('lets a spike end quietly (no recovery message) and announces the next one', () => {
    // Act
    const notices = replay(
      [budget('warning'), budget('ok'), budget('ok'), budget('ok'), budget('ok'), budget('warning')],
      'spike',
    );

    // Assess
    expect(notices).toEqual(['enter', '-', '-', '-', '-', 'enter']);
  });

  it('re-alerts a cap when more people go over it', () => {
    // Prepare
    const cap = (metric: number): AlertCondition => ({
      team: 'payments',
      rule: 'engineer-cap',
      key: 'k',
      severity: 'warning',
      metric,
    });

    // Act
    const notices = replay([cap(1), cap(1), cap(1), cap(1), cap(1), cap(1), cap(1), cap(3)]);

    // Assess
    expect(notices).toEqual(['enter', '-', '-', '-', '-', '-', '-', 'worsen']);
  });

  it('is idempotent for a second evaluation of the same day', () => {
    // Prepare
    const first = decideTransition(undefined, budget('critical', '2026-09-01'), '2026-03-01', OPTS);
    const calm = decideTransition(first.next, budget('ok'), '2026-03-02', OPTS);

    // Act
    const again = decideTransition(calm.next, budget('ok'), '2026-03-02', OPTS);

    // Assess
    expect(again.notice).toBeUndefined();
    expect(again.next.calmDays).toBe(1);
    expect(again.changed).toBe(false);
  });

  it('writes nothing for a team that never alerted', () => {
    // Act
    const t = decideTransition(undefined, budget('ok'), '2026-03-01', OPTS);

    // Assess
    expect(t.changed).toBe(false);
    expect(t.notice).toBeUndefined();
  });

  it('stays quiet while it eases to warning and goes back to critical: nothing new to announce', () => {
    // Act: critical, three weeks at warning, critical again, then ok for three days.
    const notices = replay([
      budget('critical', '2026-09-01'),
      ...Array.from({ length: 21 }, () => budget('warning')),
      budget('critical', '2026-09-01'),
      budget('ok'),
      budget('ok'),
      budget('ok'),
    ]);

    // Assess: warning days do not count towards recovery, only consecutive ok days do.
    expect(notices.filter((n) => n !== '-')).toEqual(['enter', 'recover']);
    expect(notices.at(-1)).toBe('recover');
  });
});
