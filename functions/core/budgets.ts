import * as z from 'zod';
import { type BudgetPhasing, budgetPhasingSchema } from './budget-phasing.js';
import type { BurnwatchConfig } from './config/schema.js';
import { type IsoDay, isIsoDay } from './dates.js';
import { type FiscalYear, fiscalYearOf } from './fiscal-calendar.js';
import type { TeamRecordStore } from './ports.js';

/**
 * Budgets live in the store. The config seeds each team's annual budget; finance changes it from
 * Slack or `burnwatch budget set` without a redeploy, and every change is kept with who, when and
 * why. Forecasts, alerts and reports use the budget in force on the as-of day.
 */

const isoDay = z.string().refine(isIsoDay, 'must be a calendar day written YYYY-MM-DD');

export const budgetChangeSchema = z.object({
  id: z.string().min(1),
  team: z.string().min(1),
  /** The team's annual budget from `from` on (USD). */
  annualUsd: z.number().positive().finite(),
  /** First day the budget applies (within or before the fiscal year it is for). */
  from: isoDay,
  reason: z.string().min(1, 'say why (it is kept with the change)').max(500),
  /** Who changed it: a Slack user id, or a name from the CLI. */
  by: z.string().min(1),
  /** When (ISO timestamp from the clock). */
  at: z.string(),
  /** A budget move between teams records one change on each, with the same move id. */
  moveId: z.string().optional(),
  /** Shares of the annual budget per fiscal quarter; absent: the config's phasing, if any. */
  phasing: budgetPhasingSchema.optional(),
});
export type BudgetChange = z.infer<typeof budgetChangeSchema>;

/** The budget a team works against on a day, and where it comes from. */
export interface BudgetInForce {
  readonly usd: number;
  /** `config`: the seed; `change`: a recorded change. */
  readonly source: 'config' | 'change';
  readonly change?: BudgetChange;
  /** Quarter shares in force (the change's, else the config's); absent: not phased. */
  readonly phasing?: BudgetPhasing;
}

/** A team's recorded budget changes, oldest first (unreadable records are skipped, not fatal). */
export async function budgetChanges(store: TeamRecordStore, team: string): Promise<BudgetChange[]> {
  const out: BudgetChange[] = [];
  for (const raw of await store.listTeamRecords(team, 'budget')) {
    const parsed = budgetChangeSchema.safeParse(raw);
    if (parsed.success) out.push(parsed.data);
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/**
 * The annual budget in force on `asOf`: the latest change (by when it was made) whose `from` is on or
 * before `asOf` and within the same fiscal year, else the config's seed. A change dated later is
 * scheduled, not yet in force; a change for an earlier fiscal year does not carry over.
 */
export function budgetInForce(
  seedUsd: number,
  changes: readonly BudgetChange[],
  asOf: IsoDay,
  fy: FiscalYear,
  seedPhasing?: BudgetPhasing,
): BudgetInForce {
  const applicable = changes.filter((c) => c.from <= asOf && c.from >= fy.start);
  const latest = applicable.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).at(-1);
  // A change without its own phasing keeps the team's shape: a cut is spread as the plan was.
  const phasing = latest?.phasing ?? seedPhasing;
  const phased = phasing ? { phasing } : {};
  return latest
    ? { usd: latest.annualUsd, source: 'change', change: latest, ...phased }
    : { usd: seedUsd, source: 'config', ...phased };
}

/** The budget in force for every configured team on `asOf` (one query per team). */
export async function budgetsInForce(
  config: BurnwatchConfig,
  store: TeamRecordStore,
  asOf: IsoDay,
): Promise<Map<string, BudgetInForce>> {
  const fy = fiscalYearOf(config.fiscalYear, asOf);
  const out = new Map<string, BudgetInForce>();
  for (const team of config.teams)
    out.set(
      team.id,
      budgetInForce(team.annualBudgetUsd, await budgetChanges(store, team.id), asOf, fy, team.budgetPhasing),
    );
  return out;
}

/** A new change, validated; `id` sorts by time so the history lists in order. */
export function newBudgetChange(input: Omit<BudgetChange, 'id'>, seq = 0): BudgetChange {
  return budgetChangeSchema.parse({ ...input, id: `${input.at}#${seq}` });
}
