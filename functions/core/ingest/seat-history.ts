import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { IsoDay } from '../dates.js';
import { ConditionalWriteConflictError, type StateStore } from '../ports.js';

/**
 * Burnwatch's own daily record of who held a seat (GitHub lists only today's seats, so past days
 * cannot be asked for). Each run stores the seat list as it found it, once per UTC day; a day is then
 * read from the snapshot taken that day, or carried forward from the last one before it. Days before
 * the first snapshot (before burnwatch was installed) can only be rebuilt from the earliest list,
 * approximately. Identical lists are stored once (by content), so a year of unchanged seats costs a
 * small header a day.
 */
export interface SeatAssignment {
  readonly login: string;
  /** The team that assigned the seat; null when assigned to the person directly. */
  readonly team: string | null;
  /** The UTC day access was (last) granted. */
  readonly createdOn: IsoDay;
  readonly cancelOn?: IsoDay;
}

/** How the seats of one day were known. */
export type SeatDayBasis = 'snapshot' | 'carried-forward' | 'rebuilt';

export interface SeatHistory {
  /** Stores today's list (the first run of the day wins) and returns, per day asked, its seats. */
  seatsByDay(
    today: IsoDay,
    current: readonly SeatAssignment[],
    days: readonly IsoDay[],
  ): Promise<Map<IsoDay, { seats: readonly SeatAssignment[]; basis: SeatDayBasis }>>;
}

const CHUNK = 2000;
const DAY_KEY = 'D#';
const row = z.tuple([z.string(), z.string().nullable(), z.string(), z.string().nullable()]);
const header = z.object({ hash: z.string(), chunks: z.number().int().positive(), seats: z.number().int() });
const chunk = z.object({ seats: z.array(row) });

const toRow = (s: SeatAssignment) => [s.login, s.team, s.createdOn, s.cancelOn ?? null] as const;
const fromRow = ([login, team, createdOn, cancelOn]: z.infer<typeof row>): SeatAssignment => ({
  login,
  team,
  createdOn,
  ...(cancelOn ? { cancelOn } : {}),
});

async function loadList(
  store: Pick<StateStore, 'getState'>,
  sourceId: string,
  h: z.infer<typeof header>,
): Promise<SeatAssignment[]> {
  const out: SeatAssignment[] = [];
  for (let i = 0; i < h.chunks; i++) {
    const stored = await store.getState(`SEATLIST#${sourceId}`, `${h.hash}#${i}`);
    if (!stored) throw new Error(`seat history ${sourceId}: list ${h.hash} chunk ${i} is missing`);
    out.push(...chunk.parse(stored.value).seats.map(fromRow));
  }
  return out;
}

/**
 * The seats of one day as burnwatch's snapshots know them (the snapshot taken that day, or the last
 * before it; before the first snapshot, the earliest one, as `seatsByDay` rebuilds such days), read
 * only; undefined when no snapshot was ever taken.
 */
export async function seatsOnDay(
  store: Pick<StateStore, 'getState' | 'listStates'>,
  sourceId: string,
  day: IsoDay,
): Promise<readonly SeatAssignment[] | undefined> {
  const headers = (await store.listStates(`SEATDAY#${sourceId}`, DAY_KEY))
    .map((s) => ({ day: s.key.slice(DAY_KEY.length), header: header.parse(s.value) }))
    .sort((a, b) => (a.day < b.day ? -1 : 1));
  const chosen = headers.filter((h) => h.day <= day).at(-1) ?? headers[0];
  return chosen ? loadList(store, sourceId, chosen.header) : undefined;
}

/** Seat history kept in the state store: `SEATDAY#{source}` headers per day, `SEATLIST#{source}` lists. */
export function createSeatHistory(store: StateStore, sourceId: string): SeatHistory {
  const dayScope = `SEATDAY#${sourceId}`;
  const listScope = `SEATLIST#${sourceId}`;
  const ignoreConflict = (err: unknown) => {
    // Another run of the same day stored its list first: the day's snapshot is that one.
    if (!(err instanceof ConditionalWriteConflictError)) throw err;
  };

  const save = async (today: IsoDay, current: readonly SeatAssignment[]) => {
    const rows = [...current].sort((a, b) => (a.login < b.login ? -1 : 1)).map(toRow);
    const hash = createHash('sha256').update(JSON.stringify(rows)).digest('base64url').slice(0, 22);
    const chunks = Math.max(1, Math.ceil(rows.length / CHUNK));
    if (!(await store.getState(listScope, `${hash}#${chunks - 1}`)))
      for (let i = 0; i < chunks; i++)
        await store
          .putState(listScope, `${hash}#${i}`, { seats: rows.slice(i * CHUNK, (i + 1) * CHUNK) }, 0)
          .catch(ignoreConflict);
    // The header is the commit point: written after every chunk of its list.
    await store
      .putState(dayScope, `${DAY_KEY}${today}`, { hash, chunks, seats: rows.length }, 0)
      .catch(ignoreConflict);
  };

  const load = (h: z.infer<typeof header>) => loadList(store, sourceId, h);

  return {
    async seatsByDay(today, current, days) {
      await save(today, current);
      const headers = (await store.listStates(dayScope, DAY_KEY))
        .map((s) => ({ day: s.key.slice(DAY_KEY.length), header: header.parse(s.value) }))
        .sort((a, b) => (a.day < b.day ? -1 : 1));
      const lists = new Map<string, SeatAssignment[]>();
      const list = async (h: z.infer<typeof header>) => {
        const known = lists.get(h.hash) ?? (await load(h));
        lists.set(h.hash, known);
        return known;
      };
      const out = new Map<IsoDay, { seats: readonly SeatAssignment[]; basis: SeatDayBasis }>();
      for (const day of days) {
        const before = headers.filter((h) => h.day <= day).at(-1);
        if (before)
          out.set(day, {
            seats: await list(before.header),
            basis: before.day === day ? 'snapshot' : 'carried-forward',
          });
        else {
          const first = headers[0];
          out.set(day, { seats: first ? await list(first.header) : current, basis: 'rebuilt' });
        }
      }
      return out;
    },
  };
}
