import { hash } from 'node:crypto';
import * as z from 'zod';
import type { IsoDay } from '../../core/dates.js';
import { MODEL_TIERS } from '../../core/models.js';
import type { PersonIds } from '../../core/outcomes/active-people.js';
import {
  DAY_STATUSES,
  type SourceDayManifest,
  type TeamDaySourceTotal,
  VENDOR_ANSWERS,
} from '../../core/ports.js';
import { CHARGE_KINDS, isBillable, lineKey, personOf, type UsageRecord } from '../../core/usage.js';
import { VENDOR_ID_PATTERN } from '../../core/vendors.js';
import { keys } from './keys.js';

/**
 * Usage items as stored (docs/storage.md): lines and team-day totals carry the generation of the
 * write that made them; the source-day manifest names the generation readers see. Items written
 * before generations existed have none: they are generation `''`, current while their manifest has
 * no `status` either.
 */

/** The generation of items and manifests written before generations existed. */
export const LEGACY_GENERATION = '';

const vendorId = z.string().regex(VENDOR_ID_PATTERN);

/** Integers come back as bigint (see `createDocumentClient`); counts are narrowed to number here. */
const micros = z.bigint();
const count = z.union([z.bigint(), z.number()]).transform(Number);
const tokensSchema = z
  .object({
    input: count.optional(),
    output: count.optional(),
    cacheRead: count.optional(),
    cacheWrite: count.optional(),
  })
  .partial();

export const teamDayItem = z.object({
  team: z.string(),
  date: z.string(),
  source: z.string(),
  generation: z.string().default(LEGACY_GENERATION),
  vendor: vendorId,
  costMicros: micros,
  byModel: z.record(z.string(), micros),
  tokens: tokensSchema,
  outcomes: z.record(z.string(), count).default({}),
  activeUsers: count.default(0),
  lines: count,
  provisional: z.boolean(),
});

export const lineItem = z.object({
  date: z.string(),
  source: z.string(),
  team: z.string(),
  vendor: vendorId,
  identities: z.record(z.string(), z.string()),
  lineItem: z.string(),
  model: z.string().optional(),
  modelId: z.string().optional(),
  modelFamily: z.string().optional(),
  modelTier: z.enum(MODEL_TIERS).optional(),
  charge: z.enum(CHARGE_KINDS).optional(),
  costMicros: micros,
  tokens: tokensSchema.optional(),
  quantity: z
    .object({ value: z.union([z.bigint(), z.number()]).transform(Number), unit: z.string() })
    .optional(),
  outcomes: z.record(z.string(), count).optional(),
  provisional: z.boolean(),
  billable: z.boolean(),
});

/** A generation some write made and where its rows are: the teams whose partitions hold them. */
const generationRef = z.object({ generation: z.string(), teams: z.array(z.string()) });
export type GenerationRef = z.infer<typeof generationRef>;

/** The stored manifest: the port's `SourceDayManifest` plus the replacement protocol's bookkeeping. */
export const manifestItem = z
  .object({
    source: z.string(),
    date: z.string(),
    generation: z.string().optional(),
    teams: z.array(z.string()),
    records: count,
    costMicros: micros,
    provisional: z.boolean(),
    fetchedAt: z.string().nullable().optional(),
    committedAt: z.string().optional(),
    status: z.enum(DAY_STATUSES).optional(),
    answer: z.enum(VENDOR_ANSWERS).optional(),
    attemptedAt: z.string().optional(),
    emptySince: z.string().optional(),
    error: z.string().optional(),
    /** Optimistic concurrency: every manifest write expects the version it read. */
    version: count.default(0),
    /** Hash of the committed rows: a re-pull with identical rows writes no rows. */
    contentHash: z.string().optional(),
    /** A replacement under way (or abandoned by a crash): its rows are not current. */
    pending: generationRef.optional(),
    /** Generations replaced or abandoned whose rows are still to be deleted. */
    garbage: z.array(generationRef).default([]),
  })
  .transform((m) => {
    const legacy = m.status === undefined;
    const manifest: SourceDayManifest & { unfinished: boolean } = {
      source: m.source,
      date: m.date,
      generation: legacy ? LEGACY_GENERATION : (m.generation ?? null),
      teams: m.teams,
      records: m.records,
      costMicros: m.costMicros,
      provisional: m.provisional,
      fetchedAt: m.fetchedAt ?? null,
      ...(m.committedAt ? { committedAt: m.committedAt } : {}),
      status: m.status ?? (m.provisional ? 'provisional' : 'complete'),
      answer: m.answer ?? 'rows',
      attemptedAt: m.attemptedAt ?? m.fetchedAt ?? '1970-01-01T00:00:00.000Z',
      ...(m.emptySince ? { emptySince: m.emptySince } : {}),
      ...(m.error ? { error: m.error } : {}),
      unfinished: m.pending !== undefined || m.garbage.length > 0,
    };
    return {
      manifest,
      version: m.version,
      contentHash: m.contentHash,
      pending: m.pending,
      garbage: m.garbage,
    };
  });
