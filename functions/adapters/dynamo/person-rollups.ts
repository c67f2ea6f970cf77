import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { mapBounded } from '../../core/bounded.js';
import { type IsoDay, lastDayOfMonth, monthOf } from '../../core/dates.js';
import type { Micros } from '../../core/money.js';
import { addCosts, type PersonCost, type PersonDay, PersonDayTally } from '../../core/person-costs.js';
import type { SourceDayManifest } from '../../core/ports.js';
import type { UsageRecord } from '../../core/usage.js';
import { keys } from './keys.js';
import { batchGetAll, queryAll } from './reads.js';
import { manifestItem, type PeopleMonth, peopleDayItem, peopleMonthItem } from './usage-items.js';

/**
 * What a replacement (or the repair of an unfinished one) asks of the rollups for one committed day:
 * that every team's month rollup reflects the generation the day's manifest now names.
 */
export interface RollupTarget {
  readonly date: IsoDay;
  /** The generation the manifest names now; null when the day holds no rows. */
  readonly generation: string | null;
  /** Teams whose rollup may change: the committed generation's and every replaced generation's. */
  readonly teams: readonly string[];
  /** Generations whose rows (and digests) are still stored: replaced, garbage, abandoned pending. */
  readonly sweepable: ReadonlySet<string>;
  /** The committed generation's digests where known (team → people), for teams with people; else read. */
  readonly people?: ReadonlyMap<string, ReadonlyMap<string, Micros>>;
}

const rollupKey = z.object({ team: z.string(), month: z.string() });

/** A rollup bigger than this (bytes, estimated) is not kept: readers sum the team's digests instead. */
const MAX_ROLLUP_BYTES = 300_000;
const MAX_ATTEMPTS = 5;

class RollupConflict extends Error {
  override readonly name = 'RollupConflict';
}

/**
 * The per-person month-to-date rollups (docs/storage.md, "People rollups"): one item per team, source
 * and month holding every person's cost, kept exact by applying each committed day's digest in place
 * of the one it replaced. Written after the commit and before the replaced rows are swept (so the
 * replaced digest can still be read), conditional on the rollup's version; a reader trusts a rollup
 * only when it names exactly the generations the manifests name, so a crash, a concurrent run or data
 * from before rollups only ever costs a slower read, never a wrong one.
 */
