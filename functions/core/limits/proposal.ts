import * as z from 'zod';
import type { AlertCondition, BudgetFacts, EngineerCapFacts } from '../alerts/types.js';
import { usd } from '../burn-text.js';
import type { BurnwatchConfig, LimitsConfig } from '../config/schema.js';
import { diffDays, type IsoDay, isIsoDay } from '../dates.js';
import { planBasis } from '../plans.js';
import type { TeamDaySourceTotal } from '../ports.js';
import { vendorDisplayName } from '../vendors.js';

/**
 * Limits burnwatch proposes when a cap or budget rule fires (issue 19): per-engineer monthly caps at
 * the configured amount at the vendors that can set them, and a workspace limit that keeps a team
 * inside its budget at the current forecast. A proposal is only a record until someone allowed
 * approves it (core/limits/apply.ts applies, reads back, records; undo restores).
 */

/** Vendors whose admin APIs can set a limit. */
export const LIMIT_VENDORS = ['cursor', 'copilot', 'anthropic'] as const;
export type LimitVendor = (typeof LIMIT_VENDORS)[number];

const isoDay = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
/** Whole cents, so dollars and the vendors' cent strings convert exactly. */
const cents = z.number().int().nonnegative();

/** A limit as the vendor holds it: null = none set at this scope; `ref` = the vendor's id for it. */
export const vendorLimitSchema = z.object({
  amountCents: cents.nullable(),
  ref: z.string().optional(),
  /** GitHub: whether the budget stops usage at its amount (`prevent_further_usage`); false = alerts only. */
  hardStop: z.boolean().optional(),
  /**
   * false: the vendor cannot say what it holds here (an Anthropic workspace whose limit id is not in
   * config), so `amountCents` means "unknown", and Undo leaves burnwatch's limit rather than remove one.
   */
  known: z.literal(false).optional(),
  /**
   * The limit in force for the scope when it is not `amountCents` (the scope's own): one it inherits,
   * as Anthropic's seat tier or Cursor's team per-user limit; null = none in force. Absent: the
   * scope's own limit is the one in force. Decides whether a cap would raise anyone; Undo restores
   * `amountCents`, never this.
   */
  effectiveCents: cents.nullable().optional(),
});
export type VendorLimit = z.infer<typeof vendorLimitSchema>;

/**
 * `unconfirmed`: the vendor accepted the write but reading it back failed or showed another amount;
 * the limit may well be in place, so Undo takes it back and Approve again reads before writing; it
 * stays so (with the latest error) until a read shows burnwatch's limit is not there.
 * `skipped`: the vendor already held a limit at or below the proposed one, left as it was (`note`).
 * `kept`: at Undo the vendor held something other than burnwatch's limit (changed there since), so
 * it was left as it is (`note`).
 */
export const ITEM_STATES = [
  'pending',
  'applied',
  'unconfirmed',
  'failed',
  'skipped',
  'undone',
  'kept',
] as const;
export type ItemState = (typeof ITEM_STATES)[number];

export const limitItemSchema = z.object({
  /** `vendor:scope:subject`, unique within the proposal. */
  id: z.string().min(1),
  vendor: z.enum(LIMIT_VENDORS),
  /** `user`: one engineer; `workspace`: the team's workspace at the vendor. */
  scope: z.enum(['user', 'workspace']),
  /** The engineer's email (Cursor, Anthropic), GitHub login (Copilot) or the workspace id. */
  subject: z.string().min(1),
  /** Whether `subject` names a person: shown only to config.privacy's per-person viewers. */
  person: z.boolean(),
  amountCents: cents,
  period: z.literal('monthly'),
  state: z.enum(ITEM_STATES),
  /** What the vendor held before burnwatch changed it (read before the first write). */
  before: vendorLimitSchema.optional(),
  /** What reading back showed after the change. */
  after: vendorLimitSchema.optional(),
  /** The vendor's id of the limit burnwatch wrote (from its answer): how it is read back and removed. */
  ref: z.string().optional(),
  /** The vendor's answer to the change, as received. */
  vendorResponse: z.unknown().optional(),
  /** Why the last attempt did not take (vendor refusal, missing admin scope, rate limit, read-back). */
  error: z.string().optional(),
  /** Why burnwatch left the vendor's limit as it was (no person named: channels may show it). */
  note: z.string().optional(),
  appliedAt: z.string().optional(),
  undoneAt: z.string().optional(),
});
export type LimitItem = z.infer<typeof limitItemSchema>;

