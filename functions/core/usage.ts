import type { IdentityKind } from './config/schema.js';
import type { IsoDay } from './dates.js';
import type { ModelTier } from './models.js';
import type { Micros } from './money.js';
import type { Vendor } from './vendors.js';

export type { Vendor } from './vendors.js';

/** Identities a vendor row carries; attribution rules match on these. */
export type Identities = Partial<Record<IdentityKind, string>>;

export interface TokenCounts {
  readonly input?: number;
  readonly output?: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
}

/** Token counts of two lines of the same key, added (a missing count is 0). */
export function addTokenCounts(a: TokenCounts | undefined, b: TokenCounts): TokenCounts {
  return {
    input: (a?.input ?? 0) + (b.input ?? 0),
    output: (a?.output ?? 0) + (b.output ?? 0),
    cacheRead: (a?.cacheRead ?? 0) + (b.cacheRead ?? 0),
    cacheWrite: (a?.cacheWrite ?? 0) + (b.cacheWrite ?? 0),
  };
}

/** Outcome counters some vendors report (Claude Code, Cursor), kept for cost-per-PR style metrics. */
export interface OutcomeCounts {
  readonly commits?: number;
  readonly pullRequests?: number;
  readonly linesAdded?: number;
  readonly linesRemoved?: number;
  /**
   * Lines added from AI suggestions or agent edits the user kept: Cursor `acceptedLinesAdded`,
   * Copilot `loc_added_sum`, Claude Code `lines_of_code.added` (the edits it made that were accepted).
   */
  readonly linesAccepted?: number;
  /** AI requests the user made (Cursor composer, chat, agent and Cmd-K), whether billed or included. */
  readonly requests?: number;
  readonly sessions?: number;
  // Outcomes (issue 17, docs/outcomes.md):
  /** Pull requests merged by this person (the `github` source; one line per author and day). */
  readonly mergedPullRequests?: number;
  /** Of them, those a vendor marks AI-assisted or an AI agent opened. */
  readonly aiAssistedPullRequests?: number;
  /** Lines an AI tool suggested adding (Copilot `loc_suggested_to_add_sum`). */
  readonly linesSuggested?: number;
  /**
   * AI suggestions the person accepted: Copilot `code_acceptance_activity_count` (completions and
   * code blocks), Cursor Tab `totalTabsAccepted`.
   */
  readonly acceptances?: number;
  /** AI suggestions shown to the person: Copilot `code_generation_activity_count`, Cursor `totalTabsShown`. */
  readonly suggestionsShown?: number;
  /**
   * Edits an AI agent proposed that the person accepted, and rejected: Claude Code's Edit, MultiEdit,
   * Write and NotebookEdit tool actions, Cursor's agent and composer diffs (`totalAccepts`,
   * `totalRejects`).
   */
  readonly toolAccepted?: number;
  readonly toolRejected?: number;
}

/**
 * One line of vendor usage for one UTC day, as a connector produces it, before attribution.
 * `lineItem` plus the identities make the line unique within (source, day).
 */
export interface VendorUsageLine {
  readonly date: IsoDay;
  readonly vendor: Vendor;
  readonly identities: Identities;
  /** What was bought: a model, a SKU, a cost-report description ("Claude Sonnet 4.6 Usage - Output Tokens"). */
  readonly lineItem: string;
  /** Model name as the vendor spells it, where it gives one. */
  readonly model?: string;
  /**
   * The canonical model (core/models.ts), set by the ingest from `model` (or a line item that names
   * a model): by-model views group on it. An unknown spelling is kept verbatim here, without family
   * and tier.
   */
  readonly modelId?: string;
  readonly modelFamily?: string;
  readonly modelTier?: ModelTier;
  /**
   * A credit (a grant or promotion) or a refund (a correction of earlier spend): a negative amount,
   * marked so it is never mistaken for usage. Absent on usage lines.
   */
  readonly charge?: ChargeKind;
  readonly costMicros: Micros;
  readonly tokens?: TokenCounts;
  /** What was consumed besides tokens, where the vendor counts it: seats, AI credits, requests. */
  readonly quantity?: { readonly value: number; readonly unit: string };
  readonly outcomes?: OutcomeCounts;
  /** The vendor says this day may still change (AWS `Estimated`, today's partial data). */
  readonly provisional: boolean;
  /**
   * False for lines kept only for detail (token usage, per-user estimates) whose cost is already in
   * another line of the same source (the money of record). They are stored but not summed into spend.
   */
  readonly billable?: boolean;
}

export const CHARGE_KINDS = ['credit', 'refund'] as const;
export type ChargeKind = (typeof CHARGE_KINDS)[number];

/** Whether a line's cost counts as spend (the money of record), or is detail priced elsewhere. */
export function isBillable(line: Pick<VendorUsageLine, 'billable'>): boolean {
  return line.billable !== false;
}

/** A usage line attributed to a team: what is stored. */
export interface UsageRecord extends VendorUsageLine {
  readonly source: string;
  readonly team: string;
}

/**
 * Stable key of a line within (source, day, team): identities in a fixed order, then the line item,
 * then the charge kind of a credit or refund (so it never merges into the usage it offsets).
 */
export function lineKey(line: Pick<VendorUsageLine, 'identities' | 'lineItem' | 'charge'>): string {
  const ids = Object.entries(line.identities)
    .filter(([, v]) => v !== undefined && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${ids || '-'}#${line.lineItem}${line.charge ? `#${line.charge}` : ''}`;
}

/**
 * Whether an identity may name a person, so only allowed viewers see its value: a user email or a
 * GitHub login always;
 * an `account` too, since connectors put a person's GitHub login (Copilot seats) or vendor user id
 * (Cursor, without an email) there as well as an organisation's name.
 */
export function identityMayNamePerson(kind: IdentityKind): boolean {
  return kind === 'userEmail' || kind === 'githubLogin' || kind === 'account';
}

/** The user a line is about, if any: per-person data that only allowed viewers may see. */
export function personOf(line: Pick<VendorUsageLine, 'identities'>): string | undefined {
  return line.identities.userEmail;
}