export class PersonRollups {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly beforeWrite: (date: IsoDay) => void | Promise<void> = () => {},
    private readonly concurrency = 8,
  ) {}

  /** Brings every affected team's month rollup to the generations `targets` name. */
  async reconcile(source: string, targets: readonly RollupTarget[]): Promise<number> {
    const work = new Map<string, { team: string; month: string; targets: RollupTarget[] }>();
    for (const t of targets)
      for (const team of t.teams) {
        const k = `${team}|${monthOf(t.date)}`;
        const entry = work.get(k) ?? { team, month: monthOf(t.date), targets: [] };
        entry.targets.push(t);
        work.set(k, entry);
      }
    const items = [...work.values()];
    const prefetched = await this.readMany(
      source,
      items.map((w) => ({ team: w.team, month: w.month })),
    );
    let written = 0;
    await mapBounded(items, this.concurrency, async (w) => {
      let current = prefetched.get(`${w.team}|${w.month}`);
      for (let attempt = 1; ; attempt++) {
        try {
          if (await this.applyTo(source, w.team, w.month, w.targets, current)) written++;
          return;
        } catch (err) {
          if (!(err instanceof RollupConflict) || attempt >= MAX_ATTEMPTS) throw err;
          current = await this.readOne(source, w.team, w.month);
        }
      }
    });
    return written;
  }

  /** Each person's cost of one team over `days` (all in `month`, up to `asOf`), from its rollups. */
  async monthToDate(
    team: string,
    month: string,
    asOf: IsoDay,
    days: readonly PersonDay[],
    linesOf: (source: string, date: IsoDay) => Promise<readonly UsageRecord[]>,
    manifests?: readonly SourceDayManifest[],
  ): Promise<PersonCost[]> {
    const bySource = new Map<string, Set<IsoDay>>();
    for (const d of days) {
      if (monthOf(d.date) !== month || d.date > asOf) continue;
      bySource.set(d.source, (bySource.get(d.source) ?? new Set()).add(d.date));
    }
    const out: PersonCost[] = [];
    for (const [source, wanted] of bySource) {
      const known = manifests?.filter((m) => m.source === source && monthOf(m.date) === month);
      const generations = known?.length
        ? new Map(known.flatMap((m) => (m.generation !== null ? [[m.date, m.generation] as const] : [])))
        : await this.generationsOf(source, month, false);
      const rollup = await this.readOne(source, team, month);
      const costs =
        rollup && vouches(rollup, wanted, generations, asOf)
          ? new Map(Object.entries(rollup.people))
          : await this.fromDigests(source, team, [...wanted], generations, linesOf);
      for (const [user, micros] of costs) if (micros !== 0n) out.push({ user, source, micros });
    }
    return out;
  }

  /** The slow, exact path: each day's digest of its current generation, or its lines where none. */
  private async fromDigests(
    source: string,
    team: string,
    days: readonly IsoDay[],
    generations: ReadonlyMap<IsoDay, string>,
    linesOf: (source: string, date: IsoDay) => Promise<readonly UsageRecord[]>,
  ): Promise<Map<string, Micros>> {
    const costs = new Map<string, Micros>();
    const perDay = await mapBounded(days, this.concurrency, async (date) => {
      const generation = generations.get(date);
      const digest = generation ? await this.digest(source, team, date, generation) : undefined;
      if (digest) return digest;
      const tally = new PersonDayTally();
      for (const line of await linesOf(source, date)) tally.add(line);
      return tally.nonZero();
    });
    for (const d of perDay) addCosts(costs, d, 1n);
    return costs;
  }

  /** One team-month: true when it wrote. */
  private async applyTo(
    source: string,
    team: string,
    month: string,
    targets: readonly RollupTarget[],
    stored: PeopleMonth | undefined,
  ): Promise<boolean> {
    if (stored?.overflow) return false;
    const applied = { ...(stored?.applied ?? {}) };
    const people = new Map(Object.entries(stored?.people ?? {}));
    let changed = false;
    for (const t of targets) {
      const known = t.people ? t.people.get(team) : undefined;
      const wantPeople =
        t.generation === null
          ? undefined
          : t.people
            ? known
            : await this.digest(source, team, t.date, t.generation);
      const want = wantPeople && t.generation !== null ? t.generation : undefined;
      const cur = applied[t.date];
      if (cur === want) continue;
      if (cur !== undefined) {
        const old = t.sweepable.has(cur) ? await this.digest(source, team, t.date, cur) : undefined;
        // The generation it holds is gone (or never had people): only a rebuild from the digests is exact.
        if (!old) return this.rebuild(source, team, month, stored);
        addCosts(people, old, -1n);
        delete applied[t.date];
      }
      if (want && wantPeople) {
        addCosts(people, wantPeople, 1n);
        applied[t.date] = want;
      }
      changed = true;
    }
    if (!changed) return false;
    await this.put(source, team, month, { applied, people, version: stored?.version ?? 0 });
    return true;
  }

  /** Recomputes one team-month from the current generation's digest of every day. */
  private async rebuild(
    source: string,
    team: string,
    month: string,
    stored: PeopleMonth | undefined,
  ): Promise<boolean> {
    const generations = await this.generationsOf(source, month, true);
    const items = await queryAll(this.doc, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.teamPk(team), ':p': `PEOPLE#${month}-` },
      ConsistentRead: true,
    });
    const people = new Map<string, Micros>();
    const applied: Record<IsoDay, string> = {};
    for (const raw of items) {
      const item = peopleDayItem.parse(raw);
      const [, date = '', itemSource] = item.sk.split('#');
      if (itemSource !== source || generations.get(date) !== item.generation) continue;
      addCosts(people, new Map(Object.entries(item.people)), 1n);
      applied[date] = item.generation;
    }
    await this.put(source, team, month, { applied, people, version: stored?.version ?? 0 });
    return true;
  }

  private async put(
    source: string,
    team: string,
    month: string,
    next: { applied: Record<IsoDay, string>; people: Map<string, Micros>; version: number },
  ): Promise<void> {
    let bytes = 0;
    for (const user of next.people.keys()) bytes += user.length + 12;
    const overflow = bytes > MAX_ROLLUP_BYTES;
    await this.beforeWrite(lastDayOfMonth(month));
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: keys.teamPk(team),
            sk: keys.peopleMonthSk(month, source),
            type: 'peopleMonth',
            team,
            source,
            month,
            applied: overflow ? {} : next.applied,
            people: overflow ? {} : Object.fromEntries(next.people),
            ...(overflow ? { overflow: true } : {}),
            version: next.version + 1,
          },
          ...(next.version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': next.version } }),
        }),
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException')
        throw new RollupConflict(`${team} ${month} ${source}: rollup changed meanwhile`, { cause: err });
      throw err;
    }
  }

  /** A team-day's digest under one generation (chunks merged); undefined when it has none. */
  private async digest(
    source: string,
    team: string,
    date: IsoDay,
    generation: string,
  ): Promise<Map<string, Micros> | undefined> {
    const items = await queryAll(this.doc, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: {
        ':pk': keys.teamPk(team),
        ':p': keys.peopleDayPrefix(date, source, generation),
      },
      ConsistentRead: true,
    });
    if (items.length === 0) return undefined;
    const out = new Map<string, Micros>();
    for (const raw of items)
      for (const [user, m] of Object.entries(peopleDayItem.parse(raw).people)) out.set(user, m);
    return out;
  }

  /** The generation each day of the month's manifest names (days with rows only). */
  private async generationsOf(
    source: string,
    month: string,
    consistent: boolean,
  ): Promise<Map<IsoDay, string>> {
    const items = await queryAll(this.doc, this.table, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: {
        ':pk': keys.sourcePk(source),
        ':lo': keys.sourceDaySk(`${month}-01`),
        ':hi': keys.sourceDaySk(lastDayOfMonth(month)),
      },
      ...(consistent ? { ConsistentRead: true } : {}),
    });
    const out = new Map<IsoDay, string>();
    for (const raw of items) {
      const m = manifestItem.parse(raw).manifest;
      if (m.generation !== null) out.set(m.date, m.generation);
    }
    return out;
  }

  private async readOne(source: string, team: string, month: string): Promise<PeopleMonth | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: keys.teamPk(team), sk: keys.peopleMonthSk(month, source) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? peopleMonthItem.parse(out.Item) : undefined;
  }

  private async readMany(
    source: string,
    which: ReadonlyArray<{ team: string; month: string }>,
  ): Promise<Map<string, PeopleMonth>> {
    const items = await batchGetAll(
      this.doc,
      this.table,
      which.map((w) => ({ pk: keys.teamPk(w.team), sk: keys.peopleMonthSk(w.month, source) })),
      { consistent: true },
    );
    const out = new Map<string, PeopleMonth>();
    for (const raw of items) {
      const { team, month } = rollupKey.parse(raw);
      out.set(`${team}|${month}`, peopleMonthItem.parse(raw));
    }
    return out;
  }
}

/**
 * Whether a rollup is exactly the sum of the days a reader wants: it names, for every day with people
 * up to `asOf`, the generation that day's manifest names, and no other day.
 */
function vouches(
  rollup: PeopleMonth,
  wanted: ReadonlySet<IsoDay>,
  generations: ReadonlyMap<IsoDay, string>,
  asOf: IsoDay,
): boolean {
  if (rollup.overflow) return false;
  const days = Object.keys(rollup.applied);
  if (days.some((d) => d > asOf)) return false;
  if (days.length !== wanted.size) return false;
  return days.every((d) => wanted.has(d) && rollup.applied[d] === generations.get(d));
}
