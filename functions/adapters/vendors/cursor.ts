import * as z from 'zod';
import { addDays, type IsoDay, minDay, toDayNumber, utcDayOf } from '../../core/dates.js';
import {
  type Connector,
  type DayRange,
  SourceOutOfTimeError,
  type UsageFetch,
} from '../../core/ingest/connector.js';
import type { SeatHistory } from '../../core/ingest/seat-history.js';
import { centsNumberToMicros } from '../../core/money.js';
import { addTokenCounts, lineKey, type OutcomeCounts, type VendorUsageLine } from '../../core/usage.js';
import { checkPageLimit, type HttpOptions, requestJson } from './http.js';

/**
 * Cursor Admin API usage events (`POST /teams/filtered-usage-events`): one event per request with
 * `chargedCents` (cents, fractional), rolled up here to one line per user, model and UTC day.
 * Basic auth with the key as the user name; dates are epoch ms, both bounds inclusive.
 */
const cents = z.number({ error: 'expected a number of cents' });
const usageEvent = z
  .object({
    timestamp: z.string().regex(/^\d+$/, 'expected epoch milliseconds as a string'),
    userEmail: z.string().optional(),
    serviceAccountId: z.string().optional(),
    model: z.string().optional(),
    isChargeable: z.boolean().optional(),
    chargedCents: cents.nullable().optional(),
    cursorTokenFee: cents.nullable().optional(),
    tokenUsage: z
      .object({
        inputTokens: z.number().optional(),
        outputTokens: z.number().optional(),
        cacheReadTokens: z.number().optional(),
        cacheWriteTokens: z.number().optional(),
        totalCents: cents.nullable().optional(),
      })
      .optional(),
  })
  // A chargeable event whose cost is nowhere is refused, never stored as $0.
  .refine((e) => !(e.isChargeable === true && eventMicros(e) === undefined), {
    error: 'a chargeable event without chargedCents or tokenUsage.totalCents',
    path: ['chargedCents'],
  });

/**
 * What an event charged: `chargedCents` (model cost plus the Cursor Token Rate); an answer without it
 * gives the model cost as `tokenUsage.totalCents` and the rate as `cursorTokenFee`. Each is made exact
 * before they are added (cents are floats on the wire).
 */
function eventMicros(e: {
  chargedCents?: number | null | undefined;
  cursorTokenFee?: number | null | undefined;
  tokenUsage?: { totalCents?: number | null | undefined } | undefined;
}): bigint | undefined {
  if (e.chargedCents != null) return centsNumberToMicros(e.chargedCents);
  const model = e.tokenUsage?.totalCents;
  return model == null ? undefined : centsNumberToMicros(model) + centsNumberToMicros(e.cursorTokenFee ?? 0);
}

const eventsPage = z.object({
  usageEvents: z.array(usageEvent),
  pagination: z.object({ hasNextPage: z.boolean(), currentPage: z.number().int() }),
});

/**
 * Daily usage data (`POST /teams/daily-usage-data`): one record per member per day with activity
 * counters and no money. Asked with `page`/`pageSize`, every member comes back (inactive ones too),
 * paged by member; the range may span at most 30 days.
 */
const activity = z.number({ error: 'expected a count' }).int().nonnegative().default(0);
const dailyRecord = z
  .object({
    userId: z.union([z.string(), z.number()]).optional(),
    /** `YYYY-MM-DD`; older answers only carry `date` (epoch ms of the UTC day). */
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
      .optional(),
    date: z.number({ error: 'expected epoch milliseconds' }).int().optional(),
    email: z.string().nullable().optional(),
    isActive: z.boolean().optional(),
    totalLinesAdded: activity,
    totalLinesDeleted: activity,
    acceptedLinesAdded: activity,
    composerRequests: activity,
    chatRequests: activity,
    agentRequests: activity,
    cmdkUsages: activity,
    totalTabsAccepted: activity,
    /** Left as absent, not 0: acceptances of an unknown number shown cannot make a rate. */
    totalTabsShown: z.number({ error: 'expected a count' }).int().nonnegative().optional(),
    totalAccepts: activity,
    totalRejects: activity,
    mostUsedModel: z.string().nullable().optional(),
  })
  .refine((r) => r.day !== undefined || r.date !== undefined, {
    error: 'expected a day or date',
    path: ['day'],
  });
const dailyPage = z.object({
  data: z.array(dailyRecord),
  pagination: z.object({ hasNextPage: z.boolean() }).optional(),
});

