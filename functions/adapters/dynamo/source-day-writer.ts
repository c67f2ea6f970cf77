import { randomBytes } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { mapBounded } from '../../core/bounded.js';
import type { IsoDay } from '../../core/dates.js';
import type { Micros } from '../../core/money.js';
import { ActivePeopleTally } from '../../core/outcomes/active-people.js';
import { PersonDayTally } from '../../core/person-costs.js';
import type {
  DayCoverage,
  ReplaceResult,
  SourceDayStream,
  SourceDayWrite,
  TeamDaySourceTotal,
} from '../../core/ports.js';
import { TeamDayTally } from '../../core/team-day.js';
import { lineKey, type UsageRecord } from '../../core/usage.js';
import { type MarshalledItem, toAttributeValues } from './attribute-values.js';
import {
  type BatchWriteOptions,
  batchWriteAll,
  batchWriteMarshalled,
  batchWriteMarshalledStream,
  type MarshalledWriteRequest,
  type WriteRequest,
} from './batch-writer.js';
import { keys } from './keys.js';
import { PersonRollups, type RollupTarget } from './person-rollups.js';
import { batchGetAll, queryAll } from './reads.js';
import { SpillBuffer } from './spill-buffer.js';
import {
  ContentHasher,
  type GenerationRef,
  LEGACY_GENERATION,
  lineToItem,
  manifestItem,
  peopleDayItems,
  type StoredManifest,
  teamDayToItem,
} from './usage-items.js';

/** A write boundary of a replacement, named for fault-injection tests. */
export interface WritePoint {
  readonly phase: 'pending' | 'rows' | 'commit' | 'rollup' | 'cleanup' | 'finalize';
  readonly date?: IsoDay;
}

export interface SourceDayWriterOptions {
  readonly batch?: BatchWriteOptions;
  /** Single-item writes (manifests, rollups) and partition sweeps in flight at once. @default 8 */
  readonly concurrency?: number;
  readonly newGeneration?: () => string;
  /**
   * Called before every write request goes out; a test throws here to crash the replacement at that
   * boundary (an injectable failure point, not timing).
   */
  readonly beforeWrite?: (point: WritePoint) => void | Promise<void>;
  /** Items of a streamed day held in memory before the rest go to a scratch file. @default 10,000 */
  readonly spillAfter?: number;
}

/** Another run wrote the same source-day between this run's read and its write. */
export class ConcurrentIngestError extends Error {
  override readonly name = 'ConcurrentIngestError';
  readonly code = 'CONCURRENT_INGEST';
}

