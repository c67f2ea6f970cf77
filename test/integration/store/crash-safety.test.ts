import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import type { WritePoint } from '../../../functions/adapters/dynamo/source-day-writer.js';
import { ensureTable } from '../../../functions/adapters/dynamo/table.js';
import type { IsoDay } from '../../../functions/core/dates.js';
import { affirmedDayWrites, rowsCoverage } from '../../../functions/core/ingest/coverage.js';
import { personCostsFromLines } from '../../../functions/core/person-costs.js';
import type { UsageRecord } from '../../../functions/core/usage.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const DAYS = ['2026-03-02', '2026-03-03', '2026-03-04'];
const TEAMS = ['payments', 'search'];
const AS_OF = '2026-03-04';

/**
 * Before: Payments spends on all three days, two of its people among the lines. After: day 1 moves
 * to Search (the team set changes, and so does the team of one person), day 2 is unchanged, day 3 is
 * revised within Payments (a line gone, one changed, a person gone, another's cost changed).
 */
const line = (date: IsoDay, team: string, item: string, usd: number): UsageRecord =>
  aRecord({
    date,
    team,
    lineItem: item,
    identities: { workspace: `wrkspc_${team}` },
    costMicros: BigInt(usd * 1e6),
  });
const person = (date: IsoDay, team: string, email: string, usd: number): UsageRecord =>
  aRecord({
    date,
    team,
    lineItem: 'claude-code',
    identities: { userEmail: email },
    costMicros: BigInt(usd * 1e6),
  });
const OLD = DAYS.flatMap((d) => [
  line(d, 'payments', 'opus', 100),
  line(d, 'payments', 'sonnet', 25),
  person(d, 'payments', 'ana@corp.com', 10),
  person(d, 'payments', 'bo@corp.com', 5),
]);
const NEW = [
  line(DAYS[0] ?? '', 'search', 'opus', 110),
  line(DAYS[0] ?? '', 'search', 'sonnet', 15),
  person(DAYS[0] ?? '', 'search', 'ana@corp.com', 12),
  person(DAYS[0] ?? '', 'search', 'cy@corp.com', 3),
  line(DAYS[1] ?? '', 'payments', 'opus', 100),
  line(DAYS[1] ?? '', 'payments', 'sonnet', 25),
  person(DAYS[1] ?? '', 'payments', 'ana@corp.com', 10),
  person(DAYS[1] ?? '', 'payments', 'bo@corp.com', 5),
  line(DAYS[2] ?? '', 'payments', 'opus', 140),
  person(DAYS[2] ?? '', 'payments', 'ana@corp.com', 20),
];

class Crash extends Error {}

/** A store over `tableName` whose k-th write request (1-based) dies; writes one at a time, in order. */
function storeOn(tableName: string, crashAt?: number, points?: WritePoint[]): DynamoStore {
  let n = 0;
  return new DynamoStore(createDocumentClient(dynamo.client), {
    tableName,
    concurrency: 1,
    batch: { concurrency: 1 },
    // A streamed day spills to its scratch file after two lines.
    spillAfter: 2,
    beforeWrite: (p) => {
      points?.push(p);
      if (++n === crashAt) throw new Crash(`crash before write ${n} (${p.phase} ${p.date ?? ''})`);
    },
  });
}

