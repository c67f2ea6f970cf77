import { randomBytes } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { IsoDay } from '../../core/dates.js';
import type { ReplaceResult, SourceDayWrite, TeamDaySourceTotal } from '../../core/ports.js';
import { summarizeSourceDay } from '../../core/team-day.js';
import { lineKey, type UsageRecord } from '../../core/usage.js';
import { type BatchWriteOptions, batchWriteAll, type WriteRequest } from './batch-writer.js';
import { keys } from './keys.js';
import { batchGetAll, queryAll } from './reads.js';
import {
  contentHash,
  type GenerationRef,
  LEGACY_GENERATION,
  lineToItem,
  manifestItem,
  type StoredManifest,
  teamDayToItem,
} from './usage-items.js';

/** A write boundary of a replacement, named for fault-injection tests. */
export interface WritePoint {
  readonly phase: 'pending' | 'rows' | 'commit' | 'cleanup' | 'finalize';
  readonly date?: IsoDay;
}

export interface SourceDayWriterOptions {
  readonly batch?: BatchWriteOptions;
  /** Single-item manifest writes in flight at once. @default 8 */
  readonly concurrency?: number;
  readonly newGeneration?: () => string;
  /**
   * Called before every write request goes out; a test throws here to crash the replacement at that
   * boundary (an injectable failure point, not timing).
   */
  readonly beforeWrite?: (point: WritePoint) => void | Promise<void>;
}

/** Another run wrote the same source-day between this run's read and its write. */
export class ConcurrentIngestError extends Error {
  override readonly name = 'ConcurrentIngestError';
  readonly code = 'CONCURRENT_INGEST';
}

