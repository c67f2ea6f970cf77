import { createAttributor } from '../attribution.js';
import type { BurnwatchConfig } from '../config/schema.js';
import { addDays, type IsoDay } from '../dates.js';
import { seatsOnDay } from '../ingest/seat-history.js';
import { microsToCentsNumber, usdToMicros } from '../money.js';
import type { SourceDayManifest, StateStore, TeamDaySourceTotal, UsageStore } from '../ports.js';
import type { PersonIds } from './active-people.js';
import { createIdentityResolver, type IdentityResolver } from './identity.js';
import { loadMembers, memberEmails } from './member-directory.js';
import { type IdleSeats, type SeatVendor, WEEKS } from './metrics.js';

/**
 * Reads what the outcome metrics need beyond the day totals, once for the whole organization: who
 * was active on which day (per team, one person across vendors), which identities could not be
 * matched to a person, and who holds a Copilot or Cursor seat without using it. Per-person lines are
 * read only for the 12 weeks to as-of, only where a day's totals say a source had people that day.
 */

/** Days of no activity after which a paid seat counts as idle. */
export const IDLE_AFTER_DAYS = 30;

export interface OrgActivity {
  /** team → day → people (identity.ts keys) with AI activity. */
  readonly byTeam: ReadonlyMap<string, ReadonlyMap<IsoDay, ReadonlySet<string>>>;
  /** team → identities no rule or GitHub email maps to a person (`github:login`), sorted. */
  readonly unmatched: ReadonlyMap<string, readonly string[]>;
  /** vendor → seat holder (login or email, lower case) → their last active day, org-wide. */
  readonly lastActive: ReadonlyMap<SeatVendor, ReadonlyMap<string, IsoDay>>;
}

export type OutcomeStore = UsageStore & Partial<Pick<StateStore, 'getState' | 'listStates'>>;

function stateOf(store: OutcomeStore): Pick<StateStore, 'getState' | 'listStates'> | undefined {
  return store.getState && store.listStates
    ? { getState: store.getState.bind(store), listStates: store.listStates.bind(store) }
    : undefined;
}

/** The identity resolver with the member emails every `github` source last read. */
export async function loadIdentityResolver(
  config: BurnwatchConfig,
  store: OutcomeStore,
): Promise<IdentityResolver> {
  const emails = new Map<string, string>();
  const state = stateOf(store);
  if (state)
    for (const s of config.sources.filter((x) => x.enabled && x.type === 'github')) {
      const dir = await loadMembers(state, s.id);
      for (const [login, email] of memberEmails(dir?.members ?? [])) emails.set(login, email);
    }
  return createIdentityResolver(config.identities, emails);
}

function getMap<K, K2, V>(m: Map<K, Map<K2, V>>, k: K): Map<K2, V> {
  let v = m.get(k);
  if (!v) {
    v = new Map();
    m.set(k, v);
  }
  return v;
}
function getSet<K, V>(m: Map<K, Set<V>>, k: K): Set<V> {
  let v = m.get(k);
  if (!v) {
    v = new Set();
    m.set(k, v);
  }
  return v;
}

/**
 * The people a team's lines of one source-day name (their emails and logins), read from the store
 * once per committed generation of the day (the store answers from the day's digest where ingest
 * kept the list): a generation never changes (docs/storage.md), so the forecast job, `/burn`'s
 * summaries and the report, run one after another in a process, read each day once. Kept per store,
 * at most MEMO_ENTRIES days, oldest dropped first.
 */
const MEMO = new WeakMap<object, Map<string, readonly PersonIds[]>>();
const MEMO_ENTRIES = 50_000;