export const PROPOSAL_STATUSES = ['proposed', 'applying', 'applied', 'partial', 'undoing', 'undone'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export const limitProposalSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9:_-]{1,80}$/),
  team: z.string().min(1),
  teamName: z.string().min(1),
  rule: z.enum(['engineer-cap', 'budget']),
  asOf: isoDay,
  createdAt: z.string(),
  /** How the numbers were reached, for the message and the record. */
  reason: z.string().min(1),
  status: z.enum(PROPOSAL_STATUSES),
  items: z.array(limitItemSchema),
  /** People or scopes the rule named for which no limit can be set, and why. */
  skipped: z.array(z.object({ subject: z.string(), person: z.boolean(), reason: z.string() })).default([]),
  /** Set while an apply or undo runs: who started it and when (a crashed run's claim expires). */
  busy: z.object({ by: z.string(), at: z.string(), action: z.enum(['apply', 'undo']) }).optional(),
  /** Every action on the proposal, oldest first. */
  history: z
    .array(
      z.object({
        action: z.enum(['dry-run', 'apply', 'undo']),
        by: z.string(),
        at: z.string(),
        result: z.string(),
      }),
    )
    .default([]),
});
export type LimitProposal = z.infer<typeof limitProposalSchema>;

/** The state key of a proposal in the team's scope. */
export const proposalKey = (id: string) => `LIMIT#${id}`;
export const PROPOSAL_KEY_PREFIX = 'LIMIT#';

/** Whether any vendor's limit API is configured. */
export function limitsConfigured(limits: LimitsConfig): boolean {
  return Boolean(limits.cursor || limits.copilot || limits.anthropic);
}

/** Days in an average month, to spread what is left of a budget over the months left. */
const DAYS_PER_MONTH = 365.25 / 12;

/** What a team limit is measured against: the vendor's share of the team's recent daily spend. */
export interface TeamSpendShare {
  /** Mean daily spend of the team over the last 28 days (USD). */
  readonly dailyUsd: number;
  readonly vendorDailyUsd: ReadonlyMap<string, number>;
}

/**
 * The limits a fired rule calls for, or undefined when there is nothing a vendor API can set.
 * Engineer cap: a monthly cap of `perEngineerMonthlyCapUsd` for each person over it, at each
 * configured vendor they spent with (Copilot: where config maps their email to a login). Budget: the
 * team's Anthropic workspace limited to its share of what is left of the budget, spread over the
 * months left in the fiscal year, so spending at that limit ends the year on budget.
 */
export function proposeLimits(opts: {
  readonly config: BurnwatchConfig;
  readonly cond: AlertCondition;
  readonly now: Date;
  readonly share?: TeamSpendShare;
}): LimitProposal | undefined {
  const { config, cond } = opts;
  const facts = cond.facts;
  if (!facts || cond.severity === 'ok') return undefined;
  if (facts.kind === 'engineer-cap') return capProposal(config.limits, cond, facts, opts.now);
  if (facts.kind === 'budget') return budgetProposal(config.limits, cond, facts, opts.now, opts.share);
  return undefined;
}

const base = (cond: AlertCondition, teamName: string, asOf: IsoDay, now: Date) => ({
  id: `${asOf}:${cond.rule}`,
  team: cond.team,
  teamName,
  asOf,
  createdAt: now.toISOString(),
  status: 'proposed' as const,
  history: [],
});

/** Vendors whose limits are whole dollars (Cursor's `spendLimitDollars`, GitHub's `budget_amount`). */
const WHOLE_DOLLAR_VENDORS: ReadonlySet<LimitVendor> = new Set(['cursor', 'copilot']);

