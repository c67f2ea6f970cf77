import { escapeMrkdwn as md } from '../alerts/block-kit.js';
import { suggestMovesFor } from '../budget-moves.js';
import { budgetChanges, budgetInForce, newBudgetChange } from '../budgets.js';
import type { BurnReport } from '../burn-report.js';
import { shortDate, usd } from '../burn-text.js';
import type { BurnwatchConfig } from '../config/schema.js';
import { isIsoDay, utcDayOf } from '../dates.js';
import { fiscalYearOf } from '../fiscal-calendar.js';
import { allPlans, newPlan, parsePlanText, planLabel, planSchema } from '../plans.js';
import type { Clock, StateStore, TeamRecordStore, UsageStore } from '../ports.js';
import type { TeamForecaster } from '../team-reports.js';
import { outlookLine, parseScenario, runWhatIf } from '../what-if.js';

/**
 * The decisions people take from `/burn` (issue 18): planned changes, budget changes and history,
 * what-if questions and, for finance, budget moves between teams. Who may do what: a team's
 * managers and finance plan and ask what-if for the team; only finance changes or moves budgets.
 */
export interface DecisionDeps {
  /** `putState`: a state-changing request is marked as carried out before it runs (handle-request.ts). */
  readonly store: UsageStore & TeamRecordStore & Pick<StateStore, 'putState'>;
  readonly clock: Clock;
  readonly forecaster: TeamForecaster;
  /**
   * Posts a line to a Slack channel: a budget change or move is announced in each affected team's
   * channel, so its managers see it where their alerts arrive. Without it the change is only in
   * `/burn TEAM budget`.
   */
  readonly announce?: (channel: string, text: string) => Promise<void>;
}

export interface DecisionContext {
  readonly config: BurnwatchConfig;
  readonly userId: string;
  readonly finance: boolean;
  /** The team the command is about (undefined for `/burn all …`). */
  readonly team?: string;
  readonly teamName?: string;
  /** The words after the team (or after `all`). */
  readonly words: readonly string[];
  /** The stored summaries of the teams the asker may see (what-if's as-of day, moves). */
  readonly reports: ReadonlyMap<string, BurnReport>;
}

/** A plain answer: a headline and mrkdwn sections. */
export interface DecisionAnswer {
  readonly text: string;
  readonly sections: readonly string[];
}

const TEAM_WORDS = new Set(['plan', 'plans', 'budget', 'what-if', 'whatif']);
const ALL_WORDS = new Set(['moves', 'move']);

/** Whether the words after `/burn TEAM` (or `/burn all`) are a decision command. */
export function isDecisionCommand(scope: 'team' | 'all', next: string | undefined): boolean {
  const w = next?.toLowerCase() ?? '';
  return scope === 'team' ? TEAM_WORDS.has(w) : ALL_WORDS.has(w);
}

/**
 * Whether `/burn` words (after the command) would change stored state: add or remove a plan, set a
 * budget, move budget. Such a command must run in exactly one place, so it is never raced against
 * the answer deadline and re-run by the deferred worker (handle-request.ts).
 */
export function changesState(text: string): boolean {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.at(-1) === 'share') words.pop();
  const [first = '', verb = '', ...args] = words;
  if (first === 'all') return verb === 'move';
  return (verb === 'plan' || verb === 'budget') && args.length > 0;
}

const answer = (text: string, ...sections: string[]): DecisionAnswer => ({
  text,
  sections: sections.length ? sections : [text],
});

