import { randomBytes } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
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
  /** Items of a day read whole (one with committed rows) held in memory before the rest spill. @default 10,000 */
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

/** A day's sums once every row has been read: what its commit and its rollups need. */
interface DaySums {
  readonly hash: string;
  readonly records: number;
  readonly provisional: boolean;
  readonly totals: readonly TeamDaySourceTotal[];
  /** Per-person costs of each team whose lines name a person (core/person-costs.ts). */
  readonly people: ReadonlyMap<string, ReadonlyMap<string, Micros>>;
  /** Team-day totals and digests under the day's generation. */
  readonly summaries: readonly MarshalledItem[];
}

/**
 * One day's rows as they pass, once: each is checked (its source and day, no line twice), added to the
 * content hash and its team's tallies, and turned into its stored item under `generation`.
 */
class DayReader {
  private readonly hasher = new ContentHasher();
  private readonly unique = new Set<string>();
  private readonly teams = new Map<string, TeamTallies>();
  private records = 0;
  private provisional = false;

  constructor(
    private readonly source: string,
    private readonly date: IsoDay,
    readonly generation: string,
    private readonly fetchedAt: string,
    private readonly expiresAt: number | undefined,
  ) {}

  item(r: UsageRecord): MarshalledItem {
    if (r.source !== this.source)
      throw new Error(`record for source "${r.source}" passed to replace "${this.source}"`);
    if (r.date !== this.date)
      throw new Error(`record dated ${r.date} is outside the day ${this.date} being replaced`);
    const key = `${r.team}|${lineKey(r)}`;
    if (this.unique.has(key))
      throw new Error(`duplicate line ${lineKey(r)} for ${this.source} ${this.date} ${r.team}`);
    this.unique.add(key);
    this.hasher.add(r);
    let team = this.teams.get(r.team);
    if (!team) {
      team = {
        total: new TeamDayTally(this.source, this.date, r.team),
        people: new PersonDayTally(),
        active: new ActivePeopleTally(),
      };
      this.teams.set(r.team, team);
    }
    team.total.add(r);
    team.people.add(r);
    team.active.add(r);
    this.records++;
    if (r.provisional) this.provisional = true;
    return toAttributeValues(lineToItem(r, this.generation, this.fetchedAt, this.expiresAt));
  }

  /** The sums of every row read, with the day's totals and digests as items. */
  sums(): DaySums {
    const { source, date, generation, expiresAt } = this;
    const names = [...this.teams.keys()].sort();
    const totals = names.map((t) => (this.teams.get(t) as TeamTallies).total.total());
    const people = new Map<string, ReadonlyMap<string, Micros>>();
    const summaries: Record<string, unknown>[] = totals.map((t) => teamDayToItem(t, generation));
    for (const team of names) {
      const { people: tally, active } = this.teams.get(team) as TeamTallies;
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
      hash: this.hasher.digest(),
      records: this.records,
      provisional: this.provisional,
      totals,
      people,
      summaries: summaries.map(toAttributeValues),
    };
  }
}

/**
 * The new rows of one day under a fresh generation. `teams` are those the pending record lists
 * before any row is written; `batches` yields the rows as write requests and, for a day written as
 * it is read, reads it (calling `onTeams` with every team so far before the first row of a team not
 * listed yet, so every row written belongs to a listed team); `sums` and `coverage` answer once `batches` is done.
 */
interface Replacement {
  readonly generation: string;
  readonly attemptedAt: string;
  readonly teams: readonly string[];
  batches(onTeams: (teams: readonly string[]) => Promise<void>): AsyncIterable<MarshalledWriteRequest[]>;
  sums(): DaySums;
  coverage(): DayCoverage;
}

type DayPlan =
  | { kind: 'replace'; date: IsoDay; replacement: Replacement }
  | {
      kind: 'unchanged';
      date: IsoDay;
      coverage: DayCoverage;
      /** The stored rows' per-person costs, as read: what the day's rollups must hold. */
      people: ReadonlyMap<string, ReadonlyMap<string, Micros>>;
    }
  | { kind: 'coverage'; date: IsoDay; coverage: DayCoverage };
type Replacing = Extract<DayPlan, { kind: 'replace' }>;

/** What a day's rows arrive as: pages of records, in any order and size. */
type Pages = AsyncIterable<readonly UsageRecord[]>;

