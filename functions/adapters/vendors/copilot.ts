import * as z from 'zod';
import { daysInMonth, eachDay, type IsoDay } from '../../core/dates.js';
import type { Connector, DayRange, UsageFetch } from '../../core/ingest/connector.js';
import { roundDiv, usdNumberToMicros } from '../../core/money.js';
import { lineKey, type VendorUsageLine } from '../../core/usage.js';
import {
  checkPageLimit,
  type HttpOptions,
  nextLink,
  requestJson,
  requestJsonWithHeaders,
  VendorResponseError,
} from './http.js';

/**
 * GitHub Copilot: seats (`GET /orgs/{org}/copilot/billing/seats`, an object `{total_seats, seats}`)
 * accrued per day at the configured monthly price to the team that assigned the seat, and metered
 * premium requests (`GET /organizations/{org}/settings/billing/premium_request/usage?year&month&day`,
 * `netAmount` in dollars), which GitHub reports for the organization, not per team.
 */
const seatsPage = z.object({
  total_seats: z.number({ error: 'expected a number of seats' }).int().nonnegative().optional(),
  seats: z.array(
    z.object({
      assignee: z.object({ login: z.string() }).nullable(),
      assigning_team: z.object({ slug: z.string() }).nullable().optional(),
      created_at: z
        .string({ error: 'expected an ISO 8601 timestamp' })
        .regex(/^\d{4}-\d{2}-\d{2}/, 'expected an ISO 8601 timestamp'),
      pending_cancellation_date: z
        .string({ error: 'expected a YYYY-MM-DD date' })
        .regex(/^\d{4}-\d{2}-\d{2}/, 'expected a YYYY-MM-DD date')
        .nullable()
        .optional(),
    }),
  ),
});
const premiumUsage = z.object({
  usageItems: z.array(
    z.object({
      product: z.string(),
      sku: z.string(),
      model: z.string().optional(),
      netAmount: z.number({ error: 'expected a number of dollars' }),
    }),
  ),
});

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
}

type SeatRow = z.infer<typeof seatsPage>['seats'][number];

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
      const seats = await seatList(headers, http);
      const priceMicros = usdNumberToMicros(opts.seatPriceUsdPerMonth);
      const lines: VendorUsageLine[] = [];
      for (const day of eachDay(range.from, range.to)) {
        const provisional = opts.today !== undefined && day >= opts.today;
        // A seat costs price ÷ days-in-month each day it is assigned (created on or before, not yet cancelled).
        const perTeam = new Map<string, number>();
        for (const s of seats) {
          if (s.created_at.slice(0, 10) > day) continue;
          if (s.pending_cancellation_date && s.pending_cancellation_date < day) continue;
          const who = s.assigning_team?.slug
            ? `team:${s.assigning_team.slug}`
            : `user:${s.assignee?.login ?? 'unknown'}`;
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
            provisional,
          });
        }
        // Premium requests for the day (organization level).
        const [y, m, d] = day.split('-').map(Number);
        const usage = await requestJson(
          `${base}/organizations/${org}/settings/billing/premium_request/usage?year=${y}&month=${m}&day=${d}`,
          { headers },
          premiumUsage,
          { source: opts.sourceId, endpoint: 'billing/premium_request/usage', page: 1 },
          http,
        );
        if (usage === 'end') continue;
        const byKey = new Map<string, VendorUsageLine>();
        for (const item of usage.usageItems) {
          const line: VendorUsageLine = {
            date: day,
            vendor: 'copilot',
            identities: { account: opts.organization },
            lineItem: item.sku,
            ...(item.model ? { model: item.model } : {}),
            costMicros: usdNumberToMicros(item.netAmount),
            provisional,
          };
          const k = lineKey(line) + (item.model ?? '');
          const prev = byKey.get(k);
          byKey.set(k, prev ? { ...prev, costMicros: prev.costMicros + line.costMicros } : line);
        }
        for (const l of byKey.values()) {
          // Several models share a SKU: keep one line per SKU and model.
          lines.push(l.model ? { ...l, lineItem: `${l.lineItem} (${l.model})` } : l);
        }
      }
      // The seat list and each day's premium-request answer cover every day asked for: a day
      // without lines is an org without seats or premium use that day, as the vendor said.
      return { lines, answeredDays: new Set(eachDay(range.from, range.to)) };
    },
  };
}