export async function answerDecision(ctx: DecisionContext, deps: DecisionDeps): Promise<DecisionAnswer> {
  const [verb = '', ...args] = ctx.words;
  const now = deps.clock.now();
  if (!ctx.team) return allCommand(ctx, deps, verb.toLowerCase(), args);
  const team = ctx.team;
  // Slack reads `<…>` and `&` in any text: a team name or a typed reason is escaped where it is shown.
  const name = md(ctx.teamName ?? team);
  switch (verb.toLowerCase()) {
    case 'plans':
      return listPlans(ctx, deps);
    case 'plan': {
      if (args[0]?.toLowerCase() === 'remove') return removePlan(ctx, deps, args[1]);
      if (args.length === 0) return listPlans(ctx, deps);
      const text = args.join(' ');
      const vendors = ctx.config.sources.flatMap((s) => (s.type === 'import' ? [s.vendor] : []));
      const parsed = parsePlanText(text, vendors);
      if (!parsed.ok) return answer(`Not planned: ${parsed.error}`);
      const plan = newPlan({ team, ...parsed.plan, text, by: ctx.userId, at: now.toISOString() });
      await deps.store.putTeamRecord(team, 'plan', plan.id, plan);
      return answer(
        `Planned for ${name}: ${planLabel(plan)}.`,
        `Planned for *${name}*: ${planLabel(plan)} (id \`${plan.id}\`, by <@${ctx.userId}>). The next forecast applies it at its date; \`/burn ${team} plans\` lists them, \`/burn ${team} plan remove ${plan.id}\` takes it out.`,
      );
    }
    case 'budget':
      return budgetCommand(ctx, deps, args);
    default: {
      const report = ctx.reports.get(team);
      if (!report) return answer(`No forecast for ${name} yet: the daily job has not run for it.`);
      const vendors = report.byVendor.map((v) => v.vendor);
      const parsed = parseScenario(args.join(' '), vendors);
      if (!parsed.ok) return answer(`What-if: ${parsed.error}`);
      const result = await runWhatIf({
        config: ctx.config,
        store: deps.store,
        asOf: report.asOf,
        team,
        scenario: parsed.scenario,
        forecaster: deps.forecaster,
        now,
      });
      return answer(
        `What if: ${name}`,
        `*What if, ${name}* (as of ${shortDate(report.asOf)}): ${result.assumption}.`,
        `*Now:* ${outlookLine(result.before, report.asOf)}\n*With it:* ${outlookLine(result.after, report.asOf)}${result.budgetUsd !== null ? `\nBudget ${usd(result.budgetUsd)}.` : ''}`,
        '_A what-if is not stored and changes no forecast. To make it a plan: `/burn TEAM plan …`._',
      );
    }
  }
}

async function listPlans(ctx: DecisionContext, deps: DecisionDeps): Promise<DecisionAnswer> {
  const team = ctx.team ?? '';
  const plans = (await allPlans(deps.store, team)).filter((p) => !p.removed);
  if (plans.length === 0)
    return answer(
      `No planned changes for ${md(ctx.teamName ?? team)}.`,
      `No planned changes for *${md(ctx.teamName ?? team)}*. Add one: \`/burn ${team} plan +20 engineers from 2027-03-01\`.`,
    );
  return answer(
    `Planned changes for ${md(ctx.teamName ?? team)}`,
    `*Planned changes for ${md(ctx.teamName ?? team)}* (in every forecast from their dates):\n${plans
      .map((p) => `• ${planLabel(p)} — \`${p.id}\`, by <@${p.by}> on ${p.at.slice(0, 10)}`)
      .join('\n')}`,
  );
}

async function removePlan(
  ctx: DecisionContext,
  deps: DecisionDeps,
  id: string | undefined,
): Promise<DecisionAnswer> {
  const team = ctx.team ?? '';
  const plan = (await allPlans(deps.store, team)).find((p) => p.id === id);
  if (!plan || plan.removed)
    return answer(
      `No plan "${md(id ?? '')}" for ${md(ctx.teamName ?? team)}; \`/burn ${team} plans\` lists them.`,
    );
  const removed = planSchema.parse({
    ...plan,
    removed: { by: ctx.userId, at: deps.clock.now().toISOString() },
  });
  await deps.store.putTeamRecord(team, 'plan', plan.id, removed);
  return answer(
    `Removed: ${planLabel(plan)}.`,
    `Removed from *${md(ctx.teamName ?? team)}*'s plans: ${planLabel(plan)}. The next forecast leaves it out.`,
  );
}