/**
 * The cap as `vendor` can hold it: whole dollars rounded down where the vendor takes whole dollars
 * (a cap is never set above the configured one), so the proposal shows what will be set.
 */
export function capAmountAt(vendor: LimitVendor, capCents: number): number {
  return WHOLE_DOLLAR_VENDORS.has(vendor) ? capCents - (capCents % 100) : capCents;
}

function capProposal(
  limits: LimitsConfig,
  cond: AlertCondition,
  f: EngineerCapFacts,
  now: Date,
): LimitProposal | undefined {
  const capCents = Math.round(f.capUsd * 100);
  const items: LimitItem[] = [];
  const skipped: LimitProposal['skipped'] = [];
  const item = (vendor: LimitVendor, subject: string): LimitItem => ({
    id: `${vendor}:user:${subject}`,
    vendor,
    scope: 'user',
    subject,
    person: true,
    amountCents: capAmountAt(vendor, capCents),
    period: 'monthly',
    state: 'pending',
  });
  for (const p of f.people) {
    const spentWith = new Set(p.vendors ?? f.vendors);
    const before = items.length;
    // Each vendor's limit names the person as that vendor knows them (an alias: their other email).
    const at = (vendor: string) => p.vendorEmails?.[vendor] ?? p.user;
    if (limits.cursor && spentWith.has('cursor')) items.push(item('cursor', at('cursor')));
    if (limits.anthropic?.userLimits && spentWith.has('anthropic'))
      items.push(item('anthropic', at('anthropic')));
    const login =
      limits.copilot &&
      copilotLoginOf(limits.copilot.logins, [p.user, ...Object.values(p.vendorEmails ?? {})]);
    if (limits.copilot && login) items.push(item('copilot', login));
    if (items.length === before)
      skipped.push({
        subject: p.user,
        person: true,
        reason: `no limit API configured for ${[...spentWith].map(vendorDisplayName).join(', ') || 'their vendors'}${limits.copilot ? ' and no GitHub login in limits.copilot.logins' : ''}`,
      });
  }
  if (items.length === 0) return undefined;
  return {
    ...base(cond, f.teamName, f.asOf, now),
    rule: 'engineer-cap',
    reason: `${f.overCount} engineer${f.overCount === 1 ? '' : 's'} over the ${centsLabel(capCents)}/month cap in ${f.month}: a ${centsLabel(capCents)} monthly limit each at the vendors they use${wholeDollarNote(items, capCents)}`,
    items,
    skipped,
  };
}

/** The GitHub login `logins` (email → login) gives any of a person's emails, matched case-insensitively. */
function copilotLoginOf(
  logins: Readonly<Record<string, string>>,
  emails: readonly string[],
): string | undefined {
  const wanted = new Set(emails.map((e) => e.toLowerCase()));
  return Object.entries(logins).find(([email]) => wanted.has(email.toLowerCase()))?.[1];
}

/** " (Cursor and GitHub take whole dollars: $1,499)" when the cap has cents and such a vendor is in. */
function wholeDollarNote(items: readonly LimitItem[], capCents: number): string {
  if (capCents % 100 === 0 || !items.some((i) => WHOLE_DOLLAR_VENDORS.has(i.vendor))) return '';
  return ` (Cursor and GitHub take whole dollars: ${centsLabel(capAmountAt('cursor', capCents))} there)`;
}

