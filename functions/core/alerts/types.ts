import type { IsoDay } from '../dates.js';
import type { Quantiles } from '../forecast/types.js';
import type { CostPerPrFacts } from '../outcomes/outcome-alert.js';

/** How bad a rule's condition is. `ok` = not firing. */
export type Severity = 'ok' | 'warning' | 'critical';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { ok: 0, warning: 1, critical: 2 };

/** The alert rules; each keeps its own lifecycle state per team (or per source for stale data). */
export type AlertRule = 'budget' | 'spike' | 'engineer-cap' | 'stale-data' | 'cost-per-pr';

/** The team scope for org-wide alerts (stale sources, the weekly digest). */
export const ORG_SCOPE = '_org';

/** What grew: the vendor (and its model) whose recent spend explains most of the change. */
export interface Driver {
  readonly vendor: string;
  readonly model?: string;
  /** Share of the last 28 days' spend. */
  readonly share: number;
  /** Last 28 days minus the 28 before, USD; null without enough history. */
  readonly growthUsd: number | null;
}

export interface BudgetFacts {
  readonly kind: 'budget';
  readonly teamName: string;
  readonly asOf: IsoDay;
  readonly fiscalYearEnd: IsoDay;
  readonly fiscalYearLabel: string;
  readonly budgetUsd: number;
  readonly spentToDateUsd: number;
  readonly percentUsed: number;
  readonly yearEndUsd: Quantiles<number>;
  readonly exhaustionDate: Quantiles<IsoDay | null>;
  readonly probabilityOfExhaustion: number | null;
  /** Days between the P50 exhaustion date and year end. */
  readonly daysEarly: number | null;
  readonly method: 'forecast' | 'trailing-run-rate';
  readonly driver?: Driver;
  /** Vendors the team spends with (for the "what to do" links), biggest first. */
  readonly vendors: readonly string[];
  /** Whether some of the team's spend is estimated (sources behind), and which. */
  readonly dataStatus: 'complete' | 'estimated' | 'incomplete';
  /** "OpenAI data through 27 Nov (3 days estimated)", one per source behind. */
  readonly dataNotes: readonly string[];
  /** Where the budget comes from when a recorded change set it ("from 1 Mar, set by …: …"). */
  readonly budgetNote?: string;
  /** The planned changes the forecast includes ("+20 engineers from 2027-03-01"). */
  readonly plans?: readonly string[];
}

/** An identity that drove a spike; `person: true` (it may name someone) is shown only to allowed viewers. */
export interface SpikeIdentity {
  readonly kind: string;
  readonly value: string;
  readonly person: boolean;
  readonly usd: number;
}

export interface SpikeFacts {
  readonly kind: 'spike';
  readonly teamName: string;
  readonly date: IsoDay;
  readonly usd: number;
  /** Median daily spend of the 28 days before. */
  readonly baselineUsd: number;
  readonly multiple: number;
  readonly vendor: string;
  readonly source: string;
  readonly model?: string;
  readonly identity?: SpikeIdentity;
  readonly vendors: readonly string[];
}

export interface EngineerCapFacts {
  readonly kind: 'engineer-cap';
  readonly teamName: string;
  /** `YYYY-MM`. */
  readonly month: string;
  readonly asOf: IsoDay;
  readonly capUsd: number;
  readonly overCount: number;
  /** Per-person detail: rendered only for viewers config.privacy allows, never in channels. */
  readonly people: ReadonlyArray<{
    readonly user: string;
    readonly monthUsd: number;
    /** The vendors the person spent with this month (where per-user limits can be set). */
    readonly vendors?: readonly string[];
    /** The email each vendor knows them by, where it is another than `user` (an alias). */
    readonly vendorEmails?: Readonly<Record<string, string>>;
  }>;
  readonly vendors: readonly string[];
}

export interface StaleFacts {
  readonly kind: 'stale-data';
  readonly source: string;
  readonly vendor: string;
  /** Every day of the fiscal year up to this one is delivered; null when none is. */
  readonly lastCompleteDay: IsoDay | null;
  /** Days of the fiscal year to as-of the source has not delivered. */
  readonly missingDays: number;
  /** The first runs of missing days, oldest first. */
  readonly holes: ReadonlyArray<{ readonly from: IsoDay; readonly to: IsoDay }>;
  readonly lastError: { readonly date: IsoDay; readonly at: string; readonly message: string } | null;
  readonly lastFetchedAt: string | null;
  /** Hours from the end of the last complete day to the end of the as-of day. */
  readonly hoursBehind: number | null;
  readonly staleAfterHours: number;
}

export type AlertFacts = BudgetFacts | SpikeFacts | EngineerCapFacts | StaleFacts | CostPerPrFacts;

/**
 * One rule's verdict for one team today. The lifecycle compares it with the stored state to decide
 * whether anyone is told.
 */
export interface AlertCondition {
  /** Team id, or `_org` for source-level alerts. */
  readonly team: string;
  readonly rule: AlertRule;
  /** State key within the team: `ALERT#budget`, `ALERT#stale-data#anthropic`. */
  readonly key: string;
  readonly severity: Severity;
  /** Budget rule: the P50 exhaustion date, for "materially worse" re-alerts. */
  readonly exhaustionP50?: IsoDay | null;
  /** A count that re-alerts when it grows (engineers over the cap). */
  readonly metric?: number;
  /**
   * The data behind the verdict is incomplete: the condition may escalate but not ease, so missing
   * data can never produce a recovery notice (nor count towards one).
   */
  readonly dataIncomplete?: boolean;
  /** Facts for the message; absent when `ok` and nothing to say. */
  readonly facts?: AlertFacts;
}

/** Why a notice goes out. */
export type NoticeKind = 'enter' | 'escalate' | 'worsen' | 'recover';