async function peopleOfDay(
  store: UsageStore,
  row: TeamDaySourceTotal,
  team: string,
  manifest: SourceDayManifest | undefined,
): Promise<readonly PersonIds[]> {
  const key = manifest?.generation ? `${row.source}|${row.date}|${team}|${manifest.generation}` : undefined;
  let memo = MEMO.get(store);
  if (!memo) {
    memo = new Map();
    MEMO.set(store, memo);
  }
  const known = key ? memo.get(key) : undefined;
  if (known) return known;
  const people = await store.activePeople(row.source, row.date, team, manifest);
  if (key) {
    memo.set(key, people);
    if (memo.size > MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
  }
  return people;
}

/** Runs `work` over `items` with at most `limit` at a time (DynamoDB reads: one query each). */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

export async function collectOrgActivity(opts: {
  readonly config: BurnwatchConfig;
  readonly store: OutcomeStore;
  readonly asOf: IsoDay;
  readonly totalsByTeam: ReadonlyMap<string, readonly TeamDaySourceTotal[]>;
  readonly resolver: IdentityResolver;
  /** The sources' manifests for the range, when read already: a day's people are then read once per generation. */
  readonly manifests?: readonly SourceDayManifest[];
  /**
   * The day totals of the teams not computed (`burnwatch burn TEAM`), over at least the last
   * IDLE_AFTER_DAYS: read for seat activity only, since a seat assigned through one team is in use
   * whichever team its holder's usage is attributed to (`seatActivityDays`).
   */
  readonly otherTeamsTotals?: ReadonlyMap<string, readonly TeamDaySourceTotal[]>;
}): Promise<OrgActivity> {
  const { config, asOf } = opts;
  const from = addDays(asOf, -(7 * WEEKS - 1));
  const typeOf = new Map(config.sources.map((s) => [s.id, s.type]));
  const reads: Array<{ team: string; row: TeamDaySourceTotal; seatsOnly?: true }> = [];
  const seatsSince = addDays(asOf, -(IDLE_AFTER_DAYS - 1));
  for (const [team, totals] of opts.otherTeamsTotals ?? [])
    for (const row of totals)
      if (
        row.date >= seatsSince &&
        row.date <= asOf &&
        row.lines > 0 &&
        isSeatActivity(typeOf.get(row.source), row)
      )
        reads.push({ team, row, seatsOnly: true });
  for (const [team, totals] of opts.totalsByTeam)
    for (const row of totals) {
      const type = typeOf.get(row.source);
      // Merged PRs are not AI activity. A source since removed from the config still had its people.
      if (
        row.date < from ||
        row.date > asOf ||
        row.lines === 0 ||
        type === 'github' ||
        row.vendor === 'github'
      )
        continue;
      // Day totals count people by email; Copilot's usage metrics name them by login.
      if (row.activeUsers > 0 || type === 'copilot-metrics') reads.push({ team, row });
    }
  const byTeam = new Map<string, Map<IsoDay, Set<string>>>();
  const unmatched = new Map<string, Set<string>>();
  const lastActive = new Map<SeatVendor, Map<string, IsoDay>>([
    ['copilot', new Map()],
    ['cursor', new Map()],
  ]);
  const seen = (vendor: SeatVendor, who: string, day: IsoDay) => {
    const m = lastActive.get(vendor);
    const was = m?.get(who);
    if (m && (!was || was < day)) m.set(who, day);
  };
  const manifestOf = new Map((opts.manifests ?? []).map((m) => [`${m.source}|${m.date}`, m]));
  await pool(reads, 12, async ({ team, row, seatsOnly }) => {
    const people = await peopleOfDay(opts.store, row, team, manifestOf.get(`${row.source}|${row.date}`));
    const type = typeOf.get(row.source);
    for (const ids of people) {
      const person = opts.resolver.personOf(ids);
      if (!person) continue;
      if (!seatsOnly) {
        getSet(getMap(byTeam, team), row.date).add(person.key);
        if (!person.resolved) getSet(unmatched, team).add(person.key);
      }
      if (type === 'copilot-metrics' && ids.githubLogin)
        seen('copilot', ids.githubLogin.toLowerCase(), row.date);
      if (row.vendor === 'cursor' && ids.userEmail) seen('cursor', ids.userEmail.toLowerCase(), row.date);
    }
  });
  return {
    byTeam,
    unmatched: new Map([...unmatched].map(([t, s]) => [t, [...s].sort()])),
    lastActive,
  };
}

/** Rows that tell whether a paid seat is in use: Copilot's usage metrics and Cursor's usage. */
function isSeatActivity(
  type: string | undefined,
  row: Pick<TeamDaySourceTotal, 'vendor' | 'activeUsers'>,
): boolean {
  return type === 'copilot-metrics' || (row.vendor === 'cursor' && row.activeUsers > 0);
}

/**
 * The days of the other teams' totals `collectOrgActivity` needs for seat activity (the last
 * IDLE_AFTER_DAYS), or undefined where the config has no seats to tell idle (no Copilot or Cursor
 * source): then nothing more is read.
 */
export function seatActivityDays(
  config: BurnwatchConfig,
  asOf: IsoDay,
): { from: IsoDay; to: IsoDay } | undefined {
  const seats = config.sources.some((s) => s.enabled && (s.type === 'copilot' || s.type === 'cursor'));
  return seats ? { from: addDays(asOf, -(IDLE_AFTER_DAYS - 1)), to: asOf } : undefined;
}

export interface TeamSeats {
  readonly summary: IdleSeats[];
  /** Who holds each idle seat (per-person detail: viewers config.privacy allows only), by name. */
  readonly holders: Array<{ vendor: SeatVendor; login: string }>;
}

/**
 * Idle paid seats per team as of `asOf`: Copilot seats (burnwatch's seat snapshots, attributed by
 * the Copilot source's rules as its seat spend is) whose holder has no Copilot usage-metrics activity
 * in the 30 days to as-of, and Cursor seats (its member list) whose member has no Cursor activity in
 * them. A vendor is left out where idle cannot be told from active: no seat snapshot, or (Copilot)
 * no usage-metrics source for the organization that delivered a day in the 30.
 */
export async function idleSeatsByTeam(opts: {
  readonly config: BurnwatchConfig;
  readonly store: OutcomeStore;
  readonly asOf: IsoDay;
  readonly manifests: readonly SourceDayManifest[];
  readonly activity: OrgActivity;
}): Promise<Map<string, TeamSeats>> {
  const out = new Map<string, TeamSeats>();
  const state = stateOf(opts.store);
  if (!state) return out;
  const since = addDays(opts.asOf, -(IDLE_AFTER_DAYS - 1));
  const delivered = (source: string) =>
    opts.manifests.some(
      (m) =>
        m.source === source &&
        m.date >= since &&
        m.date <= opts.asOf &&
        m.records > 0 &&
        (m.status === 'complete' || m.status === 'provisional'),
    );
  const idleMicros = new Map<string, bigint>();
  const add = (team: string, vendor: SeatVendor, login: string, idle: boolean, priceMicros: bigint) => {
    const t = out.get(team) ?? { summary: [], holders: [] };
    out.set(team, t);
    let row = t.summary.find((s) => s.vendor === vendor);
    if (!row) {
      row = { vendor, seats: 0, idle: 0, monthlyUsd: 0 };
      t.summary.push(row);
    }
    row.seats += 1;
    if (idle) {
      row.idle += 1;
      const key = `${team}|${vendor}`;
      const micros = (idleMicros.get(key) ?? 0n) + priceMicros;
      idleMicros.set(key, micros);
      row.monthlyUsd = microsToCentsNumber(micros);
      t.holders.push({ vendor, login });
    }
  };
  for (const s of opts.config.sources.filter((x) => x.enabled)) {
    if (s.type === 'copilot') {
      const metrics = opts.config.sources.find(
        (m) =>
          m.enabled &&
          m.type === 'copilot-metrics' &&
          m.organization.toLowerCase() === s.organization.toLowerCase(),
      );
      if (!metrics || !delivered(metrics.id)) continue;
      const seats = await seatsOnDay(state, s.id, opts.asOf);
      if (!seats) continue;
      const attribute = createAttributor(s.attribution);
      const active = opts.activity.lastActive.get('copilot');
      for (const seat of seats) {
        if (seat.createdOn > opts.asOf || (seat.cancelOn && seat.cancelOn < opts.asOf)) continue;
        const team = attribute(seat.team ? { githubTeam: seat.team } : { account: seat.login });
        const last = active?.get(seat.login.toLowerCase());
        const idle = seat.createdOn < since && !(last && last >= since);
        add(team, 'copilot', seat.login, idle, usdToMicros(s.seatPriceUsdPerMonth));
      }
    } else if (s.type === 'cursor') {
      const members = await seatsOnDay(state, s.id, opts.asOf);
      if (!members) continue;
      const attribute = createAttributor(s.attribution);
      const active = opts.activity.lastActive.get('cursor');
      for (const m of members) {
        const last = active?.get(m.login.toLowerCase());
        add(
          attribute({ userEmail: m.login }),
          'cursor',
          m.login,
          !(last && last >= since),
          usdToMicros(s.seatPriceUsdPerMonth),
        );
      }
    }
  }
  for (const t of out.values()) {
    t.summary.sort((a, b) => (a.vendor < b.vendor ? -1 : 1));
    t.holders.sort((a, b) => a.login.localeCompare(b.login) || (a.vendor < b.vendor ? -1 : 1));
  }
  return out;
}