/** `budget` lists the history; `budget USD [from DATE] [reason …]` changes it (finance only). */
async function budgetCommand(
  ctx: DecisionContext,
  deps: DecisionDeps,
  args: readonly string[],
): Promise<DecisionAnswer> {
  const team = ctx.team ?? '';
  const seed = ctx.config.teams.find((t) => t.id === team)?.annualBudgetUsd ?? 0;
  if (args.length === 0) {
    const changes = await budgetChanges(deps.store, team);
    return answer(
      `Budget history of ${md(ctx.teamName ?? team)}`,
      `*Budget history of ${md(ctx.teamName ?? team)}*\n• ${usd(seed)} — the config\n${changes
        .map(
          (c) =>
            `• ${usd(c.annualUsd)} from ${c.from} — by <@${c.by}> on ${c.at.slice(0, 10)}: ${md(c.reason)}`,
        )
        .join('\n')}`,
    );
  }
  if (!ctx.finance)
    return answer(
      'Only finance changes budgets.',
      'Only finance changes budgets; ask in the finance channel.',
    );
  const amount = Number((args[0] ?? '').replace(/[$,]/g, ''));
  if (!(amount > 0))
    return answer(
      'Budget not changed: write it like `/burn payments budget 300000 from 2027-01-01 reason hiring plan`.',
    );
  let rest = args.slice(1);
  let from = utcDayOf(deps.clock.now());
  if (rest[0]?.toLowerCase() === 'from' && rest[1] && isIsoDay(rest[1])) {
    from = rest[1];
    rest = rest.slice(2);
  }
  if (rest[0]?.toLowerCase() === 'reason') rest = rest.slice(1);
  const reason = rest.join(' ').trim();
  if (!reason)
    return answer(
      'Budget not changed: say why after it (`… reason Q2 hiring plan`); the reason is kept with the change.',
    );
  const change = newBudgetChange({
    team,
    annualUsd: amount,
    from,
    reason,
    by: ctx.userId,
    at: deps.clock.now().toISOString(),
  });
  await deps.store.putTeamRecord(team, 'budget', change.id, change);
  const unannounced = await announceTo(
    ctx,
    deps,
    [team],
    `:money_with_wings: <@${ctx.userId}> set *${md(ctx.teamName ?? team)}*'s annual AI budget to *${usd(amount)}* from ${from}: ${md(reason)}.`,
  );
  return answer(
    `${md(ctx.teamName ?? team)}: budget ${usd(amount)} from ${from}.`,
    `*${md(ctx.teamName ?? team)}*: annual budget ${usd(amount)} from ${from} (was ${usd(seed)} in the config), set by <@${ctx.userId}>: ${md(reason)}. The next forecast, alerts and reports use it; \`/burn ${team} budget\` shows the history.${unannounced}`,
  );
}

