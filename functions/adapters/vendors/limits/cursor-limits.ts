import * as z from 'zod';
import type { VendorLimit } from '../../../core/limits/proposal.js';
import type { LimitTarget, VendorLimitApi, VendorRequest } from '../../../core/limits/vendor-limit-api.js';
import { checkPageLimit, type HttpOptions, requestJson, VendorResponseError } from '../http.js';

/**
 * Cursor per-member hard limits (docs/ingest.md "Limit APIs"): `POST /teams/user-spend-limit`
 * `{ userEmail, spendLimitDollars }` (null clears), read and read back from `POST /teams/spend`
 * (`hardLimitOverrideDollars` per member: their own limit, what burnwatch sets and Undo restores;
 * `effectivePerUserLimitDollars`, else `monthlyLimitDollars`, the limit in force when they have no
 * override of their own). Basic auth with the Enterprise admin key as user name.
 */
const dollars = z.number({ error: 'expected a number of dollars' }).nonnegative().nullable().optional();
const spendPage = z.object({
  teamMemberSpend: z.array(
    z.object({
      email: z.string(),
      hardLimitOverrideDollars: dollars,
      monthlyLimitDollars: dollars,
      effectivePerUserLimitDollars: dollars,
    }),
  ),
  totalPages: z.number().int().nonnegative().optional(),
});
/**
 * Whole cents of a dollar figure; 0 and absent both read as "none" (docs/ingest.md: not confirmed
 * which Cursor means by 0).
 */
const centsOf = (d: number | null | undefined): number | null => (d ? Math.round(d * 100) : null);
/** The answer to a set is not documented: any JSON object; reading back is the check. */
const setAnswer = z.record(z.string(), z.unknown());

export interface CursorLimitOptions extends HttpOptions {
  readonly apiKey: () => Promise<string>;
  /** @default https://api.cursor.com */
  readonly baseUrl?: string;
  readonly pageSize?: number;
  readonly maxPages?: number;
}

export function createCursorLimitApi(opts: CursorLimitOptions): VendorLimitApi {
  const base = (opts.baseUrl ?? 'https://api.cursor.com').replace(/\/$/, '');
  const pageSize = opts.pageSize ?? 100;
  const init = async (body: unknown): Promise<RequestInit> => ({
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${await opts.apiKey()}:`).toString('base64')}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  });
  const setRequest = (target: LimitTarget, amountCents: number | null): VendorRequest => ({
    method: 'POST',
    path: '/teams/user-spend-limit',
    body: {
      userEmail: target.subject,
      spendLimitDollars: amountCents === null ? null : Math.round(amountCents / 100),
    },
  });
  return {
    vendor: 'cursor',
    async read(target): Promise<VendorLimit> {
      const email = target.subject.toLowerCase();
      for (let page = 1; ; page++) {
        const site = { source: 'cursor-limits', endpoint: '/teams/spend', page };
        checkPageLimit(site, opts.maxPages ?? 200);
        const body = await requestJson(
          `${base}/teams/spend`,
          await init({ page, pageSize }),
          spendPage,
          site,
          opts,
        );
        if (body === 'end') break;
        const member = body.teamMemberSpend.find((m) => m.email.toLowerCase() === email);
        if (member) {
          const own = centsOf(member.hardLimitOverrideDollars);
          // The limit in force: Cursor's own figure where it gives one, else the override, else the
          // team's per-user limit (docs/ingest.md: which of these Cursor always sends is not confirmed).
          const inForce =
            member.effectivePerUserLimitDollars !== undefined && member.effectivePerUserLimitDollars !== null
              ? centsOf(member.effectivePerUserLimitDollars)
              : (own ?? centsOf(member.monthlyLimitDollars));
          return inForce === own ? { amountCents: own } : { amountCents: own, effectiveCents: inForce };
        }
        if (body.teamMemberSpend.length === 0 || page >= (body.totalPages ?? page)) break;
      }
      throw new VendorResponseError(
        `cursor-limits /teams/spend: ${target.subject} is not a member of the Cursor team`,
      );
    },
    async set(target, amountCents) {
      const req = setRequest(target, amountCents);
      const site = { source: 'cursor-limits', endpoint: req.path, page: 1 };
      const answer = await requestJson(`${base}${req.path}`, await init(req.body), setAnswer, site, {
        ...opts,
        emptyAs: {},
      });
      return { response: answer === 'end' ? {} : answer };
    },
    describe: (target, amountCents) => [setRequest(target, amountCents)],
  };
}
