import { describe, expect, it } from 'vitest';
import { type AlertState, decideTransition } from '../../../functions/core/alerts/lifecycle.js';
import type { AlertCondition } from '../../../functions/core/alerts/types.js';
import { eachDay } from '../../../functions/core/dates.js';

const OPTS = { worseningDays: 14, recoveryDays: 1 };
const critical: AlertState = {
  rule: 'budget',
  notified: 'critical',
  notifiedExhaustionP50: '2026-07-21',
  current: 'critical',
  calmDays: 0,
  lastEvaluated: '2026-03-21',
  since: '2026-03-21',
};

describe('alert lifecycle on incomplete data', () => {
  it('never eases or recovers while the data is incomplete, and recovers once it is complete and calm', () => {
    // Prepare: the verdict reads ok, but only because the data is missing.
    const ok = (dataIncomplete: boolean): AlertCondition => ({
      team: 'payments',
      rule: 'budget',
      key: 'ALERT#budget',
      severity: 'ok',
      exhaustionP50: null,
      ...(dataIncomplete ? { dataIncomplete } : {}),
    });

    // Act
    let state = critical;
    const notices: string[] = [];
    for (const day of eachDay('2026-03-22', '2026-04-30')) {
      const t = decideTransition(state, ok(true), day, OPTS);
      if (t.notice) notices.push(t.notice);
      state = t.next;
    }
    const complete = decideTransition(state, ok(false), '2026-05-01', OPTS);

    // Assess
    expect(notices).toEqual([]);
    expect(state).toMatchObject({ notified: 'critical', calmDays: 0 });
    expect(complete.notice).toBe('recover');
  });
});