function budgetProposal(
  limits: LimitsConfig,
  cond: AlertCondition,
  f: BudgetFacts,
  now: Date,
  share: TeamSpendShare | undefined,
): LimitProposal | undefined {
  const workspace = limits.anthropic?.workspaces[cond.team];
  if (!workspace || !share || share.dailyUsd <= 0) return undefined;
  const vendorShare = (share.vendorDailyUsd.get('anthropic') ?? 0) / share.dailyUsd;
  if (vendorShare <= 0) return undefined;
  const leftUsd = Math.max(0, f.budgetUsd - f.spentToDateUsd);
  const daysLeft = Math.max(1, diffDays(f.asOf, f.fiscalYearEnd));
  const months = Math.max(1, daysLeft / DAYS_PER_MONTH);
  // Whole dollars, rounded down: at the limit the team ends the year at or under its budget.
  const monthlyUsd = Math.floor((leftUsd * vendorShare) / months);
  const pct = Math.round(vendorShare * 100);
  return {
    ...base(cond, f.teamName, f.asOf, now),
    rule: 'budget',
    reason: `${f.teamName} is forecast to spend ${usd(f.yearEndUsd.p50)} against a ${usd(f.budgetUsd)} budget; ${usd(leftUsd)} is left for ${months.toFixed(1)} months and Anthropic is ${pct}% of recent spend, so its workspace gets ${usd(monthlyUsd)} a month`,
    items: [
      {
        id: `anthropic:workspace:${workspace.workspaceId}`,
        vendor: 'anthropic',
        scope: 'workspace',
        subject: workspace.workspaceId,
        person: false,
        amountCents: monthlyUsd * 100,
        period: 'monthly',
        state: 'pending',
      },
    ],
    skipped: [],
  };
}

/**
 * The limits a team's fired cap or budget condition calls for, measured against the team's last 28
 * days (the daily job and `burnwatch limits propose` alike): undefined for other rules, a recovery,
 * or when no configured vendor can set one.
 */
export function proposeLimitsForTeam(opts: {
  readonly config: BurnwatchConfig;
  readonly cond: AlertCondition;
  readonly totals: readonly TeamDaySourceTotal[];
  readonly asOf: IsoDay;
  readonly now: Date;
}): LimitProposal | undefined {
  if (opts.cond.rule !== 'engineer-cap' && opts.cond.rule !== 'budget') return undefined;
  if (!limitsConfigured(opts.config.limits)) return undefined;
  const basis = planBasis(opts.totals, opts.asOf, 0);
  return proposeLimits({
    config: opts.config,
    cond: opts.cond,
    now: opts.now,
    share: { dailyUsd: basis.dailyUsd, vendorDailyUsd: basis.vendorDailyUsd },
  });
}

/** "$1,500/month" from cents (whole dollars shown without cents). */
export function centsLabel(amountCents: number | null): string {
  if (amountCents === null) return 'no limit';
  const dollars = amountCents / 100;
  return Number.isInteger(dollars)
    ? usd(dollars)
    : `$${dollars.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** "Cursor limit for amy@corp.com" (persons) or "Anthropic workspace wrkspc_…". */
export function itemLabel(item: Pick<LimitItem, 'vendor' | 'scope' | 'subject'>): string {
  return item.scope === 'user'
    ? `${vendorDisplayName(item.vendor)} · ${item.subject}`
    : `${vendorDisplayName(item.vendor)} workspace ${item.subject}`;
}

/**
 * An item's error as channels and the record's summary may show it: a vendor's refusal often quotes
 * the engineer ("alice@acme.com is not a member"), so a person's subject and any email address in it
 * are replaced. The error as received stays on the item, for per-person viewers.
 */
export function personFreeError(item: Pick<LimitItem, 'subject' | 'person' | 'error'>): string | undefined {
  if (item.error === undefined) return undefined;
  let text = item.error;
  if (item.person) text = text.split(item.subject).join('the engineer');
  return text.replace(/[^\s<>()"'`,;:]+@[^\s<>()"'`,;:]+\.[A-Za-z]{2,}/g, '(an email)');
}

/** One line for a channel: counts only, never who. */
export function proposalSummary(p: LimitProposal): string {
  const groups = new Map<string, { n: number; amount: number; scope: string }>();
  for (const i of p.items) {
    const key = `${i.vendor}:${i.scope}:${i.amountCents}`;
    const g = groups.get(key) ?? { n: 0, amount: i.amountCents, scope: i.scope };
    g.n++;
    groups.set(key, g);
  }
  return [...groups]
    .map(([key, g]) => {
      const vendor = vendorDisplayName(key.split(':')[0] ?? '');
      return g.scope === 'user'
        ? `${vendor}: ${centsLabel(g.amount)}/month for ${g.n} engineer${g.n === 1 ? '' : 's'}`
        : `${vendor}: ${centsLabel(g.amount)}/month on the team's workspace`;
    })
    .join('; ');
}
