import * as z from 'zod';
import { addDays, type IsoDay, isIsoDay } from './dates.js';
import type { ForecastPlan } from './forecast/types.js';
import { microsToUsd } from './money.js';
import type { TeamDaySourceTotal, TeamRecordStore } from './ports.js';
import { vendorDisplayName } from './vendors.js';

/**
 * Planned changes: a dated step a team knows about ("+20 engineers from 2027-03-01", "Claude Code
 * licences end 2027-06-30", "-30% from a model switch on 2027-01-15"). Entered in Slack (the alert's
 * "Planned change…" modal or `/burn TEAM plan …`) or with `burnwatch plan`, stored with who and
 * when, applied by the forecast at their dates (forecast/plans.ts), shown in every answer that uses
 * them, and removable (a removal is kept: who and when).
 */

const isoDay = z.string().refine(isIsoDay, 'must be a calendar day written YYYY-MM-DD');

export const PLAN_KINDS = ['headcount', 'percent', 'stop-vendor'] as const;

export const planSchema = z.object({
  id: z.string().min(1),
  team: z.string().min(1),
  kind: z.enum(PLAN_KINDS),
  /** The day the change takes effect. */
  from: isoDay,
  /** Engineers (headcount, may be negative) or percent of spend (percent); 0 for stop-vendor. */
  amount: z.number().finite(),
  /** The vendor whose spend stops (stop-vendor). */
  vendor: z.string().optional(),
  /** As entered. */
  text: z.string().min(1).max(300),
  by: z.string().min(1),
  at: z.string(),
  removed: z.object({ by: z.string(), at: z.string() }).optional(),
});
export type Plan = z.infer<typeof planSchema>;
export type PlanInput = Pick<Plan, 'kind' | 'from' | 'amount' | 'vendor'>;

/** Words people use for a vendor, to its id. */
const VENDOR_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/\b(claude code|claude|anthropic)\b/, 'anthropic'],
  [/\b(openai|chatgpt|gpt)\b/, 'openai'],
  [/\bcursor\b/, 'cursor'],
  [/\b(github copilot|copilot)\b/, 'copilot'],
  [/\b(bedrock|aws bedrock)\b/, 'bedrock'],
];

const DAY = /(\d{4}-\d{2}-\d{2})/;

/**
 * Reads a planned change from what people type, or says how to write one:
 * `+20 engineers from 2027-03-01`, `-5 people on 2027-02-01`, `-30% from a model switch on
 * 2027-01-15`, `Claude Code licences end 2027-06-30`, `stop cursor from 2027-07-01`.
 */
export function parsePlanText(
  text: string,
  vendors: readonly string[] = [],
): { ok: true; plan: PlanInput } | { ok: false; error: string } {
  const t = text.trim().toLowerCase();
  const day = DAY.exec(t)?.[1];
  const usage =
    'write it like "+20 engineers from 2027-03-01", "-30% from 2027-01-15" or "cursor ends 2027-06-30"';
  if (!day || !isIsoDay(day)) return { ok: false, error: `no date (YYYY-MM-DD) in "${text}"; ${usage}` };
  const people = /([+-]\s*\d+)\s*(engineers?|people|persons?|hires?|heads?|devs?|developers?)\b/.exec(t);
  if (people?.[1]) {
    const amount = Number(people[1].replace(/\s/g, ''));
    if (amount === 0) return { ok: false, error: `"${text}" changes nobody; ${usage}` };
    return { ok: true, plan: { kind: 'headcount', from: day, amount } };
  }
  const percent = /([+-]\s*\d+(?:\.\d+)?)\s*%/.exec(t);
  if (percent?.[1]) {
    const amount = Number(percent[1].replace(/\s/g, ''));
    if (amount <= -100 || amount === 0 || amount > 1000)
      return { ok: false, error: `${amount}% is not a change spend can make; ${usage}` };
    return { ok: true, plan: { kind: 'percent', from: day, amount } };
  }
  if (/\b(ends?|ending|stops?|stopping|cancel(?:led|s)?|without|drop(?:s|ped)?)\b/.test(t)) {
    const known = [...VENDOR_WORDS, ...vendors.map((v): [RegExp, string] => [new RegExp(`\\b${v}\\b`), v])];
    const vendor = known.find(([re]) => re.test(t))?.[1];
    if (!vendor) return { ok: false, error: `which vendor stops in "${text}"? ${usage}` };
    // "licences end 30 Jun": the last day with spend is the date; spend stops the day after.
    const stopsAfter = /\b(ends?|ending)\b/.test(t);
    return {
      ok: true,
      plan: { kind: 'stop-vendor', from: stopsAfter ? addDays(day, 1) : day, amount: 0, vendor },
    };
  }
  return { ok: false, error: `cannot read "${text}" as a planned change; ${usage}` };
}