/**
 * Team members (`GET /teams/members`): who holds a paid seat. Only emails are used; a removed member
 * holds no seat.
 */
const membersPage = z.object({
  teamMembers: z.array(
    z.object({
      email: z.string({ error: "expected the member's email" }),
      name: z.string().nullable().optional(),
      role: z.string().nullable().optional(),
      isRemoved: z.boolean().optional(),
    }),
  ),
});

/** Cursor rejects a daily-usage-data range longer than this. */
const DAILY_USAGE_MAX_DAYS = 30;

export interface CursorOptions extends HttpOptions {
  readonly sourceId: string;
  readonly apiKey: () => Promise<string>;
  /** @default https://api.cursor.com */
  readonly baseUrl?: string;
  readonly today?: IsoDay;
  /** Events per page (≤ 1000). @default 1000 */
  readonly pageSize?: number;
  readonly maxPages?: number;
  /** Also pull per-user daily activity (detail lines: lines, requests, model most used). @default true */
  readonly includeDailyUsage?: boolean;
  /** Members per page of daily usage data. @default 100 */
  readonly dailyUsagePageSize?: number;
  /**
   * Where the member list is kept, once a UTC day (outcomes: idle seats). Without it the members are
   * not asked for.
   */
  readonly seatHistory?: SeatHistory;
}

/** Epoch ms bounds of a day range, both inclusive (Cursor's convention). */
const msBounds = (range: DayRange) => ({
  startDate: toDayNumber(range.from) * 86_400_000,
  endDate: toDayNumber(addDays(range.to, 1)) * 86_400_000 - 1,
});

/**
 * Cursor Admin API: usage events are the money of record (`chargedCents` per user, model and day);
 * daily usage data adds one detail line per active member and day (`billable: false`, cost 0) with
 * lines added and accepted, AI requests and the model used most, so cost-per-line and active users
 * can be read beside the spend without changing it.
 */
