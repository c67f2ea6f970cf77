import * as z from 'zod';
import { daysInMonth, eachDay, type IsoDay, utcDayOf } from '../../core/dates.js';
import type { Connector, DayRange, UsageFetch } from '../../core/ingest/connector.js';
import type { SeatAssignment, SeatHistory } from '../../core/ingest/seat-history.js';
import { roundDiv, usdNumberToMicros } from '../../core/money.js';
import type { VendorUsageLine } from '../../core/usage.js';
import {
  checkPageLimit,
  type HttpOptions,
  nextLink,
  requestJson,
  requestJsonWithHeaders,
  VendorHttpError,
  VendorResponseError,
} from './http.js';

/**
 * GitHub Copilot: seats (`GET /orgs/{org}/copilot/billing/seats`, an object `{total_seats, seats}`)
 * accrued per day at the configured monthly price to the team that assigned the seat (from burnwatch's
 * daily seat snapshots where it has them), and metered use per day: AI credits
 * (`GET /organizations/{org}/settings/billing/ai_credit/usage?year&month&day[&user]`) from the day
 * the plan moved to them, premium requests (`…/premium_request/usage`) before; `netAmount` in dollars.
 */
const seatsPage = z.object({
  total_seats: z.number({ error: 'expected a number of seats' }).int().nonnegative().optional(),
  seats: z.array(
    z.object({
      assignee: z.object({ login: z.string() }).nullable(),
      assigning_team: z.object({ slug: z.string() }).nullable().optional(),
      // GitHub writes it with an offset (`2021-08-03T18:00:00-06:00`): the seat's day is its UTC day.
      created_at: z
        .string({ error: 'expected an ISO 8601 timestamp' })
        .regex(/^\d{4}-\d{2}-\d{2}T/, 'expected an ISO 8601 timestamp')
        .refine((t) => !Number.isNaN(Date.parse(t)), 'expected an ISO 8601 timestamp'),
      pending_cancellation_date: z
        .string({ error: 'expected a YYYY-MM-DD date' })
        .regex(/^\d{4}-\d{2}-\d{2}/, 'expected a YYYY-MM-DD date')
        .nullable()
        .optional(),
    }),
  ),
});
/**
 * Billing usage for one day: `premium_request/usage` (legacy plans) and `ai_credit/usage` (Copilot's
 * usage-based billing from 2026-06-01) answer the same item shape; `netAmount` (after discounts, in
 * dollars) is the spend.
 */
const billingUsage = z.object({
  usageItems: z.array(
    z.object({
      product: z.string(),
      sku: z.string(),
      model: z
        .string()
        .nullable()
        .optional()
        .transform((m) => m ?? undefined),
      unitType: z.string().optional(),
      netQuantity: z.number({ error: 'expected a quantity' }).optional(),
      netAmount: z.number({ error: 'expected a number of dollars' }),
    }),
  ),
});
type BillingItem = z.infer<typeof billingUsage>['usageItems'][number];

/** The day GitHub moved Copilot's metered use to AI credits. */
export const AI_CREDITS_START: IsoDay = '2026-06-01';

/** FOCUS-style count units for what a line consumed. */
function unitOf(unitType: string | undefined): string {
  if (!unitType) return 'Units';
  if (/credit/i.test(unitType)) return 'Credits';
  if (/request/i.test(unitType)) return 'Requests';
  return unitType.charAt(0).toUpperCase() + unitType.slice(1);
}

export interface CopilotOptions extends HttpOptions {
  readonly sourceId: string;
  readonly organization: string;
  readonly seatPriceUsdPerMonth: number;
  readonly token: () => Promise<string>;
  /** @default https://api.github.com */
  readonly baseUrl?: string;
  readonly today?: IsoDay;
  /** Seats per page (GitHub: default 50, max 100). @default 100 */
  readonly perPage?: number;
  readonly maxPages?: number;
  /**
   * The first day billed in AI credits (from it, `ai_credit/usage`; before it, premium requests);
   * null for a legacy plan still billed in premium requests. @default AI_CREDITS_START
   */
  readonly aiCreditsFrom?: IsoDay | null;
  /** AI credits per seated user (one call per user and day) instead of for the organization. */
  readonly aiCreditsPerUser?: boolean;
  /** Burnwatch's stored daily seat snapshots; without it every day is rebuilt from today's list. */
  readonly seatHistory?: SeatHistory;
}

type SeatRow = z.infer<typeof seatsPage>['seats'][number];

const toAssignment = (s: SeatRow): SeatAssignment => ({
  login: s.assignee?.login ?? 'unknown',
  team: s.assigning_team?.slug ?? null,
  createdOn: utcDayOf(new Date(s.created_at)),
  ...(s.pending_cancellation_date ? { cancelOn: s.pending_cancellation_date.slice(0, 10) } : {}),
});