/** `/burn all moves` suggests; `/burn all move FROM TO USD [reason …]` applies one (finance only). */
async function allCommand(
  ctx: DecisionContext,
  deps: DecisionDeps,
  verb: string,
  args: readonly string[],
): Promise<DecisionAnswer> {
  if (!ctx.finance) return answer('Budget moves are for finance.');
  if (verb === 'moves') {
    const moves = suggestMovesFor(ctx.config, ctx.reports.values());
    if (moves.length === 0)
      return answer(
        'No budget moves to suggest.',
        'No budget moves to suggest: no team at risk has a donor with room to spare below its warning threshold.',
      );
    return answer(
      'Suggested budget moves',
      `*Suggested budget moves* (each donor stays below its warning threshold):\n${moves
        .map(
          (m) =>
            `• ${usd(m.usd)} from *${md(m.fromName)}* to *${md(m.toName)}*: ${md(m.toName)}'s chance of running out ${pct(m.toBefore)} → ${pct(m.toAfter)}, ${md(m.fromName)}'s ${pct(m.fromAfter)} after. Apply: \`/burn all move ${m.from} ${m.to} ${m.usd} reason …\``,
        )
        .join('\n')}`,
    );
  }
  const [from, to, amountWord, ...rest] = args;
  const amount = Number((amountWord ?? '').replace(/[$,]/g, ''));
  const names = new Map(ctx.config.teams.map((t) => [t.id, t.name]));
  if (!from || !to || !names.has(from) || !names.has(to) || from === to || !(amount > 0))
    return answer('Not moved: write it like `/burn all move search payments 40000 reason Q2 rebalance`.');
  const reason =
    (rest[0]?.toLowerCase() === 'reason' ? rest.slice(1) : rest).join(' ').trim() || 'budget move';
  const at = deps.clock.now().toISOString();
  const day = utcDayOf(deps.clock.now());
  const moveId = `${at}#${from}>${to}`;
  // From the recorded changes, not the stored summary: that is only as new as the last daily job, and
  // a second move (or a budget set) before it would undo the first.
  const fy = fiscalYearOf(ctx.config.fiscalYear, day);
  const inForce = async (team: string) => {
    const seed = ctx.config.teams.find((t) => t.id === team);
    return budgetInForce(seed?.annualBudgetUsd ?? 0, await budgetChanges(deps.store, team), day, fy).usd;
  };
  const [fromBudget, toBudget] = await Promise.all([inForce(from), inForce(to)]);
  if (amount >= fromBudget)
    return answer(
      `Not moved: ${md(names.get(from) ?? from)}'s annual budget is ${usd(fromBudget)}, so it cannot give ${usd(amount)}.`,
    );
  const current = (team: string) => (team === from ? fromBudget : toBudget);
  const give = newBudgetChange(
    {
      team: from,
      annualUsd: current(from) - amount,
      from: day,
      reason: `moved ${usd(amount)} to ${names.get(to)}: ${reason}`,
      by: ctx.userId,
      at,
      moveId,
    },
    0,
  );
  const take = newBudgetChange(
    {
      team: to,
      annualUsd: current(to) + amount,
      from: day,
      reason: `moved ${usd(amount)} from ${names.get(from)}: ${reason}`,
      by: ctx.userId,
      at,
      moveId,
    },
    1,
  );
  // Both sides or neither: half a move takes budget from one team and gives it to nobody.
  await deps.store.putTeamRecords([
    { team: from, kind: 'budget', id: give.id, record: give },
    { team: to, kind: 'budget', id: take.id, record: take },
  ]);
  const line = `:money_with_wings: <@${ctx.userId}> moved *${usd(amount)}* of annual AI budget from *${md(names.get(from) ?? from)}* (now ${usd(give.annualUsd)}) to *${md(names.get(to) ?? to)}* (now ${usd(take.annualUsd)}) from ${day}: ${md(reason)}.`;
  const unannounced = await announceTo(ctx, deps, [from, to], line);
  return answer(
    `Moved ${usd(amount)} from ${md(names.get(from) ?? from)} to ${md(names.get(to) ?? to)}.`,
    `Moved *${usd(amount)}* from *${md(names.get(from) ?? from)}* (now ${usd(give.annualUsd)}) to *${md(names.get(to) ?? to)}* (now ${usd(take.annualUsd)}), by <@${ctx.userId}>: ${md(reason)}. Both teams' \`/burn … budget\` show it; the next forecast uses it.${unannounced}`,
  );
}

/**
 * Tells each team's channel (where it has one) about a budget change. A channel Slack refuses does
 * not undo the change: the asker is told which channels did not hear of it.
 */
async function announceTo(
  ctx: DecisionContext,
  deps: DecisionDeps,
  teams: readonly string[],
  line: string,
): Promise<string> {
  if (!deps.announce) return '';
  const missed: string[] = [];
  for (const team of teams) {
    const channel = ctx.config.teams.find((t) => t.id === team)?.slackChannel;
    if (!channel) continue;
    try {
      await deps.announce(channel, line);
    } catch {
      missed.push(channel.startsWith('#') ? channel : `<#${channel}>`);
    }
  }
  return missed.length ? ` Could not post it in ${missed.join(', ')}; tell them there.` : '';
}

const pct = (p: number) => `${Math.round(p * 100)}%`;
