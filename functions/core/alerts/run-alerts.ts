import { randomUUID } from 'node:crypto';
import { movesLine, suggestMovesFor } from '../budget-moves.js';
import { burnupChartInput } from '../chart/burnup-data.js';
import { renderBurnupSvg } from '../chart/burnup-svg.js';
import { alertSettingsFor, type BurnwatchConfig, UNALLOCATED_TEAM } from '../config/schema.js';
import { addDays, dayOfWeek, diffDays, type IsoDay, monthOf } from '../dates.js';
import { fiscalYearOf } from '../fiscal-calendar.js';
import { recordProposal } from '../limits/apply.js';
import { type LimitProposal, proposeLimitsForTeam } from '../limits/proposal.js';
import { evaluateCostPerPr } from '../outcomes/outcome-alert.js';
import { type PersonDay, personKeyOf } from '../person-costs.js';
import { type Clock, ConditionalWriteConflictError, type Store } from '../ports.js';
import type { PublishedReport } from '../report/report-publisher.js';
import type { CoverageOfSource, TeamBurn } from '../team-reports.js';
import { AlertStateLedger } from './alert-state-ledger.js';
import type { AlertPublisher, SlackSender } from './delivery.js';
import {
  type Delivery,
  deliverNotice,
  type Intent,
  type LedgerStep,
  newDeliveries,
} from './delivery-ledger.js';
import { collectDigestRows, digestMessage } from './digest.js';
import { type AlertState, alertStateSchema, DEFAULT_RECOVERY_DAYS, decideTransition } from './lifecycle.js';
import {
  type ComposedNotice,
  composeAlertNotice,
  composeDigestNotice,
  DIGEST_KEY,
} from './notice-composer.js';
import { channelTargets, privateTargets } from './notice-targets.js';
import { StateStoreThreads } from './notice-threads.js';
import { NoticeTransport } from './notice-transport.js';
import { evaluateBudget, evaluateEngineerCap, evaluateSpike, evaluateStaleness } from './rules.js';
import type { AlertCondition, NoticeKind } from './types.js';
import { ORG_SCOPE } from './types.js';

export { DIGEST_KEY } from './notice-composer.js';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/** How long another run's claim on a delivery is left to it (a Lambda runs at most 15 minutes). */
const DEFAULT_LEASE_MS = 15 * 60_000;

export interface AlertRunDeps {
  readonly config: BurnwatchConfig;
  readonly store: Store;
  /** The one clock: as-of evaluation time, claim times and leases. */
  readonly clock: Clock;
  /** Absent: no Slack deliveries (only SNS, or nothing). */
  readonly slack?: SlackSender;
  /** Absent: no SNS deliveries. */
  readonly sns?: AlertPublisher;
  /** SVG → PNG for the burn-up chart; absent: no chart uploads. */
  readonly renderPng?: (svg: string) => Promise<Uint8Array>;
  /** Evaluate and compose, but write no state and send nothing. */
  readonly dryRun?: boolean;
  /**
   * Who is delivering. A claim this run id holds and did not confirm (the run crashed) is resumed
   * at once by a run with the same id, its retry, after asking Slack whether the message is there;
   * other runs' claims are left alone for `leaseMs`. The forecast Lambda uses one id per as-of day
   * (it runs one invocation at a time); absent, each run has its own.
   */
  readonly runId?: string;
  readonly leaseMs?: number;
  readonly recoveryDays?: number;
  /**
   * `auto` (default): the finance digest is due on the run as of the day before
   * `config.finance.digestWeekday` (the daily run of that weekday's morning); `always` for previews.
   */
  readonly digest?: 'auto' | 'always' | 'never';
  /** Fault injection for tests: called after each delivery step; throwing there is a crash. */
  readonly afterStep?: (step: LedgerStep, target: string) => void | Promise<void>;
}

