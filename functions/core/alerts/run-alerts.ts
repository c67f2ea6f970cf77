import { alertSettingsFor, type BurnwatchConfig, UNALLOCATED_TEAM } from '../config/schema.js';
import { dayOfWeek, type IsoDay } from '../dates.js';
import type { Clock, SnapshotStore, StateStore, UsageStore } from '../ports.js';
import type { CoverageOfSource, TeamBurn } from '../team-reports.js';
import type { AlertPublisher, SlackSender } from './delivery.js';
import type { Delivery, Intent } from './lifecycle.js';
import { DeliveryRun } from './notice-delivery.js';
import { evaluateBudget, evaluateEngineerCap, evaluateSpike, evaluateStaleness } from './rules.js';
import type { AlertCondition, NoticeKind } from './types.js';

export { DIGEST_KEY } from './notice-delivery.js';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export interface AlertRunDeps {
  readonly config: BurnwatchConfig;
  readonly store: UsageStore & SnapshotStore & StateStore;
  readonly clock: Clock;
  /** Absent: no Slack deliveries (only SNS, or nothing). */
  readonly slack?: SlackSender;
  /** Absent: no SNS deliveries. */
  readonly sns?: AlertPublisher;
  /** SVG → PNG for the burn-up chart; absent: no chart uploads. */
  readonly renderPng?: (svg: string) => Promise<Uint8Array>;
  /** Evaluate and render, but write no state and send nothing. */
  readonly dryRun?: boolean;
  /** How long a claimed delivery is left to the run that claimed it before another run checks it. */
  readonly leaseMs?: number;
  readonly recoveryDays?: number;
  /** `auto` (default): the finance digest on `config.finance.digestWeekday`; `always` for previews. */
  readonly digest?: 'auto' | 'always' | 'never';
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

/**
 * The daily alert job for every team: evaluate each rule, run each condition through its stored
 * lifecycle, and deliver the notices (Slack team + finance channels, private detail to allowed
 * people, SNS). A notice is recorded as an intent before the first send and each delivery is marked
 * sent only after the target accepted it, so a retried run finishes what a failed one started and
 * never resends what was confirmed. On the configured weekday it also posts the finance digest.
 */
export async function runAlerts(
  deps: AlertRunDeps,
  input: { asOf: IsoDay; burns: readonly TeamBurn[]; coverage: readonly CoverageOfSource[] },
): Promise<AlertRunResult> {
  const { config, store } = deps;
  const { asOf } = input;
  const problems: string[] = [];
  const conditions: AlertCondition[] = [];

  for (const burn of input.burns) {
    const team = burn.report.team;
    if (team === UNALLOCATED_TEAM) continue;
    const settings = alertSettingsFor(config, team);
    const linesOf = (source: string, date: IsoDay) => store.teamLines(source, date, team);
    const budget = evaluateBudget(burn.report, burn.totals, settings);
    if (budget) conditions.push(budget);
    const common = { team, teamName: burn.report.name, totals: burn.totals, asOf, settings, linesOf };
    conditions.push(await evaluateSpike(common));
    const cap = await evaluateEngineerCap(common);
    if (cap) conditions.push(cap);
  }
  for (const coverage of input.coverage)
    conditions.push(evaluateStaleness({ coverage, asOf, settings: config.alerts }));

  const run = new DeliveryRun(deps, asOf, deps.clock.now(), input.burns, problems);
  for (const cond of conditions) {
    try {
      await run.process(cond);
    } catch (err) {
      problems.push(`${cond.team}/${cond.key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const digestDay = WEEKDAYS[dayOfWeek(asOf)] === config.finance.digestWeekday;
  if (deps.digest !== 'never') {
    try {
      // Every run looks: an undelivered digest from earlier in the week is retried on non-digest days.
      await run.digest(conditions, deps.digest === 'always' || digestDay);
    } catch (err) {
      problems.push(`digest: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { asOf, dryRun: Boolean(deps.dryRun), conditions, notices: run.notices, problems };
}
