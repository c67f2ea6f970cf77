import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { IsoDay } from '../../core/dates.js';
import { MODEL_TIERS } from '../../core/models.js';
import {
  DAY_STATUSES,
  type SourceDayManifest,
  type TeamDaySourceTotal,
  VENDOR_ANSWERS,
} from '../../core/ports.js';
import { CHARGE_KINDS, isBillable, lineKey, type UsageRecord } from '../../core/usage.js';
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

export function lineToItem(
  line: UsageRecord,
  generation: string,
  fetchedAt: string,
): Record<string, unknown> {
  return {
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
}

/**
 * A digest of a day's rows, independent of their order: equal digests mean a re-pull returned
 * exactly what is stored (the usual case for the trailing window), so no row needs writing.
 */
export function contentHash(rows: readonly UsageRecord[]): string {
  const canonical = rows
    .map((r) =>
      JSON.stringify(
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
      ),
    )
    .sort();
  const hash = createHash('sha256');
  for (const line of canonical) hash.update(line).update('\n');
  return hash.digest('base64url');
}

/** Key of a (source, day) pair in maps of current generations. */
export const sourceDayKey = (source: string, date: IsoDay) => `${source}|${date}`;