/**
 * The replacement protocol for one source's days (docs/storage.md, "Crash-safe replacement"): the
 * manifest of a (source, day) is the single commit point. New rows go under a fresh generation that
 * readers ignore until the manifest names it, so at every crash point a reader sees the old rows or
 * the new ones, never both and never neither:
 * 0. a day with committed rows is read, validated and hashed whole first (a big one into a scratch
 *    file), so an unchanged re-pull writes no rows and a bad page writes nothing; a day without
 *    committed rows cannot be unchanged, so its rows are written as they are read;
 * 1. the manifest records the pending generation and its teams (so a crash leaves a trail to clean
 *    up) before any row of a team is written;
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
    const stored = await this.readManifests(source, [...seen]);
    const scratch: SpillBuffer[] = [];
    try {
      const plans: DayPlan[] = [];
      for (const d of days) {
        if (d.rows === 'keep') {
          plans.push({ kind: 'coverage', date: d.date, coverage: d.coverage });
          continue;
        }
        const rows = d.rows;
        const pages = (async function* () {
          yield rows;
        })();
        const reader = this.reader(source, d.date, d.coverage.attemptedAt, d.detailExpiresAt);
        const prev = stored.get(d.date);
        if (!mayBeUnchanged(prev)) {
          plans.push(asRead(d.date, reader, pages, teamsOf(rows), d.coverage.attemptedAt, () => d.coverage));
          continue;
        }
        // A big day's marshalled items spill to scratch like a streamed day's: a fetched chunk of
        // per-user days would otherwise hold every line twice (records and items) until written.
        const lines = new SpillBuffer(this.options.spillAfter ?? 10_000);
        scratch.push(lines);
        const sums = await readWhole(reader, pages, lines);
        plans.push(readFirst(d.date, reader.generation, sums, lines, d.coverage, prev));
      }
      return await this.run(source, stored, plans);
    } finally {
      for (const lines of scratch) lines.close();
    }
  }

  /** One day whose rows arrive in pages: written as read, or held in a scratch file, never in memory. */
  async writeStream(source: string, day: SourceDayStream): Promise<ReplaceResult> {
    const stored = await this.readManifests(source, [day.date]);
    const prev = stored.get(day.date);
    const reader = this.reader(source, day.date, day.attemptedAt, day.detailExpiresAt);
    if (!mayBeUnchanged(prev)) {
      // The pending record lists the first page's teams; a later page's new team is added before its rows.
      const pages = day.pages[Symbol.asyncIterator]();
      const first = await pages.next();
      const rest = (async function* () {
        if (first.done) return;
        yield first.value;
        for (let next = await pages.next(); !next.done; next = await pages.next()) yield next.value;
      })();
      const teams = first.done ? [] : teamsOf(first.value);
      const plan = asRead(day.date, reader, rest, teams, day.attemptedAt, (sums) =>
        day.coverage({ provisional: sums.provisional }),
      );
      return await this.run(source, stored, [plan]);
    }
    const lines = new SpillBuffer(this.options.spillAfter ?? 10_000);
    try {
      const sums = await readWhole(reader, day.pages, lines);
      const coverage = day.coverage({ provisional: sums.provisional });
      return await this.run(source, stored, [
        readFirst(day.date, reader.generation, sums, lines, coverage, prev),
      ]);
    } finally {
      lines.close();
    }
  }

  private reader(source: string, date: IsoDay, fetchedAt: string, expiresAt: number | undefined): DayReader {
    return new DayReader(source, date, this.generation(), fetchedAt, expiresAt);
  }

  /** Steps 1–6 for every planned day. */
  private async run(
    source: string,
    stored: ReadonlyMap<IsoDay, StoredManifest>,
    plans: readonly DayPlan[],
  ): Promise<ReplaceResult> {
    const versions = new Map<IsoDay, number>(plans.map((p) => [p.date, stored.get(p.date)?.version ?? 0]));
    const replacing = plans.filter((p): p is Replacing => p.kind === 'replace');

    // 1. Pending: the new generation and its teams are recorded before any of their rows exist.
    const pending = async (p: Replacing, teams: readonly string[]) => {
      const prev = stored.get(p.date);
      const item = {
        ...(prev ? storedFields(prev) : emptyFields(source, p.date, p.replacement.attemptedAt)),
        pending: { generation: p.replacement.generation, teams: [...teams] },
        ...listed(garbageOf(prev)),
      };
      versions.set(p.date, await this.putManifest(item, versions.get(p.date) ?? 0, 'pending'));
    };
    await this.forEach(replacing, (p) => pending(p, p.replacement.teams));

    // 2. Rows under the new generation, every day's in one stream of batches: invisible to readers
    // until the commit.
    const batch = {
      concurrency: ROW_BATCHES_IN_FLIGHT,
      ...this.options.batch,
      beforeSend: () => this.options.beforeWrite?.({ phase: 'rows' }),
    };
    const written = await batchWriteMarshalledStream(
      this.doc,
      this.table,
      (async function* () {
        for (const p of replacing) yield* p.replacement.batches((teams) => pending(p, teams));
      })(),
      batch,
    );

    // 3. Commit: one conditional write per day makes the new generation current.
    const garbage = new Map<IsoDay, GenerationRef[]>();
    await this.forEach(plans, async (p) => {
      const prev = stored.get(p.date);
      const old = garbageOf(prev);
      let item: Record<string, unknown>;
      if (p.kind === 'replace') {
        if (prev && prev.manifest.generation !== null)
          old.push({ generation: prev.manifest.generation, teams: [...prev.manifest.teams] });
        const sums = p.replacement.sums();
        const coverage = p.replacement.coverage();
        item = {
          source,
          date: p.date,
          generation: p.replacement.generation,
          teams: sums.totals.map((t) => t.team),
          records: sums.records,
          costMicros: sums.totals.reduce((s, t) => s + t.costMicros, 0n),
          provisional: sums.provisional,
          fetchedAt: coverage.attemptedAt,
          committedAt: coverage.attemptedAt,
          contentHash: sums.hash,
          ...coverage,
          ...listed(old),
        };
      } else {
        const coverage = p.coverage;
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
        const sums = p.replacement.sums();
        for (const t of sums.totals) teams.add(t.team);
        targets.push({
          date: p.date,
          generation: p.replacement.generation,
          teams: [...teams],
          sweepable,
          people: sums.people,
        });
      } else if (old.length > 0 || p.kind === 'unchanged') {
        // An earlier run may have died after its commit, before its rollups: finish them (before its
        // leftovers go). An unchanged day's rollups are only read, and written if one lacks the day.
        for (const t of prev?.manifest.teams ?? []) teams.add(t);
        targets.push({
          date: p.date,
          generation: prev?.manifest.generation ?? null,
          teams: [...teams],
          sweepable,
          ...(p.kind === 'unchanged' ? { people: p.people } : {}),
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
    const Key = { pk: keys.sourcePk(source), sk: keys.sourceDaySk(date) };
    // Marks this write, so a retry of it (the SDK re-sends a request whose answer was lost) is known
    // as this run's own when its condition then fails, not as another run's.
    const writeToken = randomBytes(8).toString('hex');
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...fields, ...Key, type: 'sourceDay', version, writeToken },
          ...(expected === 0
            ? { ConditionExpression: 'attribute_not_exists(version)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expected } }),
        }),
      );
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ConditionalCheckFailedException')) throw err;
      const now = await this.doc.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
      if (now.Item?.writeToken === writeToken && Number(now.Item?.version) === version) return version;
      throw new ConcurrentIngestError(
        `${source} ${date}: another ingest run wrote this day meanwhile; this run left it to that one (re-run to retry)`,
        { cause: err },
      );
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

/** Whether a day's rows could be found unchanged: only a committed, hashed, finished day can. */
function mayBeUnchanged(prev: StoredManifest | undefined): prev is StoredManifest {
  return (
    prev !== undefined && prev.manifest.generation !== null && prev.contentHash !== undefined && !prev.pending
  );
}

const teamsOf = (rows: readonly UsageRecord[]) => [...new Set(rows.map((r) => r.team))];

/** Puts of items, 25 to a BatchWriteItem. */
function* putBatches(items: readonly MarshalledItem[]): Generator<MarshalledWriteRequest[]> {
  for (let i = 0; i < items.length; i += 25)
    yield items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
}

/** Step 0 for a day that may be unchanged: every row read, checked and hashed, its items held in `lines`. */
async function readWhole(reader: DayReader, pages: Pages, lines: SpillBuffer): Promise<DaySums> {
  for await (const page of pages) for (const r of page) lines.push(reader.item(r));
  return reader.sums();
}

/** A day read whole before anything is written: replaced unless its hash matches the stored one. */
function readFirst(
  date: IsoDay,
  generation: string,
  sums: DaySums,
  lines: SpillBuffer,
  coverage: DayCoverage,
  prev: StoredManifest,
): DayPlan {
  if (prev.contentHash === sums.hash) return { kind: 'unchanged', date, coverage, people: sums.people };
  return {
    kind: 'replace',
    date,
    replacement: {
      generation,
      attemptedAt: coverage.attemptedAt,
      teams: sums.totals.map((t) => t.team),
      async *batches() {
        yield* putBatches(sums.summaries);
        for await (const page of lines.pages(25)) yield* putBatches(page);
      },
      sums: () => sums,
      coverage: () => coverage,
    },
  };
}

/**
 * A day with no committed rows (a first pull, a backfill), written as it is read: each batch of 25
 * rows is checked, summed and sent while the next is read, then its totals and digests. A bad page
 * throws with the rows so far pending, invisible, and deleted by the day's next write.
 */
function asRead(
  date: IsoDay,
  reader: DayReader,
  pages: Pages,
  teams: readonly string[],
  attemptedAt: string,
  coverageOf: (sums: DaySums) => DayCoverage,
): DayPlan {
  let sums: DaySums | undefined;
  const done = () => {
    if (!sums) throw new Error(`the rows of ${date} were not all written before its commit`);
    return sums;
  };
  return {
    kind: 'replace',
    date,
    replacement: {
      generation: reader.generation,
      attemptedAt,
      teams,
      async *batches(onTeams) {
        const listedTeams = new Set(teams);
        for await (const page of pages) {
          const fresh = teamsOf(page).filter((t) => !listedTeams.has(t));
          if (fresh.length) {
            for (const t of fresh) listedTeams.add(t);
            await onTeams([...listedTeams]);
          }
          for (let i = 0; i < page.length; i += 25)
            yield page.slice(i, i + 25).map((r) => ({ PutRequest: { Item: reader.item(r) } }));
        }
        sums = reader.sums();
        yield* putBatches(sums.summaries);
      },
      sums: done,
      coverage: () => coverageOf(done()),
    },
  };
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
    committedAt: m.committedAt,
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
