import type { IdentitiesConfig } from './config/schema.js';
import { type IsoDay, monthOf } from './dates.js';
import { type Micros, microsToUsd } from './money.js';
import { createIdentityResolver } from './outcomes/identity.js';
import type { TeamDaySourceTotal } from './ports.js';
import type { UsageRecord, VendorUsageLine } from './usage.js';

/**
 * What the per-engineer monthly cap counts, defined once: a person's cost is the sum of `costMicros`
 * of every line whose `userEmail` (as Cursor and Claude Code report it) is theirs, billable or detail.
 * Ingest keeps these sums per team and day (a digest) and per team and month (a rollup) with every
 * replacement of a day, keyed by the email exactly as the vendor spells it, so the cap reads one
 * rollup per team instead of every line of every day; reading the lines gives the same answer. The
 * emails are merged into people only when the cap is computed (`peopleOverCap`, with `PersonKey`):
 * `Ana@pay.example` on Cursor and `ana@pay.example` on Claude Code are one person, and so is an
 * alias of `identities.people[]`, whatever the stored rollups were written with.
 */

/** One person's cost from one source over some days. */
export interface PersonCost {
  readonly user: string;
  readonly source: string;
  readonly micros: Micros;
}

/** The team-day rows a month-to-date read covers: the days and sources that had active people. */
export type PersonDay = Pick<TeamDaySourceTotal, 'source' | 'date'>;

/** The rows the per-engineer cap counts as of `asOf`: its calendar month to `asOf`, days with people. */
export function capRows<T extends Pick<TeamDaySourceTotal, 'date' | 'activeUsers'>>(
  totals: readonly T[],
  asOf: IsoDay,
): T[] {
  const month = monthOf(asOf);
  return totals.filter((t) => monthOf(t.date) === month && t.date <= asOf && t.activeUsers > 0);
}

/** A person over the cap this month: their month to date (USD, cents) and the vendors they spent with. */
export interface PersonOverCap {
  /** The person's canonical email (lower case; `identities.people[].email` for an alias). */
  readonly user: string;
  readonly monthUsd: number;
  readonly vendors: readonly string[];
  /**
   * The email each vendor knows them by (its spelling with the most spend), where it is not `user`:
   * what a per-user limit at that vendor must name.
   */
  readonly vendorEmails?: Readonly<Record<string, string>>;
}

/** The person a vendor's `userEmail` is: the same key for every spelling of the same engineer. */
export type PersonKey = (userEmail: string) => string;

/** Case and surrounding spaces never make two people (what the outcome metrics count too). */
export const emailPersonKey: PersonKey = (userEmail) => userEmail.trim().toLowerCase();

/** The person key of a config's identities: the lower-cased email, through `identities.people[]` aliases. */
export function personKeyOf(identities: IdentitiesConfig): PersonKey {
  const resolver = createIdentityResolver(identities);
  return (userEmail) => resolver.personOf({ userEmail })?.key ?? emailPersonKey(userEmail);
}

/**
 * The people whose month to date, summed over sources, is over `capUsd`, by name (never ranked): the
 * cap rule's verdict and what `/burn` shows the viewers config.privacy allows. `vendorOfSource` names
 * the vendor a cap could be set at for each source a person spent with.
 */