export function createCursorConnector(opts: CursorOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.cursor.com').replace(/\/$/, '');
  const maxPages = opts.maxPages ?? 1000;
  const provisional = (date: IsoDay) => opts.today !== undefined && date >= opts.today;
  const post = (auth: string, body: unknown): RequestInit => ({
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });

  const usageEvents = async (
    range: DayRange,
    auth: string,
    http: HttpOptions,
  ): Promise<VendorUsageLine[]> => {
    const byKey = new Map<string, VendorUsageLine>();
    for (let page = 1; ; page++) {
      const site = { source: opts.sourceId, endpoint: 'filtered-usage-events', page };
      checkPageLimit(site, maxPages);
      const body = await requestJson(
        `${base}/teams/filtered-usage-events`,
        post(auth, { ...msBounds(range), page, pageSize: opts.pageSize ?? 1000 }),
        eventsPage,
        site,
        http,
      );
      if (body === 'end') break;
      for (const e of body.usageEvents) {
        const date = utcDayOf(new Date(Number(e.timestamp)));
        if (date < range.from || date > range.to) continue;
        const who = e.userEmail ?? e.serviceAccountId ?? 'unknown';
        const model = e.model ?? 'unknown';
        const key = `${date}|${who}|${model}`;
        // An event with no cost anywhere and not marked chargeable is plan usage (included requests).
        const costMicros = eventMicros(e) ?? 0n;
        const tokens = {
          input: e.tokenUsage?.inputTokens ?? 0,
          output: e.tokenUsage?.outputTokens ?? 0,
          cacheRead: e.tokenUsage?.cacheReadTokens ?? 0,
          cacheWrite: e.tokenUsage?.cacheWriteTokens ?? 0,
        };
        const prev = byKey.get(key);
        byKey.set(
          key,
          prev
            ? {
                ...prev,
                costMicros: prev.costMicros + costMicros,
                tokens: addTokenCounts(prev.tokens, tokens),
              }
            : {
                date,
                vendor: 'cursor',
                identities: e.userEmail ? { userEmail: e.userEmail } : { account: who },
                lineItem: model,
                model,
                costMicros,
                tokens,
                provisional: provisional(date),
              },
        );
      }
      if (!body.pagination.hasNextPage) break;
    }
    return [...byKey.values()];
  };

  /** One detail line per active member and day, in windows of at most 30 days, paged by member. */
  const dailyUsage = async (range: DayRange, auth: string, http: HttpOptions): Promise<VendorUsageLine[]> => {
    const byKey = new Map<string, VendorUsageLine>();
    for (let from = range.from; from <= range.to; from = addDays(from, DAILY_USAGE_MAX_DAYS)) {
      const window = { from, to: minDay(range.to, addDays(from, DAILY_USAGE_MAX_DAYS - 1)) };
      for (let page = 1; ; page++) {
        const site = { source: opts.sourceId, endpoint: 'daily-usage-data', page };
        checkPageLimit(site, maxPages);
        const body = await requestJson(
          `${base}/teams/daily-usage-data`,
          post(auth, { ...msBounds(window), page, pageSize: opts.dailyUsagePageSize ?? 100 }),
          dailyPage,
          site,
          http,
        );
        if (body === 'end') break;
        for (const r of body.data) {
          const date = r.day ?? utcDayOf(new Date(r.date ?? 0));
          if (date < window.from || date > window.to) continue;
          const outcomes = {
            linesAdded: r.totalLinesAdded,
            linesRemoved: r.totalLinesDeleted,
            linesAccepted: r.acceptedLinesAdded,
            requests: r.composerRequests + r.chatRequests + r.agentRequests + r.cmdkUsages,
            acceptances: r.totalTabsAccepted,
            ...(r.totalTabsShown === undefined ? {} : { suggestionsShown: r.totalTabsShown }),
            toolAccepted: r.totalAccepts,
            toolRejected: r.totalRejects,
          } satisfies OutcomeCounts;
          // Paged answers list every member every day; a day without activity is not a line. Tab
          // suggestions shown to someone who took none are not activity of theirs.
          const { suggestionsShown: _shown, ...own } = outcomes;
          const counters = Object.values(own);
          if (r.isActive !== true && counters.every((n) => n === 0)) continue;
          const line: VendorUsageLine = {
            date,
            vendor: 'cursor',
            identities: r.email ? { userEmail: r.email } : { account: String(r.userId ?? 'unknown') },
            lineItem: 'Cursor activity',
            ...(r.mostUsedModel ? { model: r.mostUsedModel } : {}),
            costMicros: 0n,
            outcomes,
            provisional: provisional(date),
            billable: false,
          };
          const k = `${date}|${lineKey(line)}`;
          const prev = byKey.get(k);
          byKey.set(k, prev ? { ...prev, outcomes: addOutcomes(prev.outcomes, outcomes) } : line);
        }
        if (!body.pagination?.hasNextPage) break;
      }
    }
    return [...byKey.values()];
  };

  /** Today's members, stored as the day's seat snapshot (once per connector, i.e. per run). */
  let membersSaved = false;
  const saveMembers = async (range: DayRange, auth: string, http: HttpOptions) => {
    const history = opts.seatHistory;
    if (!history || membersSaved) return;
    const body = await requestJson(
      `${base}/teams/members`,
      { method: 'GET', headers: { authorization: auth, accept: 'application/json' } },
      membersPage,
      { source: opts.sourceId, endpoint: 'teams/members', page: 1 },
      http,
    );
    if (body === 'end') return;
    const seats = body.teamMembers
      .filter((m) => m.isRemoved !== true)
      // Cursor does not say when a seat was given: the list is what counts.
      .map((m) => ({ login: m.email.toLowerCase(), team: null, createdOn: '1970-01-01' }));
    await history.seatsByDay(opts.today ?? range.to, seats, []);
    membersSaved = true;
  };

  return {
    sourceId: opts.sourceId,
    vendor: 'cursor',
    async fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch> {
      const http = signal ? { ...opts, signal } : opts;
      const auth = `Basic ${Buffer.from(`${await opts.apiKey()}:`).toString('base64')}`;
      const notes: string[] = [];
      try {
        await saveMembers(range, auth, http);
      } catch (err) {
        // Seats are for the outcome metrics; the spend is pulled whatever the member list does.
        if (err instanceof SourceOutOfTimeError) throw err;
        membersSaved = true;
        notes.push(
          `member list not read (${err instanceof Error ? err.message : String(err)}): idle Cursor seats are not counted this run`,
        );
      }
      const lines = await usageEvents(range, auth, http);
      if (opts.includeDailyUsage !== false) lines.push(...(await dailyUsage(range, auth, http)));
      // Usage events have no per-day buckets: a day without events is only "nothing returned".
      return notes.length ? { lines, notes } : { lines };
    },
  };
}

function addOutcomes(a: OutcomeCounts | undefined, b: OutcomeCounts): OutcomeCounts {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + (v ?? 0);
  return out;
}