const asText = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}` : x));

/** Every item of a (small) test table. */
const scanned = async (tableName: string) =>
  (await createDocumentClient(dynamo.client).send(new ScanCommand({ TableName: tableName }))).Items ?? [];

/**
 * The month rollups against the digests of each day's current generation, as `team date generation`
 * lists: equal when every rollup vouches for the month (the cap's fast path), as a converged run
 * must leave them.
 */
async function rollupsAndDigests(tableName: string) {
  const items = await scanned(tableName);
  const current = new Map(items.filter((i) => i.type === 'sourceDay').map((i) => [i.date, i.generation]));
  const digests = items
    .filter((i) => i.type === 'peopleDay' && current.get(i.date) === i.generation)
    .map((i) => `${i.team} ${i.date} ${i.generation}`);
  const rollups = items
    .filter((i) => i.type === 'peopleMonth')
    .flatMap((i) =>
      Object.entries(i.applied as Record<string, string>).map(([d, g]) => `${i.team} ${d} ${g}`),
    );
  return { rollups: rollups.sort(), digests: [...new Set(digests)].sort() };
}

/** What a reader sees for each day: each team's total and its lines. */
async function view(store: DynamoStore) {
  const out: Record<IsoDay, Record<string, { total: bigint; lines: string[] }>> = {};
  for (const day of DAYS) {
    out[day] = {};
    for (const team of TEAMS) {
      const totals = await store.teamDailyTotals(team, day, day);
      const lines = await store.teamLines('anthropic', day, team);
      const entry = {
        total: totals.reduce((a, t) => a + t.costMicros, 0n),
        lines: lines.map((l) => `${l.lineItem}=${l.costMicros}`).sort(),
      };
      if (entry.total !== 0n || entry.lines.length) (out[day] as Record<string, unknown>)[team] = entry;
    }
  }
  return out;
}

/**
 * Each team's people this month as the cap reads them (rollups), beside the same figure summed from
 * the lines a reader sees: they must agree whatever state a crash left.
 */
async function peopleViews(store: DynamoStore) {
  const out: Record<string, { rollups: string; lines: string }> = {};
  for (const team of TEAMS) {
    const days = (await store.teamDailyTotals(team, DAYS[0] ?? '', AS_OF)).filter((t) => t.activeUsers > 0);
    const sorted = (xs: readonly { user: string; micros: bigint }[]) =>
      asText([...xs].map((x) => [x.user, x.micros]).sort());
    out[team] = {
      rollups: sorted(await store.personMonthToDate(team, '2026-03', AS_OF, days)),
      lines: sorted(await personCostsFromLines((s, d) => store.teamLines(s, d, team))(days)),
    };
  }
  return out;
}

async function seeded(): Promise<string> {
  const tableName = `crash-${Math.random().toString(36).slice(2)}`;
  await ensureTable(dynamo.client, tableName);
  await storeOn(tableName).writeSourceDays('anthropic', affirmedDayWrites(DAYS, OLD, '2026-03-05T06:00:00Z'));
  return tableName;
}

const AT = '2026-03-06T06:00:00Z';
/** Writing `rows` as one call with every day's rows in memory (a fetched chunk). */
const wholeDays = (rows: readonly UsageRecord[]) => (store: DynamoStore) =>
  store.writeSourceDays('anthropic', affirmedDayWrites(DAYS, rows, AT));
/** Writing `rows` as a streamed connector's days: one line a page, each day in turn. */
const streamedDays = (rows: readonly UsageRecord[]) => async (store: DynamoStore) => {
  for (const date of DAYS)
    await store.replaceSourceDay('anthropic', {
      date,
      pages: (async function* () {
        for (const r of rows.filter((x) => x.date === date)) yield [r];
      })(),
      attemptedAt: AT,
      coverage: ({ provisional }) => rowsCoverage(provisional, AT),
    });
};
const replaceWhole = wholeDays(NEW);
const replaceStreamed = streamedDays(NEW);

describe('crash-safe replacement of a source’s days', () => {
  it.each([
    ['whole days in one write', replaceWhole],
    ['streamed days, page by page through a scratch file', replaceStreamed],
  ])(
    '%s: at every write boundary readers see each day’s old rows or its new rows, the cap’s rollups agree with the lines, and the next run converges with nothing left over',
    async (_how, replace) => {
      // Prepare: the two views a reader may see, and every write boundary of one replacement.
      const reference = await seeded();
      const reader = storeOn(reference);
      const before = await view(reader);
      const points: WritePoint[] = [];
      await replace(storeOn(reference, undefined, points));
      const after = await view(reader);
      expect(Object.keys(after[DAYS[0] ?? ''] ?? {})).toEqual(['search']);
      expect(points.map((p) => p.phase)).toEqual(
        expect.arrayContaining(['pending', 'rows', 'commit', 'rollup', 'cleanup', 'finalize']),
      );
      const people = await peopleViews(reader);
      expect(JSON.parse(people.payments?.rollups ?? '')).toEqual([
        ['ana@corp.com', '30000000'],
        ['bo@corp.com', '5000000'],
      ]);
      expect(JSON.parse(people.search?.rollups ?? '')).toEqual([
        ['ana@corp.com', '12000000'],
        ['cy@corp.com', '3000000'],
      ]);

      for (let k = 1; k <= points.length; k++) {
        // Act: the replacement dies before its k-th write; then a normal run replaces again.
        const tableName = await seeded();
        await expect(replace(storeOn(tableName, k))).rejects.toBeInstanceOf(Crash);
        const mid = await view(storeOn(tableName));
        const midPeople = await peopleViews(storeOn(tableName));
        await replace(storeOn(tableName));

        // Assess: every day was entirely old or entirely new after the crash, and the rollups agreed ...
        const where = `crash before write ${k} (${points[k - 1]?.phase} ${points[k - 1]?.date ?? ''})`;
        for (const day of DAYS)
          expect([asText(before[day]), asText(after[day])], `${where}, ${day}`).toContain(asText(mid[day]));
        for (const team of TEAMS)
          expect(midPeople[team]?.rollups, `${where}, ${team}'s people`).toBe(midPeople[team]?.lines);
        // ... and after the re-run it is the new data, with no row of an abandoned or replaced write left.
        expect(await view(storeOn(tableName))).toEqual(after);
        expect(await peopleViews(storeOn(tableName))).toEqual(people);
        const items = await scanned(tableName);
        expect(items.filter((i) => i.type === 'line')).toHaveLength(NEW.length);
        expect(items.filter((i) => i.type === 'teamDay')).toHaveLength(3);
        expect(items.filter((i) => i.type === 'peopleDay')).toHaveLength(3);
        expect(items.filter((i) => i.type === 'sourceDay' && (i.pending || i.garbage))).toEqual([]);
        const month = await rollupsAndDigests(tableName);
        expect(month.rollups, where).toEqual(month.digests);
      }
    },
  );
});

