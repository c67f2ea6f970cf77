import type { Outlook } from './burn-report.js';
import { shortDate } from './burn-text.js';
import type { BurnwatchConfig } from './config/schema.js';
import { addDays, type IsoDay, monthOf } from './dates.js';
import type { ForecastPlan } from './forecast/types.js';
import { PRICE_TABLE_AS_OF, priceRatio } from './model-prices.js';
import { MODEL_TABLE, resolveModel } from './models.js';
import { type Micros, microsToUsd } from './money.js';
import { planBasis, toForecastPlan } from './plans.js';
import type { TeamDaySourceTotal, TeamRecordStore, UsageStore } from './ports.js';
import { computeTeamBurns, type TeamForecaster } from './team-reports.js';
import { vendorDisplayName } from './vendors.js';

/**
 * What-if: a team's year-end and exhaustion date before and after one change, answered in seconds
 * and never stored as a forecast. Each scenario becomes a temporary planned change from tomorrow:
 * - `sonnet` (any model): flagship-model spend repriced at that model's list price (model-prices.ts);
 * - `+5 hires`: five more engineers at the team's recent spend per engineer;
 * - `cap 1500`: the per-engineer monthly cap applied to the team's per-user history (what it would
 *   have cut over the last three months, as a share of that spend);
 * - `without cursor`: a vendor's spend stopped.
 */
export type Scenario =
  | { readonly kind: 'model'; readonly model: string }
  | { readonly kind: 'hires'; readonly count: number }
  | { readonly kind: 'cap'; readonly usd: number }
  | { readonly kind: 'without'; readonly vendor: string };

const USAGE = 'ask e.g. "what-if sonnet", "what-if +5 hires", "what-if cap 1500" or "what-if without cursor"';

/** The model a short name means: an exact spelling, else the newest model whose id contains it. */
export function resolveTargetModel(word: string): string | undefined {
  const exact = resolveModel(word)?.id;
  if (exact) return exact;
  const w = word.toLowerCase();
  return MODEL_TABLE.find((m) => m.id.includes(w) || m.family.toLowerCase().includes(w))?.id;
}

/** Reads a scenario from what people type after `what-if`. */
export function parseScenario(
  text: string,
  vendors: readonly string[],
): { ok: true; scenario: Scenario } | { ok: false; error: string } {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!t) return { ok: false, error: `no scenario; ${USAGE}` };
  const hires = /^\+?\s*(\d+)\s*(hires?|engineers?|people|devs?)$/.exec(t);
  if (hires) return { ok: true, scenario: { kind: 'hires', count: Number(hires[1]) } };
  const cap = /^cap\s*\$?\s*([\d,]+(?:\.\d+)?)$/.exec(t);
  if (cap?.[1]) {
    const usd = Number(cap[1].replace(/,/g, ''));
    if (!(usd > 0)) return { ok: false, error: `a cap must be a positive amount; ${USAGE}` };
    return { ok: true, scenario: { kind: 'cap', usd } };
  }
  const without = /^(?:without|no|stop)\s+(.+)$/.exec(t);
  if (without?.[1]) {
    const word = without[1]
      .replace(/^(github )?copilot$/, 'copilot')
      .replace(/^claude( code)?$/, 'anthropic');
    const vendor = vendors.find((v) => v === word || vendorDisplayName(v).toLowerCase() === word);
    if (!vendor)
      return {
        ok: false,
        error: `"${without[1]}" is not a vendor this team spends with (${vendors.join(', ')})`,
      };
    return { ok: true, scenario: { kind: 'without', vendor } };
  }
  const model = resolveTargetModel(t.replace(/^(on|model)\s+/, ''));
  if (model) return { ok: true, scenario: { kind: 'model', model } };
  return { ok: false, error: `cannot read "${text}" as a what-if; ${USAGE}` };
}

export interface WhatIfResult {
  readonly team: string;
  readonly teamName: string;
  readonly asOf: IsoDay;
  /** One sentence on what was assumed. */
  readonly assumption: string;
  readonly before: Outlook;
  readonly after: Outlook;
  readonly budgetUsd: number | null;
}