export function createCopilotConnector(opts: CopilotOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const org = encodeURIComponent(opts.organization);
  const endpoint = 'copilot/billing/seats';

  /**
   * The current seat assignments, following GitHub's `Link: <…>; rel="next"` from page to page (its
   * URLs may name the organization by id, so they are used as given, never rebuilt). The token only
   * goes to the configured origin. If the pages list fewer seats than `total_seats` announced, the
   * list moved while paging (a seat skipped): the source fails and is re-pulled on the next run.
   */
  const seatList = async (headers: Record<string, string>, http: HttpOptions): Promise<SeatRow[]> => {
    const seats: SeatRow[] = [];
    const logins = new Set<string>();
    let announced: number | undefined;
    let url: string | undefined = `${base}/orgs/${org}/copilot/billing/seats?per_page=${opts.perPage ?? 100}`;
    for (let page = 1; url; page++) {
      const site = { source: opts.sourceId, endpoint, page };
      checkPageLimit(site, opts.maxPages ?? 1000);
      const res = await requestJsonWithHeaders(url, { headers }, seatsPage, site, http);
      if (res === 'end') break;
      announced ??= res.body.total_seats;
      for (const s of res.body.seats) {
        // A seat assigned while paging shifts the list: one seen already may come round again.
        const login = s.assignee?.login;
        if (login !== undefined && logins.has(login)) continue;
        if (login !== undefined) logins.add(login);
        seats.push(s);
      }
      const next = nextLink(res.headers.get('link'));
      if (next === undefined) break;
      const nextUrl: URL = new URL(next, url);
      if (nextUrl.origin !== new URL(base).origin)
        throw new VendorResponseError(
          `${opts.sourceId} ${endpoint} page ${page}: Link rel="next" points to ${nextUrl.origin}, not ${new URL(base).origin}; not sending the token there`,
        );
      url = nextUrl.toString();
    }
    if (announced !== undefined && seats.length < announced)
      throw new VendorResponseError(
        `${opts.sourceId} ${endpoint}: total_seats is ${announced} but the pages listed ${seats.length} (seats changed while paging?); re-run the ingest`,
      );
    return seats;
  };

  const billingItems = async (
    endpoint: 'premium_request' | 'ai_credit',
    day: IsoDay,
    user: string | undefined,
    headers: Record<string, string>,
    http: HttpOptions,
  ): Promise<BillingItem[]> => {
    const [y, m, d] = day.split('-').map(Number);
    const who = user ? `&user=${encodeURIComponent(user)}` : '';
    const site = { source: opts.sourceId, endpoint: `billing/${endpoint}/usage`, page: 1 };
    try {
      const usage = await requestJson(
        `${base}/organizations/${org}/settings/billing/${endpoint}/usage?year=${y}&month=${m}&day=${d}${who}`,
        { headers },
        billingUsage,
        site,
        http,
      );
      return usage === 'end' ? [] : usage.usageItems;
    } catch (err) {
      // Enterprise-owned organizations may not filter by user: say what to change.
      if (user && err instanceof VendorHttpError && err.status === 403)
        throw new VendorHttpError(
          `${err.message}; this organization cannot report AI credits per user, set aiCreditsPerUser: false`,
          403,
          { cause: err },
        );
      throw err;
    }
  };

  /** One line per SKU and model of a day's billing items, net amount as spend. */
  const itemLines = (
    items: readonly BillingItem[],
    day: IsoDay,
    identities: VendorUsageLine['identities'],
    suffix = '',
  ): VendorUsageLine[] => {
    const byKey = new Map<string, VendorUsageLine>();
    for (const item of items) {
      // Several models share a SKU: one line per SKU and model.
      const lineItem = `${item.sku}${item.model ? ` (${item.model})` : ''}${suffix}`;
      const prev = byKey.get(lineItem);
      const micros = usdNumberToMicros(item.netAmount);
      const quantity = item.netQuantity ?? 0;
      byKey.set(lineItem, {
        date: day,
        vendor: 'copilot',
        identities,
        lineItem,
        ...(item.model ? { model: item.model } : {}),
        costMicros: (prev?.costMicros ?? 0n) + micros,
        quantity: { value: (prev?.quantity?.value ?? 0) + quantity, unit: unitOf(item.unitType) },
        provisional: opts.today !== undefined && day >= opts.today,
      });
    }
    return [...byKey.values()];
  };

  /**
   * AI credits of one day. Per user (one call per seated user, `user=`) where asked, each user's
   * lines carrying the login and the seat's team; what the organization's answer has beyond the
   * users' sum stays on the organization, so the day's total is the organization's, exactly.
   */
  const aiCredits = async (
    day: IsoDay,
    seats: readonly SeatAssignment[],
    headers: Record<string, string>,
    http: HttpOptions,
  ): Promise<VendorUsageLine[]> => {
    const orgLines = itemLines(await billingItems('ai_credit', day, undefined, headers, http), day, {
      account: opts.organization,
    });
    if (!opts.aiCreditsPerUser) return orgLines;
    const userLines: VendorUsageLine[] = [];
    for (const seat of [...seats].sort((a, b) => (a.login < b.login ? -1 : 1))) {
      const items = await billingItems('ai_credit', day, seat.login, headers, http);
      userLines.push(
        ...itemLines(items, day, { account: seat.login, ...(seat.team ? { githubTeam: seat.team } : {}) }),
      );
    }
    const rest: VendorUsageLine[] = [];
    for (const o of orgLines) {
      const users = userLines.filter((u) => u.lineItem === o.lineItem);
      const left = o.costMicros - users.reduce((a, u) => a + u.costMicros, 0n);
      if (left < 0n)
        throw new VendorResponseError(
          `${opts.sourceId} billing/ai_credit/usage ${day}: the users' ${o.lineItem} exceeds the organization's by ${-left} micro-dollars (usage changed while paging?); re-run the ingest`,
        );
      if (left > 0n)
        rest.push({
          ...o,
          lineItem: `${o.lineItem} not attributed to a seat`,
          costMicros: left,
          quantity: {
            value: (o.quantity?.value ?? 0) - users.reduce((a, u) => a + (u.quantity?.value ?? 0), 0),
            unit: o.quantity?.unit ?? 'Credits',
          },
        });
    }
    const unknownUser = userLines.find((u) => !orgLines.some((o) => o.lineItem === u.lineItem));
    if (unknownUser)
      throw new VendorResponseError(
        `${opts.sourceId} billing/ai_credit/usage ${day}: ${unknownUser.identities.account} has ${unknownUser.lineItem}, which the organization's answer lacks; re-run the ingest`,
      );
    return [...userLines, ...rest];
  };

  return {
    sourceId: opts.sourceId,
    vendor: 'copilot',
    async fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch> {
      const http = signal ? { ...opts, signal } : opts;
      const headers = {
        authorization: `Bearer ${await opts.token()}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      };
      const current = (await seatList(headers, http)).map(toAssignment);
      const days = eachDay(range.from, range.to);
      const history = opts.seatHistory
        ? await opts.seatHistory.seatsByDay(opts.today ?? range.to, current, days)
        : undefined;
      const priceMicros = usdNumberToMicros(opts.seatPriceUsdPerMonth);
      const aiCreditsFrom = opts.aiCreditsFrom === undefined ? AI_CREDITS_START : opts.aiCreditsFrom;
      const lines: VendorUsageLine[] = [];
      const notes = new Set<string>();
      for (const day of days) {
        const provisional = opts.today !== undefined && day >= opts.today;
        const known = history?.get(day);
        if (known?.basis === 'rebuilt')
          notes.add(
            'seats before the first stored seat snapshot are rebuilt from the earliest list (approximate)',
          );
        // A seat costs price ÷ days-in-month each day it is assigned (created on or before, not yet cancelled).
        const seats = (known?.seats ?? current).filter(
          (s) => s.createdOn <= day && !(s.cancelOn && s.cancelOn < day),
        );
        const perTeam = new Map<string, number>();
        for (const s of seats) {
          const who = s.team ? `team:${s.team}` : `user:${s.login}`;
          perTeam.set(who, (perTeam.get(who) ?? 0) + 1);
        }
        const dim = BigInt(daysInMonth(Number(day.slice(0, 4)), Number(day.slice(5, 7))));
        for (const [who, count] of perTeam) {
          lines.push({
            date: day,
            vendor: 'copilot',
            identities: who.startsWith('team:') ? { githubTeam: who.slice(5) } : { account: who.slice(5) },
            lineItem: 'Copilot seats',
            costMicros: roundDiv(BigInt(count) * priceMicros, dim),
            quantity: { value: count, unit: 'Seats' },
            provisional,
          });
        }
        // Metered use: AI credits from the day the plan moved to them, premium requests before (or
        // on a legacy plan). Exactly one of the two is asked per day, so they never double count.
        if (aiCreditsFrom !== null && day >= aiCreditsFrom)
          lines.push(...(await aiCredits(day, seats, headers, http)));
        else
          lines.push(
            ...itemLines(await billingItems('premium_request', day, undefined, headers, http), day, {
              account: opts.organization,
            }),
          );
      }
      // The seat list and each day's billing answer cover every day asked for: a day without lines
      // is an org without seats or metered use that day, as the vendor said.
      return { lines, answeredDays: new Set(days), ...(notes.size ? { notes: [...notes] } : {}) };
    },
  };
}
