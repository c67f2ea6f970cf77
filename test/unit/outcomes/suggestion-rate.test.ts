import { describe, expect, it } from 'vitest';
import { computeTeamOutcomes } from '../../../functions/core/outcomes/metrics.js';
import { summarizeTeamDay } from '../../../functions/core/team-day.js';
import type { UsageRecord } from '../../../functions/core/usage.js';

/**
 * One team-day total sums every member's outcome counters. A member whose answer did not say how
 * many Tab suggestions were shown must not put their acceptances over another member's suggestions.
 */
const line = (email: string, acceptances: number, shown?: number): UsageRecord => ({
  date: '2026-04-20',
  source: 'cursor',
  team: 'payments',
  vendor: 'cursor',
  identities: { userEmail: email },
  lineItem: 'Cursor activity',
  costMicros: 0n,
  provisional: false,
  billable: false,
  outcomes: { acceptances, ...(shown === undefined ? {} : { suggestionsShown: shown }) },
});

describe('suggestion acceptance with a member whose Tab suggestions shown are unknown', () => {
  it('counts only the acceptances beside a known number shown (3 of 4), never 15 of 4', () => {
    // Prepare: dana took 12 Tab suggestions of an unknown number shown; eve took 3 of 4.
    const total = summarizeTeamDay('cursor', '2026-04-20', 'payments', [
      line('dana@corp.com', 12),
      line('eve@corp.com', 3, 4),
    ]);

    // Act
    const out = computeTeamOutcomes({
      asOf: '2026-04-20',
      headcount: 10,
      totals: [total],
      mergedPullRequestsReported: false,
      activity: new Map(),
      idleSeats: [],
      unmatchedIdentities: 0,
    });

    // Assess
    expect(out.last4Weeks.suggestionAcceptance).toBe(0.75);
  });
});