/** One notice and what happened to each of its deliveries. */
export interface NoticeOutcome {
  readonly id: string;
  readonly team: string;
  readonly rule: string;
  readonly kind: NoticeKind | 'digest';
  readonly severity: string;
  readonly messages: Intent['messages'];
  readonly sns?: Intent['sns'];
  /** The chart PNG that went (or would go) with it. */
  readonly chartPng?: Uint8Array;
  readonly deliveries: readonly Delivery[];
  /** True when this run created the notice (false: a retry of an earlier run's). */
  readonly fresh: boolean;
}

export interface AlertRunResult {
  readonly asOf: IsoDay;
  readonly dryRun: boolean;
  readonly conditions: readonly AlertCondition[];
  readonly notices: readonly NoticeOutcome[];
  /** Problems that did not stop the run (a conflict with a concurrent run, a failed delivery). */
  readonly problems: readonly string[];
}

interface Handled {
  readonly notices: readonly NoticeOutcome[];
  readonly problems: readonly string[];
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The daily alert job for every team: evaluate each rule, run each condition through its stored
 * lifecycle, compose the notice (within Block Kit's limits) and record it as an intent in the same
 * write as the transition, then deliver it target by target through the delivery ledger (Slack team
 * and finance channels, private detail to allowed people, SNS). On the configured weekday it also
 * posts the finance digest; an undelivered digest is finished within its week.
 */
export async function runAlerts(
  deps: AlertRunDeps,
  input: {
    asOf: IsoDay;
    burns: readonly TeamBurn[];
    coverage: readonly CoverageOfSource[];
    /** The day's published report, linked from the digest. */
    report?: PublishedReport;
  },
): Promise<AlertRunResult> {
  const { asOf } = input;
  const run = new AlertRun(deps, asOf, input.burns, input.report);
  const conditions = await run.evaluate(input.coverage);
  const notices: NoticeOutcome[] = [];
  const problems: string[] = [];
  const collect = (h: Handled) => {
    notices.push(...h.notices);
    problems.push(...h.problems);
  };
  for (const cond of conditions) {
    try {
      collect(await run.handle(cond));
    } catch (err) {
      problems.push(`${cond.team}/${cond.key}: ${message(err)}`);
    }
  }
  if (deps.digest !== 'never') {
    // Due on the weekday it is posted: the morning after its as-of day, when the daily run makes it
    // (a re-run for another as-of day builds none, so it cannot post a second one for the week).
    const postedOn = WEEKDAYS[dayOfWeek(addDays(asOf, 1))];
    const due = deps.digest === 'always' || postedOn === deps.config.finance.digestWeekday;
    try {
      // Every run looks: an undelivered digest from earlier in the week is retried on other days.
      collect(await run.digest(conditions, due));
    } catch (err) {
      problems.push(`digest: ${message(err)}`);
    }
  }
  return { asOf, dryRun: Boolean(deps.dryRun), conditions, notices, problems };
}

/** One run's shared work: rule evaluation, charts and private targets resolved once, the transport. */
class AlertRun {
  private readonly charts = new Map<string, Promise<{ png?: Uint8Array; problem?: string }>>();
  private viewers: Promise<{ targets: string[]; problems: string[] }> | undefined;
  private readonly transport: NoticeTransport;
  private readonly runId: string;

  constructor(
    private readonly deps: AlertRunDeps,
    private readonly asOf: IsoDay,
    private readonly burns: readonly TeamBurn[],
    private readonly report: PublishedReport | undefined,
  ) {
    this.runId = deps.runId ?? `run-${randomUUID()}`;
    this.transport = new NoticeTransport({
      ...(deps.slack ? { slack: deps.slack } : {}),
      ...(deps.sns ? { sns: deps.sns } : {}),
      chart: async (team) => (await this.chartFor(team)).png,
      threading: {
        threads: new StateStoreThreads(deps.store),
        periodOf: (day) => fiscalYearOf(deps.config.fiscalYear, day).label,
      },
    });
  }

  /** Every rule's verdict: budget, spike and cap per team, completeness per source. */
  async evaluate(coverage: readonly CoverageOfSource[]): Promise<AlertCondition[]> {
    const { config, store } = this.deps;
    const conditions: AlertCondition[] = [];
    const personKey = personKeyOf(config.identities);
    for (const burn of this.burns) {
      const team = burn.report.team;
      if (team === UNALLOCATED_TEAM) continue;
      const settings = alertSettingsFor(config, team);
      const linesOf = (source: string, date: IsoDay) => store.teamLines(source, date, team);
      // A run whose forecast failed does not move the budget alert on the run-rate's say-so (it could
      // close a critical one): the alert stays as it was, unless spend is past the budget already.
      const overspent = burn.report.budgetUsd !== null && burn.report.spentToDateUsd > burn.report.budgetUsd;
      const budget =
        burn.forecastProblem && !overspent ? undefined : evaluateBudget(burn.report, burn.totals, settings);
      if (budget) conditions.push(budget);
      const common = {
        team,
        teamName: burn.report.name,
        totals: burn.totals,
        asOf: this.asOf,
        settings,
        linesOf,
        // Issue 14: the cap reads each team's per-person month rollup (read with the team's days),
        // not every line of the month.
        monthToDate: async (days: readonly PersonDay[]) =>
          burn.people ?? store.personMonthToDate(team, monthOf(this.asOf), this.asOf, days),
        personKey,
      };
      conditions.push(await evaluateSpike(common));
      const cap = await evaluateEngineerCap(common);
      if (cap) conditions.push(cap);
      // Outcomes (issue 17): spend per merged PR rising while spend grows (optional).
      const perPr = evaluateCostPerPr(burn.report, settings);
      if (perPr) conditions.push(perPr);
    }
    for (const c of coverage)
      conditions.push(evaluateStaleness({ coverage: c, asOf: this.asOf, settings: config.alerts }));
    return conditions;
  }

  /** One condition through its lifecycle: a transition, maybe a notice recorded and delivered. */
  async handle(cond: AlertCondition): Promise<Handled> {
    const { store, config } = this.deps;
    const problems: string[] = [];
    const stored = await store.getState(cond.team, cond.key);
    const parsed = stored ? alertStateSchema.safeParse(stored.value) : undefined;
    if (parsed && !parsed.success)
      problems.push(
        `${cond.team}/${cond.key}: stored state unreadable, starting afresh (${parsed.error.message})`,
      );
    const prev = parsed?.success ? parsed.data : undefined;
    const settings = cond.team === ORG_SCOPE ? config.alerts : alertSettingsFor(config, cond.team);
    const t = decideTransition(prev, cond, this.asOf, {
      worseningDays: settings.worseningDays,
      recoveryDays: this.deps.recoveryDays ?? DEFAULT_RECOVERY_DAYS,
    });
    let state: AlertState = t.next;
    let notice: ComposedNotice | undefined;
    if (t.notice) {
      const githubOrg = this.githubOrg();
      const limits = await this.limitsFor(cond, t.notice, problems);
      notice = composeAlertNotice({
        cond,
        kind: t.notice,
        asOf: this.asOf,
        previousExhaustionP50: prev?.notifiedExhaustionP50 ?? null,
        worseningDays: settings.worseningDays,
        ...(githubOrg ? { githubOrg } : {}),
        ...(limits ? { limits: { proposal: limits, dryRun: config.limits.dryRun } } : {}),
      });
      const intent = await this.intentFor(notice);
      problems.push(...intent.problems);
      // A new notice supersedes an undelivered older one: it carries the current numbers.
      state = { ...state, pending: intent.intent };
    }
    if (this.deps.dryRun) {
      const shown =
        state.pending && notice ? await this.outcome(state.pending, cond.team, cond.rule, true) : undefined;
      return { notices: shown ? [shown] : [], problems };
    }
    let version = stored?.version ?? 0;
    if (t.changed || notice) {
      try {
        version = await store.putState(cond.team, cond.key, state, version);
      } catch (err) {
        if (!(err instanceof ConditionalWriteConflictError)) throw err;
        return {
          notices: [],
          problems: [...problems, `${cond.team}/${cond.key}: another run is handling this alert; skipped`],
        };
      }
    }
    if (!state.pending) return { notices: [], problems };
    const delivered = await this.deliver(
      cond.team,
      cond.key,
      cond.rule,
      state,
      version,
      notice !== undefined,
    );
    return { notices: delivered.notices, problems: [...problems, ...delivered.problems] };
  }

  /** The finance digest when due (or an undelivered one from earlier in its week). */
  async digest(conditions: readonly AlertCondition[], due: boolean): Promise<Handled> {
    const { store, config } = this.deps;
    const stored = await store.getState(ORG_SCOPE, DIGEST_KEY);
    const parsed = stored ? alertStateSchema.safeParse(stored.value) : undefined;
    const prev = parsed?.success ? parsed.data : undefined;
    const version = stored?.version ?? 0;
    const undelivered = prev?.pending;
    if (
      undelivered &&
      diffDays(undelivered.asOf, this.asOf) < 7 &&
      (!due || undelivered.asOf === this.asOf)
    ) {
      if (this.deps.dryRun || !prev) return { notices: [], problems: [] };
      return this.deliver(ORG_SCOPE, DIGEST_KEY, 'digest', prev, version, false);
    }
    if (!due || prev?.lastNotice?.asOf === this.asOf) return { notices: [], problems: [] };
    const { rows, unallocatedUsd } = await collectDigestRows({
      burns: this.burns,
      conditions,
      asOf: this.asOf,
      snapshots: store,
    });
    const notice = composeDigestNotice(
      digestMessage({
        organization: config.organization.name,
        asOf: this.asOf,
        rows,
        unallocatedUsd,
        notes: [
          movesLine(
            suggestMovesFor(
              config,
              this.burns.map((b) => b.report),
            ),
          ),
        ].filter((line): line is string => line !== undefined),
        ...(this.report ? { report: this.report } : {}),
      }),
      this.asOf,
    );
    const { intent, problems } = await this.intentFor(notice);
    const state: AlertState = {
      rule: 'digest',
      notified: 'ok',
      current: 'ok',
      calmDays: 0,
      lastEvaluated: this.asOf,
      ...(prev?.lastNotice ? { lastNotice: prev.lastNotice } : {}),
      pending: intent,
    };
    if (this.deps.dryRun)
      return { notices: [await this.outcome(intent, ORG_SCOPE, 'digest', true)], problems };
    let written: number;
    try {
      written = await store.putState(ORG_SCOPE, DIGEST_KEY, state, version);
    } catch (err) {
      if (!(err instanceof ConditionalWriteConflictError)) throw err;
      return { notices: [], problems: [...problems, 'digest: another run is posting it; skipped'] };
    }
    const delivered = await this.deliver(ORG_SCOPE, DIGEST_KEY, 'digest', state, written, true);
    return { notices: delivered.notices, problems: [...problems, ...delivered.problems] };
  }

  /** The intent of a composed notice: its targets, the first claimed by this run. */
  private async intentFor(notice: ComposedNotice): Promise<{ intent: Intent; problems: string[] }> {
    const { config, slack, sns } = this.deps;
    const problems: string[] = [];
    const targets = slack ? channelTargets(config, notice.team) : [];
    if (notice.messages.private && slack) {
      this.viewers ??= privateTargets(config, slack);
      const viewers = await this.viewers;
      targets.push(...viewers.targets);
      // Reported with the first notice that needed them.
      problems.push(...viewers.problems.splice(0));
    }
    if (sns && notice.sns) targets.push('sns');
    const at = this.deps.clock.now().toISOString();
    return {
      intent: {
        id: notice.id,
        kind: notice.kind,
        severity: notice.severity,
        asOf: notice.asOf,
        createdAt: at,
        messages: notice.messages,
        ...(notice.sns ? { sns: notice.sns } : {}),
        chart: notice.chart,
        deliveries: newDeliveries(targets, this.runId, at),
      },
      problems,
    };
  }

  private async deliver(
    team: string,
    key: string,
    rule: string,
    state: AlertState,
    version: number,
    fresh: boolean,
  ): Promise<Handled> {
    const intent = state.pending;
    if (!intent) return { notices: [], problems: [] };
    let result: { intent: Intent; problems: readonly string[] };
    try {
      result = await deliverNotice({
        intent,
        fresh,
        runId: this.runId,
        clock: this.deps.clock,
        leaseMs: this.deps.leaseMs ?? DEFAULT_LEASE_MS,
        // A team's alerts share its thread; org-wide notices (stale data, the digest) stand alone.
        transport: this.transport.forTeam(team, { threaded: team !== ORG_SCOPE }),
        persistence: new AlertStateLedger(this.deps.store, team, key, state, version),
        ...(this.deps.afterStep ? { afterStep: this.deps.afterStep } : {}),
      });
    } catch (err) {
      // The store failed mid-delivery: the record says how far it got, and a retry of this run
      // resumes there. The notice is reported as it was, unconfirmed.
      result = {
        intent,
        problems: [`${intent.id}: delivery interrupted (${message(err)}); a retry resumes it`],
      };
    }
    const chart = intent.chart ? (await this.chartFor(team)).problem : undefined;
    return {
      notices: [await this.outcome(result.intent, team, rule, fresh)],
      problems: [...result.problems, ...(chart ? [chart] : [])],
    };
  }

  /**
   * The limits a fired cap or budget rule calls for (issue 19), stored as a proposal (a retried run
   * finds the one it stored) so the alert can carry Approve / Undo. Nothing is applied here.
   */
  private async limitsFor(
    cond: AlertCondition,
    kind: NoticeKind,
    problems: string[],
  ): Promise<LimitProposal | undefined> {
    const { config, store } = this.deps;
    if (kind === 'recover') return undefined;
    const proposal = proposeLimitsForTeam({
      config,
      cond,
      totals: this.burns.find((b) => b.report.team === cond.team)?.totals ?? [],
      asOf: this.asOf,
      now: this.deps.clock.now(),
    });
    if (!proposal || this.deps.dryRun) return proposal;
    try {
      return await recordProposal(store, proposal);
    } catch (err) {
      // The alert still goes out; only its Approve button is missing.
      problems.push(`${cond.team}/${cond.key}: limit proposal not stored (${message(err)})`);
      return undefined;
    }
  }

  private githubOrg(): string | undefined {
    const s = this.deps.config.sources.find((x) => x.type === 'copilot');
    return s?.type === 'copilot' ? s.organization : undefined;
  }

  private chartFor(team: string): Promise<{ png?: Uint8Array; problem?: string }> {
    let chart = this.charts.get(team);
    if (!chart) {
      const burn = this.burns.find((b) => b.report.team === team);
      const render = this.deps.renderPng;
      chart =
        burn && render
          ? render(renderBurnupSvg(burnupChartInput(burn.report, burn.daily, burn.forecast))).then(
              (png) => ({ png }),
              (err: unknown) => ({ problem: `${team}: chart not rendered (${message(err)})` }),
            )
          : Promise.resolve({});
      this.charts.set(team, chart);
    }
    return chart;
  }

  private async outcome(intent: Intent, team: string, rule: string, fresh: boolean): Promise<NoticeOutcome> {
    const chartPng = intent.chart ? (await this.chartFor(team)).png : undefined;
    return {
      id: intent.id,
      team,
      rule,
      kind: intent.kind,
      severity: intent.severity,
      messages: intent.messages,
      ...(intent.sns ? { sns: intent.sns } : {}),
      ...(chartPng ? { chartPng } : {}),
      deliveries: intent.deliveries,
      fresh,
    };
  }
}