/** Sortable by time, unique per write: `G` + ms in base 36 + 6 random bytes. */
export const newGeneration = () => `G${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;

/**
 * BatchWriteItem requests of new rows in flight. bench:ingest's raw baseline on DynamoDB Local put
 * 8–64 in flight within 1.5× of each other, 32 most often the fastest (the fastest varies with the
 * machine's load); a deployed table on demand takes far more.
 */
const ROW_BATCHES_IN_FLIGHT = 32;

/** What a day's read sums per team: its totals, each person's cost, and who was active. */
interface TeamTallies {
  readonly total: TeamDayTally;
  readonly people: PersonDayTally;
  readonly active: ActivePeopleTally;
}

/** One day's rows, read once (validated, hashed and summed) before anything is written. */
interface ReadDay {
  readonly generation: string;
  readonly hash: string;
  readonly records: number;
  readonly provisional: boolean;
  readonly totals: readonly TeamDaySourceTotal[];
  /** Per-person costs of each team whose lines name a person (core/person-costs.ts). */
  readonly people: ReadonlyMap<string, ReadonlyMap<string, Micros>>;
  /** The line items under `generation`. */
  readonly lines: SpillBuffer;
  /** Team-day totals and digests under `generation`. */
  readonly summaries: readonly MarshalledItem[];
}

type DayPlan =
  | { kind: 'replace'; date: IsoDay; coverage: DayCoverage; day: ReadDay }
  | { kind: 'unchanged'; date: IsoDay; coverage: DayCoverage }
  | { kind: 'coverage'; date: IsoDay; coverage: DayCoverage };
type Replacing = Extract<DayPlan, { kind: 'replace' }>;

/**
 * The replacement protocol for one source's days (docs/storage.md, "Crash-safe replacement"): the
 * manifest of a (source, day) is the single commit point. New rows go under a fresh generation that
 * readers ignore until the manifest names it, so at every crash point a reader sees the old rows or
 * the new ones, never both and never neither:
 * 0. every row of the day is read, validated and hashed first (a streamed day into a scratch file),
 *    so an unchanged day writes no rows and a bad page writes nothing;
 * 1. the manifest records the pending generation (so a crash leaves a trail to clean up);
 * 2. the new rows are written under it (lines, team-day totals, per-person digests);
 * 3. the manifest is switched to it (the commit), listing the old generation as garbage;
 * 4. the per-person month rollups are brought to the new generation (person-rollups.ts);
 * 5. the old rows are deleted; 6. the manifest forgets the garbage.
 * Every manifest write is conditional on the version read, so two runs cannot both commit a day.
 */
export class SourceDayWriter {
  private readonly concurrency: number;
  private readonly generation: () => string;
  private readonly rollups: PersonRollups;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: SourceDayWriterOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.generation = options.newGeneration ?? newGeneration;
    this.rollups = new PersonRollups(
      doc,
      table,
      (date) => options.beforeWrite?.({ phase: 'rollup', date }),
      this.concurrency,
    );
  }

  /** Days given whole (rows in memory), written together. */
  async write(source: string, days: readonly SourceDayWrite[]): Promise<ReplaceResult> {
    const seen = new Set<IsoDay>();
    for (const d of days) {
      if (seen.has(d.date)) throw new Error(`day ${d.date} listed twice for ${source}`);
      seen.add(d.date);
    }
    const read = new Map<IsoDay, ReadDay>();
    try {
      for (const d of days) {
        if (d.rows === 'keep') continue;
        const rows = d.rows;
        // A big day's marshalled items spill to scratch like a streamed day's: a fetched chunk of
        // per-user days would otherwise hold every line twice (records and items) until written.
        const lines = new SpillBuffer(this.options.spillAfter ?? 10_000);
        read.set(
          d.date,
          await this.readDay(
            source,
            d.date,
            (async function* () {
              yield rows;
            })(),
            d.coverage.attemptedAt,
            d.detailExpiresAt,
            lines,
          ).catch((err: unknown) => {
            lines.close();
            throw err;
          }),
        );
      }
      const stored = await this.readManifests(source, [...seen]);
      return await this.run(
        source,
        stored,
        days.map((w) => this.plan(w.date, w.coverage, read.get(w.date), stored.get(w.date))),
      );
    } finally {
      for (const r of read.values()) r.lines.close();
    }
  }

  /** One day whose rows arrive in pages (any order, any size): held in a scratch file, not in memory. */
  async writeStream(source: string, day: SourceDayStream): Promise<ReplaceResult> {
    const lines = new SpillBuffer(this.options.spillAfter ?? 10_000);
    try {
      const read = await this.readDay(
        source,
        day.date,
        day.pages,
        day.attemptedAt,
        day.detailExpiresAt,
        lines,
      );
      const stored = await this.readManifests(source, [day.date]);
      const coverage = day.coverage({ provisional: read.provisional });
      return await this.run(source, stored, [this.plan(day.date, coverage, read, stored.get(day.date))]);
    } finally {
      lines.close();
    }
  }

  private plan(
    date: IsoDay,
    coverage: DayCoverage,
    read: ReadDay | undefined,
    prev: StoredManifest | undefined,
  ): DayPlan {
    if (!read) return { kind: 'coverage', date, coverage };
    if (prev && prev.manifest.generation !== null && prev.contentHash === read.hash && !prev.pending)
      return { kind: 'unchanged', date, coverage };
    return { kind: 'replace', date, coverage, day: read };
  }

  /** Step 0: validates, hashes and sums a day's rows, holding their items in `lines`. */
  private async readDay(
    source: string,
    date: IsoDay,
    pages: AsyncIterable<readonly UsageRecord[]>,
    fetchedAt: string,
    expiresAt: number | undefined,
    lines: SpillBuffer,
  ): Promise<ReadDay> {
    const generation = this.generation();
    const hasher = new ContentHasher();
    const unique = new Set<string>();
    const teams = new Map<string, TeamTallies>();
    let records = 0;
    let provisional = false;
    for await (const page of pages) {
      for (const r of page) {
        if (r.source !== source)
          throw new Error(`record for source "${r.source}" passed to replace "${source}"`);
        if (r.date !== date)
          throw new Error(`record dated ${r.date} is outside the day ${date} being replaced`);
        const key = `${r.team}|${lineKey(r)}`;
        if (unique.has(key)) throw new Error(`duplicate line ${lineKey(r)} for ${source} ${date} ${r.team}`);
        unique.add(key);
        hasher.add(r);
        let team = teams.get(r.team);
        if (!team) {
          team = {
            total: new TeamDayTally(source, date, r.team),
            people: new PersonDayTally(),
            active: new ActivePeopleTally(),
          };
          teams.set(r.team, team);
        }
        team.total.add(r);
        team.people.add(r);
        team.active.add(r);
        records++;
        if (r.provisional) provisional = true;
        lines.push(toAttributeValues(lineToItem(r, generation, fetchedAt, expiresAt)));
      }
    }
    const names = [...teams.keys()].sort();
    const totals = names.map((t) => (teams.get(t) as TeamTallies).total.total());
    const people = new Map<string, ReadonlyMap<string, Micros>>();
    const summaries: Record<string, unknown>[] = totals.map((t) => teamDayToItem(t, generation));
    for (const team of names) {
      const { people: tally, active } = teams.get(team) as TeamTallies;
      if (!tally.hasPeople) continue;
      const costs = tally.nonZero();
      people.set(team, costs);
      summaries.push(
        ...peopleDayItems({
          source,
          date,
          team,
          generation,
          people: costs,
          active: active.list(),
          expiresAt,
        }),
      );
    }
    return {
      generation,
      hash: hasher.digest(),
      records,
      provisional,
      totals,
      people,
      lines,
      summaries: summaries.map(toAttributeValues),
    };
  }

  /** Steps 1–6 for every planned day. */
  private async run(
    source: string,
    stored: ReadonlyMap<IsoDay, StoredManifest>,
    plans: readonly DayPlan[],
  ): Promise<ReplaceResult> {
    const versions = new Map<IsoDay, number>(plans.map((p) => [p.date, stored.get(p.date)?.version ?? 0]));
    const replacing = plans.filter((p): p is Replacing => p.kind === 'replace');

    // 1. Pending: the new generation is recorded before any of its rows exist.
    await this.forEach(replacing, async (p) => {
      const prev = stored.get(p.date);
      const item = {
        ...(prev ? storedFields(prev) : emptyFields(source, p.date, p.coverage.attemptedAt)),
        pending: { generation: p.day.generation, teams: p.day.totals.map((t) => t.team) },
        ...listed(garbageOf(prev)),
      };
      versions.set(p.date, await this.putManifest(item, versions.get(p.date) ?? 0, 'pending'));
    });

    // 2. Rows under the new generation: invisible to readers until the commit. Days held in memory
    // go out together; a day in a scratch file streams from it.
    const together: MarshalledWriteRequest[] = [];
    for (const p of replacing) {
      for (const Item of p.day.summaries) together.push({ PutRequest: { Item } });
      if (p.day.lines.inMemory)
        for (const Item of p.day.lines.held()) together.push({ PutRequest: { Item } });
    }
    const batch = {
      concurrency: ROW_BATCHES_IN_FLIGHT,
      ...this.options.batch,
      beforeSend: () => this.options.beforeWrite?.({ phase: 'rows' }),
    };
    let written = await batchWriteMarshalled(this.doc, this.table, together, batch);
    for (const p of replacing) {
      if (p.day.lines.inMemory) continue;
      written += await batchWriteMarshalledStream(this.doc, this.table, putsOf(p.day.lines), batch);
    }

    // 3. Commit: one conditional write per day makes the new generation current.
    const garbage = new Map<IsoDay, GenerationRef[]>();
    await this.forEach(plans, async (p) => {
      const prev = stored.get(p.date);
      const coverage = p.coverage;
      const old = garbageOf(prev);
      let item: Record<string, unknown>;
      if (p.kind === 'replace') {
        if (prev && prev.manifest.generation !== null)
          old.push({ generation: prev.manifest.generation, teams: [...prev.manifest.teams] });
        item = {
          source,
          date: p.date,
          generation: p.day.generation,
          teams: p.day.totals.map((t) => t.team),
          records: p.day.records,
          costMicros: p.day.totals.reduce((s, t) => s + t.costMicros, 0n),
          provisional: p.day.provisional,
          fetchedAt: coverage.attemptedAt,
          contentHash: p.day.hash,
          ...coverage,
          ...listed(old),
        };
      } else {
        const base = prev ? storedFields(prev) : emptyFields(source, p.date, coverage.attemptedAt);
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
      garbage.set(p.date, old);
      versions.set(p.date, await this.putManifest(item, versions.get(p.date) ?? 0, 'commit'));
    });

    // 4. Rollups follow the commit, while the replaced generations' digests can still be read.
    const targets: RollupTarget[] = [];
    for (const p of plans) {
      const prev = stored.get(p.date);
      const old = garbage.get(p.date) ?? [];
      const teams = new Set(old.flatMap((g) => g.teams));
      const sweepable = new Set(old.map((g) => g.generation));
      if (p.kind === 'replace') {
        for (const t of p.day.totals) teams.add(t.team);
        targets.push({
          date: p.date,
          generation: p.day.generation,
          teams: [...teams],
          sweepable,
          people: p.day.people,
        });
      } else if (old.length > 0) {
        // An earlier run died after its commit: finish its rollups before its leftovers go.
        for (const t of prev?.manifest.teams ?? []) teams.add(t);
        targets.push({
          date: p.date,
          generation: prev?.manifest.generation ?? null,
          teams: [...teams],
          sweepable,
        });
      }
    }
    if (targets.length) await this.rollups.reconcile(source, targets);

    // 5. Cleanup: rows of replaced or abandoned generations. 6. The manifest forgets them.
    const sweeps = [...garbage].flatMap(([date, refs]) =>
      refs.flatMap((ref) => ref.teams.map((team) => ({ date, generation: ref.generation, team }))),
    );
    let deleted = 0;
    const cleanup = {
      ...this.options.batch,
      beforeSend: () => this.options.beforeWrite?.({ phase: 'cleanup' }),
    };
    await this.forEach(sweeps, async (x) => {
      deleted += await batchWriteAll(
        this.doc,
        this.table,
        await this.rowsOf(source, x.date, x.generation, x.team),
        cleanup,
      );
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
    return {
      days: plans.length,
      written,
      deleted,
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
    const teamPk = keys.teamPk(team);
    const out: WriteRequest[] = [
      { DeleteRequest: { Key: { pk: teamPk, sk: keys.teamDaySk(date, source, generation) } } },
    ];
    const skOf = (i: Record<string, unknown>) => z.object({ sk: z.string() }).parse(i).sk;
    if (generation !== LEGACY_GENERATION) {
      const digests = await this.queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': teamPk, ':p': keys.peopleDayPrefix(date, source, generation) },
        ProjectionExpression: 'sk',
      });
      for (const i of digests) out.push({ DeleteRequest: { Key: { pk: teamPk, sk: skOf(i) } } });
    }
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
    for (const i of items) out.push({ DeleteRequest: { Key: { pk, sk: skOf(i) } } });
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

  /** `concurrency` at a time; settles everything in flight before throwing (nothing written after). */
  private async forEach<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    if (items.length) await mapBounded(items, this.concurrency, fn);
  }
}

/** A day's line items as BatchWriteItem-sized batches of puts, read from its buffer as they are sent. */
async function* putsOf(lines: SpillBuffer): AsyncGenerator<MarshalledWriteRequest[]> {
  for await (const page of lines.pages(25)) yield page.map((Item) => ({ PutRequest: { Item } }));
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