/** The plans in force for a team (removed ones left out), oldest first. */
export async function activePlans(store: TeamRecordStore, team: string): Promise<Plan[]> {
  return (await allPlans(store, team)).filter((p) => !p.removed);
}

/** Every plan a team ever had, removed ones included, oldest first. */
export async function allPlans(store: TeamRecordStore, team: string): Promise<Plan[]> {
  const out: Plan[] = [];
  for (const raw of await store.listTeamRecords(team, 'plan')) {
    const parsed = planSchema.safeParse(raw);
    if (parsed.success) out.push(parsed.data);
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** "+20 engineers from 1 Mar 2027" */
export function planLabel(p: Pick<Plan, 'kind' | 'from' | 'amount' | 'vendor'>): string {
  const when = p.from;
  switch (p.kind) {
    case 'headcount':
      return `${p.amount > 0 ? '+' : ''}${p.amount} engineer${Math.abs(p.amount) === 1 ? '' : 's'} from ${when}`;
    case 'percent':
      return `${p.amount > 0 ? '+' : ''}${p.amount}% spend from ${when}`;
    case 'stop-vendor':
      return `${vendorDisplayName(p.vendor ?? 'other')} spend stops from ${when}`;
  }
}

/** What a plan's effect is measured against: the team's recent spend, per vendor and per engineer. */
export interface PlanBasis {
  /** Mean daily spend of the team over the 28 days to as-of (USD). */
  readonly dailyUsd: number;
  /** Mean daily spend per vendor over the same days (USD). */
  readonly vendorDailyUsd: ReadonlyMap<string, number>;
  /** Engineers the spend is spread over (active engineers, else headcount; 0: unknown). */
  readonly engineers: number;
}

/** The team's recent level per day, per vendor, and the engineers behind it (28 days to as-of). */
export function planBasis(totals: readonly TeamDaySourceTotal[], asOf: IsoDay, engineers: number): PlanBasis {
  const from = addDays(asOf, -27);
  let total = 0;
  const vendor = new Map<string, number>();
  for (const t of totals) {
    if (t.date < from || t.date > asOf) continue;
    const usd = microsToUsd(t.costMicros);
    total += usd;
    vendor.set(t.vendor, (vendor.get(t.vendor) ?? 0) + usd);
  }
  return {
    dailyUsd: total / 28,
    vendorDailyUsd: new Map([...vendor].map(([v, usd]) => [v, usd / 28])),
    engineers,
  };
}

/**
 * Relative uncertainty of each kind of change while it is ahead: people ramp up at their own pace
 * (±35%), a price or model change lands roughly as announced (±20% of it), a vendor stopping is near
 * certain (±10%). Stated so forecasts with plans keep an honest band; see docs/forecasting.md.
 */
const PLAN_SD: Readonly<Record<Plan['kind'], number>> = { headcount: 0.35, percent: 0.2, 'stop-vendor': 0.1 };

/**
 * The plan as a factor on the team's daily spend: +N engineers at the team's recent spend per
 * engineer, a percent as given, a vendor's recent share of the spend removed. Plans that cannot be
 * measured (no recent spend, no engineers known) are left out and said so by the caller.
 */
export function toForecastPlan(plan: PlanInput, basis: PlanBasis): ForecastPlan | undefined {
  const sdOfChange = PLAN_SD[plan.kind];
  let factor: number;
  switch (plan.kind) {
    case 'headcount':
      if (basis.engineers <= 0 || basis.dailyUsd <= 0) return undefined;
      factor = 1 + plan.amount / basis.engineers;
      break;
    case 'percent':
      factor = 1 + plan.amount / 100;
      break;
    case 'stop-vendor': {
      if (basis.dailyUsd <= 0) return undefined;
      const share = (basis.vendorDailyUsd.get(plan.vendor ?? '') ?? 0) / basis.dailyUsd;
      factor = 1 - share;
      break;
    }
  }
  if (!(factor > 0)) factor = 0.01;
  // The sd is of the change (factor − 1), expressed on the spend it changes.
  return { from: plan.from, factor, sd: (sdOfChange * Math.abs(factor - 1)) / factor };
}

/** A new plan, validated; its id sorts by time. */
export function newPlan(input: Omit<Plan, 'id'>, seq = 0): Plan {
  return planSchema.parse({ ...input, id: `${input.at.replace(/[^0-9]/g, '').slice(0, 14)}${seq}` });
}