/** Flagship spend per model over the 28 days to as-of (USD), from the team's day totals. */
function flagshipSpend(totals: readonly TeamDaySourceTotal[], asOf: IsoDay): Map<string, number> {
  const from = addDays(asOf, -27);
  const out = new Map<string, number>();
  for (const t of totals) {
    if (t.date < from || t.date > asOf) continue;
    for (const [model, micros] of Object.entries(t.byModel)) {
      if (resolveModel(model)?.tier !== 'flagship') continue;
      const id = resolveModel(model)?.id ?? model;
      out.set(id, (out.get(id) ?? 0) + microsToUsd(micros));
    }
  }
  return out;
}

/**
 * The share of the team's per-user spend a monthly cap would have cut over the last three calendar
 * months (the current one to as-of and the two before): Σ max(0, person-month − cap) ÷ Σ person-month.
 */
export async function capReduction(
  store: UsageStore,
  totals: readonly TeamDaySourceTotal[],
  team: string,
  asOf: IsoDay,
  capUsd: number,
): Promise<{ share: number; people: number } | undefined> {
  const earliest = `${monthOf(addDays(`${monthOf(asOf)}-01`, -45))}-01`;
  const perPersonMonth = new Map<string, Micros>();
  let all: Micros = 0n;
  for (const row of totals.filter((t) => t.date >= earliest && t.date <= asOf && t.activeUsers > 0)) {
    for (const line of await store.teamLines(row.source, row.date, team)) {
      if (!line.identities.userEmail || line.billable === false) continue;
      const key = `${line.identities.userEmail.toLowerCase()}|${monthOf(line.date)}`;
      perPersonMonth.set(key, (perPersonMonth.get(key) ?? 0n) + line.costMicros);
    }
  }
  for (const row of totals) if (row.date >= earliest && row.date <= asOf) all += row.costMicros;
  if (all <= 0n || perPersonMonth.size === 0) return undefined;
  let cut = 0;
  const people = new Set<string>();
  for (const [key, micros] of perPersonMonth) {
    const usd = microsToUsd(micros);
    if (usd > capUsd) {
      cut += usd - capUsd;
      people.add(key.split('|')[0] ?? key);
    }
  }
  return { share: cut / microsToUsd(all), people: people.size };
}

/** The scenario as a planned change from tomorrow, with what was assumed; undefined: not measurable. */
async function scenarioPlan(
  scenario: Scenario,
  ctx: {
    store: UsageStore;
    team: string;
    totals: readonly TeamDaySourceTotal[];
    asOf: IsoDay;
    engineers: number;
  },
): Promise<{ plan?: ForecastPlan; assumption: string }> {
  const from = addDays(ctx.asOf, 1);
  const basis = planBasis(ctx.totals, ctx.asOf, ctx.engineers);
  switch (scenario.kind) {
    case 'hires': {
      const plan = toForecastPlan({ kind: 'headcount', amount: scenario.count, from }, basis);
      const perHead = basis.engineers > 0 ? basis.dailyUsd / basis.engineers : 0;
      return plan
        ? {
            plan,
            assumption: `${scenario.count} more engineer${scenario.count === 1 ? '' : 's'} from tomorrow at the team's recent $${perHead.toFixed(2)} a day each`,
          }
        : {
            assumption:
              'cannot price new engineers: no recent spend or no engineers known (set headcount in the config)',
          };
    }
    case 'without': {
      const plan = toForecastPlan({ kind: 'stop-vendor', amount: 0, vendor: scenario.vendor, from }, basis);
      const share =
        basis.dailyUsd > 0 ? (basis.vendorDailyUsd.get(scenario.vendor) ?? 0) / basis.dailyUsd : 0;
      return plan
        ? {
            plan,
            assumption: `${vendorDisplayName(scenario.vendor)} stopped from tomorrow (${Math.round(share * 100)}% of the last 28 days' spend)`,
          }
        : { assumption: 'no recent spend to take the vendor out of' };
    }
    case 'model': {
      const flagships = flagshipSpend(ctx.totals, ctx.asOf);
      let before = 0;
      let after = 0;
      for (const [model, usd] of flagships) {
        const ratio = priceRatio(model, scenario.model);
        if (ratio === undefined) continue;
        before += usd;
        after += usd * ratio;
      }
      if (before <= 0 || basis.dailyUsd <= 0)
        return { assumption: 'no flagship-model spend with a known list price in the last 28 days' };
      const factor = 1 - (before - after) / (basis.dailyUsd * 28);
      return {
        plan: { from, factor: Math.max(0.01, factor), sd: 0.1 * Math.abs(1 - factor) },
        assumption: `flagship-model spend ($${Math.round(before).toLocaleString('en-US')} in the last 28 days) repriced at ${scenario.model} list prices (table of ${PRICE_TABLE_AS_OF}) from tomorrow`,
      };
    }
    case 'cap': {
      const cut = await capReduction(ctx.store, ctx.totals, ctx.team, ctx.asOf, scenario.usd);
      if (!cut)
        return {
          assumption: 'no per-user spend to apply a cap to (vendors that report users: Cursor, Claude Code)',
        };
      return {
        plan: { from, factor: Math.max(0.01, 1 - cut.share), sd: 0.2 * cut.share },
        assumption: `a $${scenario.usd.toLocaleString('en-US')}/month cap per engineer from tomorrow: it would have cut ${Math.round(cut.share * 100)}% of the last three months' spend (${cut.people} ${cut.people === 1 ? 'person' : 'people'} over it)`,
      };
    }
  }
}