export function peopleOverCap(
  costs: readonly PersonCost[],
  capUsd: number,
  vendorOfSource: ReadonlyMap<string, string>,
  personKey: PersonKey = emailPersonKey,
): PersonOverCap[] {
  const perPerson = new Map<string, Micros>();
  const personVendors = new Map<string, Set<string>>();
  /** person → vendor → the vendor's spelling of their email → its micros. */
  const spellings = new Map<string, Map<string, Map<string, Micros>>>();
  for (const c of costs) {
    const person = personKey(c.user);
    perPerson.set(person, (perPerson.get(person) ?? 0n) + c.micros);
    const vendor = vendorOfSource.get(c.source);
    if (!vendor || c.micros <= 0n) continue;
    personVendors.set(person, (personVendors.get(person) ?? new Set()).add(vendor));
    const byVendor = spellings.get(person) ?? new Map<string, Map<string, Micros>>();
    spellings.set(person, byVendor);
    const bySpelling = byVendor.get(vendor) ?? new Map<string, Micros>();
    byVendor.set(vendor, bySpelling);
    bySpelling.set(c.user, (bySpelling.get(c.user) ?? 0n) + c.micros);
  }
  return [...perPerson]
    .map(([user, m]) => {
      const vendorEmails = vendorEmailsOf(user, spellings.get(user));
      return {
        user,
        monthUsd: Math.round(microsToUsd(m) * 100) / 100,
        vendors: [...(personVendors.get(user) ?? [])].sort(),
        ...(vendorEmails ? { vendorEmails } : {}),
      };
    })
    .filter((p) => p.monthUsd > capUsd)
    .sort((a, b) => a.user.localeCompare(b.user));
}

/**
 * Each vendor's spelling of a person's email, where it is another email than the person's (an alias):
 * the one with the most spend, ties to the first in order. A spelling differing only in case is left
 * out: the vendors' limit APIs match emails case-insensitively.
 */
function vendorEmailsOf(
  person: string,
  byVendor: ReadonlyMap<string, ReadonlyMap<string, Micros>> | undefined,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [vendor, bySpelling] of byVendor ?? []) {
    let best: [string, Micros] | undefined;
    for (const [email, m] of [...bySpelling].sort(([a], [b]) => a.localeCompare(b)))
      if (!best || m > best[1]) best = [email, m];
    if (best && emailPersonKey(best[0]) !== person) out[vendor] = best[0];
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Each person's cost of one team over the given (source, day) pairs: what the cap rule reads. Stores
 * answer from their rollups and fall back to `personCostsFromLines` where a rollup cannot vouch for
 * a day (written before rollups, or mid-replacement).
 */
export type MonthToDateReader = (days: readonly PersonDay[]) => Promise<readonly PersonCost[]>;

/** Per-person costs of one team's lines on one source-day, as ingest streams them past. */
export class PersonDayTally {
  private readonly costs = new Map<string, Micros>();
  private anyone = false;

  add(line: Pick<VendorUsageLine, 'identities' | 'costMicros'>): void {
    const user = line.identities.userEmail;
    if (!user) return;
    this.anyone = true;
    this.costs.set(user, (this.costs.get(user) ?? 0n) + line.costMicros);
  }

  /** True when any line named a person (the team-day then has active users, even at zero cost). */
  get hasPeople(): boolean {
    return this.anyone;
  }

  /** People with a non-zero cost (a zero never counts toward a cap). */
  nonZero(): Map<string, Micros> {
    return new Map([...this.costs].filter(([, m]) => m !== 0n));
  }
}

/** Adds `from` into `into` (per user), `sign` 1 or -1. */
export function addCosts(into: Map<string, Micros>, from: ReadonlyMap<string, Micros>, sign: 1n | -1n): void {
  for (const [user, m] of from) {
    const next = (into.get(user) ?? 0n) + sign * m;
    if (next === 0n) into.delete(user);
    else into.set(user, next);
  }
}

/**
 * The month-to-date reader over stored lines, the definition the rollups must agree with: every
 * (source, day) given, its lines read with `linesOf`.
 */
export function personCostsFromLines(
  linesOf: (source: string, date: IsoDay) => Promise<readonly UsageRecord[]>,
): MonthToDateReader {
  return async (days) => {
    const bySource = new Map<string, Map<string, Micros>>();
    for (const d of days) {
      const costs = bySource.get(d.source) ?? new Map<string, Micros>();
      bySource.set(d.source, costs);
      const tally = new PersonDayTally();
      for (const line of await linesOf(d.source, d.date)) tally.add(line);
      addCosts(costs, tally.nonZero(), 1n);
    }
    return [...bySource].flatMap(([source, costs]) =>
      [...costs].map(([user, micros]) => ({ user, source, micros })),
    );
  };
}
