import { describe, expect, it } from 'vitest';
import { type AlertState, decideTransition } from '../../../functions/core/alerts/lifecycle.js';
import type { AlertCondition } from '../../../functions/core/alerts/types.js';

const OPTS = { worseningDays: 14, recoveryDays: 1 };
const warning: AlertState = {
  rule: 'budget',
  notified: 'warning',
  notifiedExhaustionP50: '2026-10-01',
  current: 'warning',
  calmDays: 0,
  lastEvaluated: '2026-03-01',
  since: '2026-03-01',
};
const cond = (severity: AlertCondition['severity'], p50: string | null): AlertCondition => ({
  team: 'payments',
  rule: 'budget',
  key: 'ALERT#budget',
  severity,
  exhaustionP50: p50,
});

describe('acknowledged and snoozed alerts', () => {
  it('an acknowledged alert sends no "materially worse" follow-up, but escalates and recovers as usual', () => {
    const acked: AlertState = {
      ...warning,
      acknowledged: { by: 'UPAYMGR', at: '2026-03-02T10:00:00Z', notice: 'n' },
    };
    const worse = decideTransition(acked, cond('warning', '2026-08-01'), '2026-03-20', OPTS);
    const escalated = decideTransition(acked, cond('critical', '2026-07-01'), '2026-03-20', OPTS);
    expect(worse.notice).toBeUndefined();
    expect(worse.next.acknowledged).toBeDefined();
    expect(escalated.notice).toBe('escalate');
    // The new level is news: the acknowledgement was for the old one.
    expect(escalated.next.acknowledged).toBeUndefined();
  });

  it('a snooze holds follow-ups until its last day, then they go out again', () => {
    const snoozed: AlertState = { ...warning, snoozedUntil: '2026-03-21' };
    expect(
      decideTransition(snoozed, cond('warning', '2026-08-01'), '2026-03-20', OPTS).notice,
    ).toBeUndefined();
    expect(decideTransition(snoozed, cond('warning', '2026-08-01'), '2026-03-22', OPTS).notice).toBe(
      'worsen',
    );
  });
});
