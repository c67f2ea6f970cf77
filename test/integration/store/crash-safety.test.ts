import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import type { WritePoint } from '../../../functions/adapters/dynamo/source-day-writer.js';
import { ensureTable } from '../../../functions/adapters/dynamo/table.js';
import type { IsoDay } from '../../../functions/core/dates.js';
import { affirmedDayWrites } from '../../../functions/core/ingest/coverage.js';
import type { UsageRecord } from '../../../functions/core/usage.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const DAYS = ['2026-03-02', '2026-03-03', '2026-03-04'];
const TEAMS = ['payments', 'search'];

/**
 * Before: Payments spends on all three days. After: day 1 moves to Search (the team set changes),
 * day 2 is unchanged, day 3 is revised within Payments (one line gone, one changed).
 */
const line = (date: IsoDay, team: string, item: string, usd: number): UsageRecord =>
  aRecord({
    date,
    team,
    lineItem: item,
    identities: { workspace: `wrkspc_${team}` },
    costMicros: BigInt(usd * 1e6),
  });
const OLD = DAYS.flatMap((d) => [line(d, 'payments', 'opus', 100), line(d, 'payments', 'sonnet', 25)]);
const NEW = [
  line(DAYS[0] ?? '', 'search', 'opus', 110),
  line(DAYS[0] ?? '', 'search', 'sonnet', 15),
  line(DAYS[1] ?? '', 'payments', 'opus', 100),
  line(DAYS[1] ?? '', 'payments', 'sonnet', 25),
  line(DAYS[2] ?? '', 'payments', 'opus', 140),
];

class Crash extends Error {}

/** A store over `tableName` whose k-th write request (1-based) dies; writes one at a time, in order. */
function storeOn(tableName: string, crashAt?: number, points?: WritePoint[]): DynamoStore {
  let n = 0;
  return new DynamoStore(createDocumentClient(dynamo.client), {
    tableName,
    concurrency: 1,
    batch: { concurrency: 1 },
    beforeWrite: (p) => {
      points?.push(p);
      if (++n === crashAt) throw new Crash(`crash before write ${n} (${p.phase} ${p.date ?? ''})`);
    },
  });
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

async function seeded(): Promise<string> {
  const tableName = `crash-${Math.random().toString(36).slice(2)}`;
  await ensureTable(dynamo.client, tableName);
  await storeOn(tableName).writeSourceDays('anthropic', affirmedDayWrites(DAYS, OLD, '2026-03-05T06:00:00Z'));
  return tableName;
}

const replace = (store: DynamoStore) =>
  store.writeSourceDays('anthropic', affirmedDayWrites(DAYS, NEW, '2026-03-06T06:00:00Z'));

describe('crash-safe replacement of a source’s days', () => {
  it('at every write boundary, readers see each day’s old rows or its new rows, and the next run converges with nothing left over', async () => {
    // Prepare: the two views a reader may see, and every write boundary of one replacement.
    const reference = await seeded();
    const reader = storeOn(reference);
    const before = await view(reader);
    const points: WritePoint[] = [];
    await replace(storeOn(reference, undefined, points));
    const after = await view(reader);
    expect(Object.keys(after[DAYS[0] ?? ''] ?? {})).toEqual(['search']);
    expect(points.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['pending', 'rows', 'commit', 'cleanup', 'finalize']),
    );

    for (let k = 1; k <= points.length; k++) {
      // Act: the replacement dies before its k-th write; then a normal run replaces again.
      const tableName = await seeded();
      await expect(replace(storeOn(tableName, k))).rejects.toBeInstanceOf(Crash);
      const mid = await view(storeOn(tableName));
      await replace(storeOn(tableName));

      // Assess: every day was entirely old or entirely new after the crash ...
      for (const day of DAYS) {
        const seen = JSON.stringify(mid[day], (_k, v) => (typeof v === 'bigint' ? `${v}` : v));
        const old = JSON.stringify(before[day], (_k, v) => (typeof v === 'bigint' ? `${v}` : v));
        const fresh = JSON.stringify(after[day], (_k, v) => (typeof v === 'bigint' ? `${v}` : v));
        expect([old, fresh], `crash before write ${k} (${points[k - 1]?.phase}), ${day}`).toContain(seen);
      }
      // ... and after the re-run it is the new data, with no row of an abandoned or replaced write left.
      expect(await view(storeOn(tableName))).toEqual(after);
      const items =
        (await createDocumentClient(dynamo.client).send(new ScanCommand({ TableName: tableName }))).Items ??
        [];
      expect(items.filter((i) => i.type === 'line')).toHaveLength(NEW.length);
      expect(items.filter((i) => i.type === 'teamDay')).toHaveLength(3);
      expect(items.filter((i) => i.type === 'sourceDay' && (i.pending || i.garbage))).toEqual([]);
    }
  });
});