export type StoredManifest = z.infer<typeof manifestItem>;

export function teamDayToItem(t: TeamDaySourceTotal, generation: string): Record<string, unknown> {
  return {
    pk: keys.teamPk(t.team),
    sk: keys.teamDaySk(t.date, t.source, generation),
    type: 'teamDay',
    generation,
    team: t.team,
    date: t.date,
    source: t.source,
    vendor: t.vendor,
    costMicros: t.costMicros,
    byModel: t.byModel,
    tokens: t.tokens,
    outcomes: t.outcomes,
    activeUsers: t.activeUsers,
    lines: t.lines,
    provisional: t.provisional,
  };
}

/**
 * Whether a line is per-person detail that retention expires: it names someone by email
 * (`personOf`) or by GitHub login (GitHub outcomes and Copilot metrics when no email is known, which
 * are just as much one person's day).
 */
const namesPerson = (line: UsageRecord) =>
  personOf(line) !== undefined || (line.identities.githubLogin ?? '') !== '';

/**
 * A line as stored. `expiresAt` (epoch seconds, the table's TTL attribute) is set on lines about a
 * person (`namesPerson`: per-user detail) when the write carries a retention; other lines, team-day
 * totals and rollups never expire.
 */
export function lineToItem(
  line: UsageRecord,
  generation: string,
  fetchedAt: string,
  expiresAt?: number,
): Record<string, unknown> {
  const item: Record<string, unknown> = {
    pk: keys.linesPk(line.source, line.date, line.team),
    sk: keys.lineSk(generation, lineKey(line)),
    type: 'line',
    generation,
    date: line.date,
    source: line.source,
    team: line.team,
    vendor: line.vendor,
    identities: line.identities,
    lineItem: line.lineItem,
    model: line.model,
    modelId: line.modelId,
    modelFamily: line.modelFamily,
    modelTier: line.modelTier,
    charge: line.charge,
    costMicros: line.costMicros,
    tokens: line.tokens,
    quantity: line.quantity,
    outcomes: line.outcomes,
    provisional: line.provisional,
    billable: isBillable(line),
    fetchedAt,
  };
  if (expiresAt !== undefined && namesPerson(line)) item.expiresAt = expiresAt;
  return item;
}

