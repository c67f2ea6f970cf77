import { limitApisFor } from '../../functions/adapters/vendors/limits/limit-apis.js';
import type { AlertCondition } from '../../functions/core/alerts/types.js';
import { parseConfig } from '../../functions/core/config/load.js';
import type { ConfigInput } from '../../functions/core/config/schema.js';
import { type LimitDeps, recordProposal } from '../../functions/core/limits/apply.js';
import {
  type LimitProposal,
  proposeLimits,
  type TeamSpendShare,
} from '../../functions/core/limits/proposal.js';
import type { Store } from '../../functions/core/ports.js';

/**
 * What the limit integration tests share: the admin keys the local limit servers accept, the cap and
 * budget conditions that make proposals, and `LimitDeps` over a DynamoDB Local store.
 */
export const LIMIT_KEYS = {
  'burnwatch/cursor-admin': 'crsr_admin_key_123456',
  'burnwatch/github-admin': 'ghp_admin_token_123456',
  'burnwatch/anthropic-admin': 'sk-ant-admin01-limits-123456',
} as const;

/** A fired engineer-cap rule for payments (April 2026) naming `people`. */
export const aCapCondition = (
  capUsd: number,
  people: Array<{ user: string; monthUsd: number; vendors: string[] }>,
): AlertCondition => ({
  team: 'payments',
  rule: 'engineer-cap',
  key: 'ALERT#engineer-cap#2026-04',
  severity: 'warning',
  metric: people.length,
  facts: {
    kind: 'engineer-cap',
    teamName: 'Payments',
    month: '2026-04',
    asOf: '2026-04-20',
    capUsd,
    overCount: people.length,
    people,
    vendors: ['cursor', 'copilot', 'anthropic'],
  },
});

/** A fired budget rule for payments: $180k of $240k spent by 31 Mar 2026. */
export const aBudgetCondition: AlertCondition = {
  team: 'payments',
  rule: 'budget',
  key: 'ALERT#budget',
  severity: 'critical',
  facts: {
    kind: 'budget',
    teamName: 'Payments',
    asOf: '2026-03-31',
    fiscalYearEnd: '2026-12-31',
    fiscalYearLabel: 'FY2026',
    budgetUsd: 240_000,
    spentToDateUsd: 180_000,
    percentUsed: 75,
    yearEndUsd: { p10: 700_000, p50: 800_000, p90: 900_000 },
    exhaustionDate: { p10: '2026-04-20', p50: '2026-04-30', p90: '2026-05-10' },
    probabilityOfExhaustion: 0.99,
    daysEarly: 245,
    method: 'forecast',
    vendors: ['anthropic'],
    dataStatus: 'complete',
    dataNotes: [],
  },
};

/** Anthropic is 40% of the team's recent spend. */
export const ANTHROPIC_SHARE: TeamSpendShare = {
  dailyUsd: 2_000,
  vendorDailyUsd: new Map([['anthropic', 800]]),
};

/**
 * Limit deps acting for real (`dryRun: false`) at the vendors `limits` names, reading `LIMIT_KEYS`;
 * retries without waiting (the servers answer 429 with Retry-After: 0).
 */
export function limitDepsFor(
  store: Store,
  limits: Partial<NonNullable<ConfigInput['limits']>>,
  capUsd = 1_500,
): LimitDeps {
  const config = parseConfig({
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 1, startDay: 1 },
    teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 240_000 }],
    finance: { slackChannel: 'C0FINANCE', slackUserIds: ['UCFO'] },
    alerts: { perEngineerMonthlyCapUsd: capUsd },
    limits: { dryRun: false, ...limits },
  });
  return {
    config,
    store,
    clock: { now: () => new Date('2026-04-21T09:00:00Z') },
    apis: limitApisFor(
      config.limits,
      async (name) => {
        const v = (LIMIT_KEYS as Record<string, string>)[name];
        if (!v) throw new Error(`no secret ${name}`);
        return v;
      },
      { sleep: async () => {}, maxAttempts: 2, timeoutMs: 5_000 },
    ),
  };
}

/** The proposal `cond` calls for, recorded in the store (throws when it calls for none). */
export async function recordedProposal(
  deps: LimitDeps,
  cond: AlertCondition,
  share?: TeamSpendShare,
): Promise<LimitProposal> {
  const proposal = proposeLimits({
    config: deps.config,
    cond,
    now: deps.clock.now(),
    ...(share ? { share } : {}),
  });
  if (!proposal) throw new Error('expected a proposal');
  return recordProposal(deps.store, proposal);
}