/** Sortable by time, unique per write: `G` + ms in base 36 + 6 random bytes. */
export const newGeneration = () => `G${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;

type DayPlan =
  | {
      kind: 'replace';
      write: SourceDayWrite;
      rows: readonly UsageRecord[];
      totals: readonly TeamDaySourceTotal[];
      generation: string;
      hash: string;
    }
  | { kind: 'unchanged'; write: SourceDayWrite }
  | { kind: 'coverage'; write: SourceDayWrite };

/**
 * The replacement protocol for one source's days (docs/storage.md, "Crash-safe replacement"): the
 * manifest of a (source, day) is the single commit point. New rows go under a fresh generation that
 * readers ignore until the manifest names it, so at every crash point a reader sees the old rows or
 * the new ones, never both and never neither:
 * 1. the manifest records the pending generation (so a crash leaves a trail to clean up);
 * 2. the new rows are written under it;
 * 3. the manifest is switched to it (the commit), listing the old generation as garbage;
 * 4. the old rows are deleted; 5. the manifest forgets the garbage.
 * Every manifest write is conditional on the version read, so two runs cannot both commit a day.
 */
export class SourceDayWriter {
  private readonly concurrency: number;
  private readonly generation: () => string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: SourceDayWriterOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.generation = options.newGeneration ?? newGeneration;
  }

  async write(source: string, days: readonly SourceDayWrite[]): Promise<ReplaceResult> {
    const seen = new Set<IsoDay>();
    for (const d of days) {
      if (seen.has(d.date)) throw new Error(`day ${d.date} listed twice for ${source}`);
      seen.add(d.date);
      if (d.rows === 'keep') continue;
      for (const r of d.rows) {
        if (r.source !== source)
          throw new Error(`record for source "${r.source}" passed to replace "${source}"`);
        if (r.date !== d.date)
          throw new Error(`record dated ${r.date} is outside the day ${d.date} being replaced`);
      }
    }
    const stored = await this.readManifests(source, [...seen]);
    const plans = days.map((write): DayPlan => {
      if (write.rows === 'keep') return { kind: 'coverage', write };
      checkUniqueLines(source, write.date, write.rows);
      const hash = contentHash(write.rows);
      const prev = stored.get(write.date);
      if (prev && prev.manifest.generation !== null && prev.contentHash === hash && !prev.pending)
        return { kind: 'unchanged', write };
      return {
        kind: 'replace',
        write,
        rows: write.rows,
        totals: summarizeSourceDay(source, write.date, write.rows),
        generation: this.generation(),
        hash,
      };
    });
    const versions = new Map<IsoDay, number>(days.map((d) => [d.date, stored.get(d.date)?.version ?? 0]));

    // 1. Pending: the new generation is recorded before any of its rows exist.
    const replacing = plans.filter((p): p is Extract<DayPlan, { kind: 'replace' }> => p.kind === 'replace');
    await this.forEach(replacing, async (p) => {
      const prev = stored.get(p.write.date);
      const teams = p.totals.map((t) => t.team);
      const item = {
        ...(prev ? storedFields(prev) : emptyFields(source, p.write.date, p.write.coverage.attemptedAt)),
        pending: { generation: p.generation, teams },
        ...listed(garbageOf(prev)),
      };
      versions.set(p.write.date, await this.putManifest(item, versions.get(p.write.date) ?? 0, 'pending'));
    });

    // 2. Rows under the new generation: invisible to readers until the commit.
    const rows: WriteRequest[] = [];
    for (const p of replacing) {
      for (const line of p.rows)
        rows.push({ PutRequest: { Item: lineToItem(line, p.generation, p.write.coverage.attemptedAt) } });
      for (const total of p.totals) rows.push({ PutRequest: { Item: teamDayToItem(total, p.generation) } });
    }
    await batchWriteAll(this.doc, this.table, rows, {
      ...this.options.batch,
      beforeSend: () => this.options.beforeWrite?.({ phase: 'rows' }),
    });

    // 3. Commit: one conditional write per day makes the new generation current.
    const garbage = new Map<IsoDay, GenerationRef[]>();
    await this.forEach(plans, async (p) => {
      const prev = stored.get(p.write.date);
      const coverage = p.write.coverage;
      let item: Record<string, unknown>;
      if (p.kind === 'replace') {
        const totals = p.totals;
        const old = garbageOf(prev);
        if (prev && prev.manifest.generation !== null)
          old.push({ generation: prev.manifest.generation, teams: [...prev.manifest.teams] });
        garbage.set(p.write.date, old);
        item = {
          source,
          date: p.write.date,
          generation: p.generation,
          teams: totals.map((t) => t.team),
          records: p.rows.length,
          costMicros: totals.reduce((s, t) => s + t.costMicros, 0n),
          provisional: p.rows.some((r) => r.provisional),
          fetchedAt: coverage.attemptedAt,
          contentHash: p.hash,
          ...coverage,
          ...listed(old),
        };
      } else {
        const base = prev ? storedFields(prev) : emptyFields(source, p.write.date, coverage.attemptedAt);
        const old = garbageOf(prev);
        garbage.set(p.write.date, old);
        item = {
          ...base,
          ...(p.kind === 'unchanged' ? { fetchedAt: coverage.attemptedAt } : {}),
          status: coverage.status,
          answer: coverage.answer,
          attemptedAt: coverage.attemptedAt,
          emptySince: coverage.emptySince,
          error: coverage.error,
          ...listed(old),
        };
      }
      versions.set(p.write.date, await this.putManifest(item, versions.get(p.write.date) ?? 0, 'commit'));
    });

    // 4. Cleanup: rows of replaced or abandoned generations. 5. The manifest forgets them.
    const deletes: WriteRequest[] = [];
    const sweeps = [...garbage].flatMap(([date, refs]) =>
      refs.flatMap((ref) => ref.teams.map((team) => ({ date, generation: ref.generation, team }))),
    );
    await this.forEach(sweeps, async (x) => {
      deletes.push(...(await this.rowsOf(source, x.date, x.generation, x.team)));
    });
    await batchWriteAll(this.doc, this.table, deletes, {
      ...this.options.batch,
      beforeSend: () => this.options.beforeWrite?.({ phase: 'cleanup' }),
    });
    await this.forEach(
      [...garbage].filter(([, refs]) => refs.length > 0),
      async ([date]) => {
        await this.options.beforeWrite?.({ phase: 'finalize', date });
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: keys.sourcePk(source), sk: keys.sourceDaySk(date) },
              UpdateExpression: 'REMOVE garbage SET version = :next',
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: {
                ':v': versions.get(date) ?? 0,
                ':next': (versions.get(date) ?? 0) + 1,
              },
            }),
          );
        } catch (err) {
          // Another run wrote the day since: the garbage stays listed and is cleaned by the next write.
          if (!(err instanceof Error && err.name === 'ConditionalCheckFailedException')) throw err;
        }
      },
    );
    const written = rows.length;
    return {
      days: days.length,
      written,
      deleted: deletes.length,
      unchanged: plans.filter((p) => p.kind === 'unchanged').length,
    };
  }

  /** The delete requests for one generation's rows of a source-day in one team's partitions. */
  private async rowsOf(
    source: string,
    date: IsoDay,
    generation: string,
    team: string,
  ): Promise<WriteRequest[]> {
    const out: WriteRequest[] = [
      { DeleteRequest: { Key: { pk: keys.teamPk(team), sk: keys.teamDaySk(date, source, generation) } } },
    ];
    const pk = keys.linesPk(source, date, team);
    const items = await this.queryAll(
      generation === LEGACY_GENERATION
        ? {
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: 'attribute_not_exists(generation)',
            ExpressionAttributeValues: { ':pk': pk },
            ProjectionExpression: 'sk',
          }
        : {
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :g)',
            ExpressionAttributeValues: { ':pk': pk, ':g': `${generation}#` },
            ProjectionExpression: 'sk',
          },
    );
    for (const i of items)
      out.push({ DeleteRequest: { Key: { pk, sk: z.object({ sk: z.string() }).parse(i).sk } } });
    return out;
  }

  /** Writes a manifest if its version is still `expected` (0 = must not exist); returns the new version. */
  private async putManifest(
    fields: Record<string, unknown>,
    expected: number,
    phase: WritePoint['phase'],
  ): Promise<number> {
    const date = String(fields.date);
    const source = String(fields.source);
    await this.options.beforeWrite?.({ phase, date });
    const version = expected + 1;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...fields,
            pk: keys.sourcePk(source),
            sk: keys.sourceDaySk(date),
            type: 'sourceDay',
            version,
          },
          ...(expected === 0
            ? { ConditionExpression: 'attribute_not_exists(version)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expected } }),
        }),
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException')
        throw new ConcurrentIngestError(
          `${source} ${date}: another ingest run wrote this day meanwhile; this run left it to that one (re-run to retry)`,
          { cause: err },
        );
      throw err;
    }
    return version;
  }

  /** Consistent reads of the days' manifests. */
  private async readManifests(
    source: string,
    dates: readonly IsoDay[],
  ): Promise<Map<IsoDay, StoredManifest>> {
    const items = await batchGetAll(
      this.doc,
      this.table,
      dates.map((d) => ({ pk: keys.sourcePk(source), sk: keys.sourceDaySk(d) })),
      { consistent: true },
    );
    return new Map(items.map((i) => manifestItem.parse(i)).map((m) => [m.manifest.date, m]));
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, this.table, { ...input, ConsistentRead: true });
  }

  /** Runs `fn` over `items`, `concurrency` at a time; stops taking new items after a failure and
   * settles everything in flight before throwing, so nothing is written after this returns. */
  private async forEach<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < items.length && !failed) {
        const item = items[next++] as T;
        try {
          await fn(item);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    const results = await Promise.allSettled(
      Array.from({ length: Math.min(this.concurrency, items.length) }, worker),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
}

/** The fields of a stored manifest as they are, for a write that changes only some of them. */
function storedFields(s: StoredManifest): Record<string, unknown> {
  const m = s.manifest;
  return {
    source: m.source,
    date: m.date,
    // Legacy rows (no generation) stay current under generation '' until replaced.
    ...(m.generation !== null ? { generation: m.generation } : {}),
    teams: [...m.teams],
    records: m.records,
    costMicros: m.costMicros,
    provisional: m.provisional,
    fetchedAt: m.fetchedAt,
    status: m.status,
    answer: m.answer,
    attemptedAt: m.attemptedAt,
    emptySince: m.emptySince,
    error: m.error,
    contentHash: s.contentHash,
    ...listed(s.garbage),
  };
}

/** The garbage attribute, only when there is some (an absent list reads as empty). */
const listed = (garbage: readonly GenerationRef[]) => (garbage.length ? { garbage: [...garbage] } : {});

function emptyFields(source: string, date: IsoDay, at: string): Record<string, unknown> {
  return {
    source,
    date,
    teams: [],
    records: 0,
    costMicros: 0n,
    provisional: false,
    fetchedAt: null,
    status: 'missing',
    answer: 'absent',
    attemptedAt: at,
  };
}

/** What is left to delete for a day: listed garbage plus an abandoned pending generation. */
function garbageOf(s: StoredManifest | undefined): GenerationRef[] {
  if (!s) return [];
  return [...s.garbage, ...(s.pending ? [s.pending] : [])];
}

function checkUniqueLines(source: string, date: IsoDay, rows: readonly UsageRecord[]): void {
  const seen = new Set<string>();
  for (const r of rows) {
    const k = `${r.team}|${lineKey(r)}`;
    if (seen.has(k)) throw new Error(`duplicate line ${lineKey(r)} for ${source} ${date} ${r.team}`);
    seen.add(k);
  }
}