/** What the content hash covers of a line: everything stored about it except when it was fetched. */
function canonicalLine(r: UsageRecord): string {
  return JSON.stringify(
    [
      r.team,
      lineKey(r),
      r.vendor,
      r.model ?? null,
      r.modelId ?? null,
      r.modelFamily ?? null,
      r.modelTier ?? null,
      r.costMicros,
      r.tokens ?? null,
      r.quantity ?? null,
      r.outcomes ?? null,
      r.provisional,
      isBillable(r),
    ],
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

const HASH_MODULUS = 1n << 256n;
/** Marks hashes of this scheme: a manifest hashed the old way (sorted lines) never matches, so such a day is rewritten once. */
const HASH_SCHEME = 'v2:';

/**
 * A digest of a day's rows, independent of their order and fed one line at a time (so a streamed
 * day needs no sort): the sum of each line's SHA-256 modulo 2^256. Equal digests mean a re-pull
 * returned exactly what is stored (the usual case for the trailing window), so no row needs writing.
 */
export class ContentHasher {
  private sum = 0n;
  private count = 0;

  add(r: UsageRecord): void {
    // The one-shot hash: the same SHA-256, without a Hash object per line (about half the CPU).
    const digest = hash('sha256', canonicalLine(r));
    // Reduced once, in digest(): the same sum modulo 2^256, without a division per line.
    this.sum += BigInt(`0x${digest}`);
    this.count++;
  }

  digest(): string {
    return `${HASH_SCHEME}${this.count}:${(this.sum % HASH_MODULUS).toString(36)}`;
  }
}

/** The content hash of a day's rows, in any order. */
export function contentHash(rows: readonly UsageRecord[]): string {
  const hasher = new ContentHasher();
  for (const r of rows) hasher.add(r);
  return hasher.digest();
}

/** People per digest item: about 80 KB each, far under DynamoDB's 400 KB item limit. */
export const PEOPLE_PER_DIGEST = 2000;

/**
 * A team-day's per-person costs under one generation (core/person-costs.ts), in chunks: written with
 * the day's rows, invisible until the manifest names the generation, deleted with it. It exists
 * whenever the team-day has lines naming a person (`people` may then be empty: all at zero cost).
 * `active`: everyone the team-day's lines name, at any cost, by email and/or login
 * (core/outcomes/active-people.ts), what the outcome metrics read; in every chunk, maybe empty.
 */
export function peopleDayItems(opts: {
  source: string;
  date: IsoDay;
  team: string;
  generation: string;
  people: ReadonlyMap<string, bigint>;
  active: readonly PersonIds[];
  expiresAt?: number;
}): Record<string, unknown>[] {
  const entries = [...opts.people];
  const active = opts.active.map(encodePersonIds);
  const chunks = Math.max(1, Math.ceil(Math.max(entries.length, active.length) / PEOPLE_PER_DIGEST));
  return Array.from({ length: chunks }, (_, k) => ({
    pk: keys.teamPk(opts.team),
    sk: keys.peopleDaySk(opts.date, opts.source, opts.generation, k),
    type: 'peopleDay',
    team: opts.team,
    date: opts.date,
    source: opts.source,
    generation: opts.generation,
    people: Object.fromEntries(entries.slice(k * PEOPLE_PER_DIGEST, (k + 1) * PEOPLE_PER_DIGEST)),
    active: active.slice(k * PEOPLE_PER_DIGEST, (k + 1) * PEOPLE_PER_DIGEST),
    ...(opts.expiresAt !== undefined ? { expiresAt: opts.expiresAt } : {}),
  }));
}

// Emails and logins hold no newline: one string per person keeps a digest small.
const encodePersonIds = (p: PersonIds) => `${p.userEmail ?? ''}\n${p.githubLogin ?? ''}`;
export function decodePersonIds(text: string): PersonIds {
  const [userEmail = '', githubLogin = ''] = text.split('\n');
  return { ...(userEmail ? { userEmail } : {}), ...(githubLogin ? { githubLogin } : {}) };
}

export const peopleDayItem = z.object({
  sk: z.string(),
  generation: z.string(),
  people: z.record(z.string(), micros),
});

/** A digest's people list only; absent in digests written before it was kept. */
export const activePeopleItem = z.object({ active: z.array(z.string()).optional() });

/**
 * A team's per-person month to date from one source: the sum of the digests of the generations listed
 * in `applied` (day → generation). Readers trust it only where `applied` names exactly the generation
 * each day's manifest names for every day with people; anything else reads the digests. `overflow`:
 * too many people for one item, so only the digests are kept.
 */
export const peopleMonthItem = z.object({
  applied: z.record(z.string(), z.string()).default({}),
  people: z.record(z.string(), micros).default({}),
  overflow: z.boolean().default(false),
  version: count.default(0),
});
export type PeopleMonth = z.infer<typeof peopleMonthItem>;

/** Key of a (source, day) pair in maps of current generations. */
export const sourceDayKey = (source: string, date: IsoDay) => `${source}|${date}`;