/** The team's outlook before and after the scenario. Nothing is written. */
export async function runWhatIf(opts: {
  readonly config: BurnwatchConfig;
  readonly store: UsageStore & TeamRecordStore;
  readonly asOf: IsoDay;
  readonly team: string;
  readonly scenario: Scenario;
  readonly forecaster: TeamForecaster;
  readonly now: Date;
}): Promise<WhatIfResult> {
  const common = {
    config: opts.config,
    store: opts.store,
    asOf: opts.asOf,
    now: opts.now,
    teams: [opts.team],
  };
  const before = (await computeTeamBurns({ ...common, forecaster: opts.forecaster })).burns[0];
  if (!before) throw new Error(`unknown team ${opts.team}`);
  const engineers = before.report.activeEngineers || before.report.headcount || 0;
  const { plan, assumption } = await scenarioPlan(opts.scenario, {
    store: opts.store,
    team: opts.team,
    totals: before.totals,
    asOf: opts.asOf,
    engineers,
  });
  const after = plan
    ? (await computeTeamBurns({ ...common, forecaster: withExtraPlan(opts.forecaster, plan) })).burns[0]
    : before;
  return {
    team: opts.team,
    teamName: before.report.name,
    asOf: opts.asOf,
    assumption,
    before: before.report.outlook,
    after: (after ?? before).report.outlook,
    budgetUsd: before.report.budgetUsd,
  };
}

function withExtraPlan(forecaster: TeamForecaster, plan: ForecastPlan): TeamForecaster {
  return (input) => forecaster({ ...input, plans: [...(input.plans ?? []), plan] });
}

const k = (n: number) => `$${Math.round(n / 1000).toLocaleString('en-US')}k`;

/** "$872k (P10 $685k–P90 $1,254k), runs out 5 May (92%)" */
export function outlookLine(o: Outlook, asOf: IsoDay): string {
  const runs = o.exhaustionDate.p50
    ? `runs out ${shortDate(o.exhaustionDate.p50, asOf)}`
    : 'does not run out this year';
  const p =
    o.probabilityOfExhaustion === null ? '' : ` (${Math.round(o.probabilityOfExhaustion * 100)}% chance)`;
  return `${k(o.yearEndUsd.p50)} (P10 ${k(o.yearEndUsd.p10)}–P90 ${k(o.yearEndUsd.p90)}), ${runs}${p}`;
}