/**
 * A first pull (days never stored: a backfill, the newest day) has no rows it could be unchanged
 * from, so its rows are written as they are read. Day 1 brings Search on its third page, after
 * Payments' rows are out; day 2 is Search alone; day 3 has nothing.
 */
const FIRST_PULL = [
  line(DAYS[0] ?? '', 'payments', 'opus', 100),
  person(DAYS[0] ?? '', 'payments', 'ana@corp.com', 10),
  line(DAYS[0] ?? '', 'search', 'sonnet', 15),
  person(DAYS[0] ?? '', 'search', 'cy@corp.com', 3),
  line(DAYS[1] ?? '', 'search', 'opus', 50),
];
const firstWhole = wholeDays(FIRST_PULL);
const firstStreamed = streamedDays(FIRST_PULL);
const countsByType = async (tableName: string) => {
  const items = await scanned(tableName);
  const counts: Record<string, number> = {};
  for (const i of items) counts[String(i.type)] = (counts[String(i.type)] ?? 0) + 1;
  return { counts, unfinished: items.filter((i) => i.type === 'sourceDay' && (i.pending || i.garbage)) };
};

describe('crash-safe first pull, rows written as they are read', () => {
  it.each([
    ['whole days in one write', firstWhole],
    ['streamed days, a team first seen after other teams’ rows are out', firstStreamed],
  ])(
    '%s: at every write boundary each day reads as nothing or as all of it, the rollups agree with the lines, and the next run leaves nothing over',
    async (how, replace) => {
      // Prepare: the view after a clean first pull, and every write boundary of it.
      const reference = `first-${Math.random().toString(36).slice(2)}`;
      await ensureTable(dynamo.client, reference);
      const points: WritePoint[] = [];
      await replace(storeOn(reference, undefined, points));
      const after = await view(storeOn(reference));
      const people = await peopleViews(storeOn(reference));
      const stored = await countsByType(reference);
      expect(Object.keys(after[DAYS[0] ?? ''] ?? {}).sort()).toEqual(['payments', 'search']);
      expect(stored.counts).toMatchObject({ line: FIRST_PULL.length, teamDay: 3, peopleDay: 2 });
      if (how.startsWith('streamed')) {
        // Search's teams joined the pending record after Payments' rows were written, before its own.
        const day1 = points.filter((p) => p.date === undefined || p.date === DAYS[0]).map((p) => p.phase);
        expect(day1.slice(0, day1.indexOf('commit'))).toEqual([
          'pending',
          'rows',
          'rows',
          'pending',
          'rows',
          'rows',
          'rows',
        ]);
      }

      for (let k = 1; k <= points.length; k++) {
        // Act: the first pull dies before its k-th write; then it runs again.
        const tableName = `first-${Math.random().toString(36).slice(2)}`;
        await ensureTable(dynamo.client, tableName);
        await expect(replace(storeOn(tableName, k))).rejects.toBeInstanceOf(Crash);
        const mid = await view(storeOn(tableName));
        const midPeople = await peopleViews(storeOn(tableName));
        await replace(storeOn(tableName));

        // Assess
        const where = `crash before write ${k} (${points[k - 1]?.phase} ${points[k - 1]?.date ?? ''})`;
        for (const day of DAYS)
          expect([asText({}), asText(after[day])], `${where}, ${day}`).toContain(asText(mid[day]));
        for (const team of TEAMS)
          expect(midPeople[team]?.rollups, `${where}, ${team}'s people`).toBe(midPeople[team]?.lines);
        expect(await view(storeOn(tableName))).toEqual(after);
        expect(await peopleViews(storeOn(tableName))).toEqual(people);
        expect(await countsByType(tableName), where).toEqual(stored);
        const month = await rollupsAndDigests(tableName);
        expect(month.rollups, where).toEqual(month.digests);
      }
    },
  );
});
