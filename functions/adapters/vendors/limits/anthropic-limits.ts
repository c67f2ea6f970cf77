import * as z from 'zod';
import type { VendorLimit } from '../../../core/limits/proposal.js';
import type { LimitTarget, VendorLimitApi, VendorRequest } from '../../../core/limits/vendor-limit-api.js';
import { checkPageLimit, type HttpOptions, requestJson, VendorResponseError } from '../http.js';

/**
 * Anthropic spend limits (docs/ingest.md "Limit APIs"): `POST /v1/organizations/spend_limits` upserts
 * by (scope, period) with `amount` in cents as a decimal string; a member's limit is read from
 * `GET …/spend_limits/effective` (its `amount` is the limit in force, its `source` whether that is an
 * override of the member's own or inherited, e.g. from the seat tier),
 * a workspace's by its id (`GET …/spend_limits/{id}`); `DELETE …/{id}` removes burnwatch's override.
 */
const centsString = z.string().regex(/^\d+$/, 'expected whole cents as a decimal string');
const scope = z.object({
  type: z.string(),
  user_id: z.string().optional(),
  workspace_id: z.string().optional(),
});
const spendLimit = z.object({
  id: z.string(),
  type: z.literal('spend_limit'),
  amount: centsString.nullable(),
  period: z.enum(['daily', 'weekly', 'monthly']),
  scope,
});
const effectivePage = z.object({
  data: z.array(
    z.object({
      actor: z.object({
        type: z.string(),
        user_id: z.string().optional(),
        email_address: z.string().nullable().optional(),
      }),
      amount: centsString.nullable(),
      period: z.enum(['daily', 'weekly', 'monthly']),
      period_to_date_spend: z.string().regex(/^\d+(\.\d+)?$/, 'expected cents as a decimal string'),
      source: scope,
      spend_limit_id: z.string().nullable().optional(),
    }),
  ),
  has_more: z.boolean().optional(),
  next_page: z.string().nullable().optional(),
});
const deleted = z.object({ id: z.string(), type: z.literal('spend_limit_deleted') });

export interface AnthropicLimitOptions extends HttpOptions {
  readonly apiKey: () => Promise<string>;
  /** @default https://api.anthropic.com */
  readonly baseUrl?: string;
  readonly maxPages?: number;
  /** A workspace's current limit id by workspace id (config `limits.anthropic.workspaces[…].spendLimitId`). */
  readonly workspaceLimitIds?: Readonly<Record<string, string>>;
}

const PATH = '/v1/organizations/spend_limits';

export function createAnthropicLimitApi(opts: AnthropicLimitOptions): VendorLimitApi {
  const base = (opts.baseUrl ?? 'https://api.anthropic.com').replace(/\/$/, '');
  /** Member ids by email, learnt from the effective report (the set takes a `user_…` id). */
  const userIds = new Map<string, string>();
  const init = async (method: string, body?: unknown): Promise<RequestInit> => ({
    method,
    headers: {
      'x-api-key': await opts.apiKey(),
      'anthropic-version': '2023-06-01',
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const call = async <S extends z.ZodType>(req: VendorRequest, schema: S): Promise<z.infer<S>> => {
    const site = { source: 'anthropic-limits', endpoint: req.path.split('?')[0] ?? req.path, page: 1 };
    const res = await requestJson(`${base}${req.path}`, await init(req.method, req.body), schema, site, opts);
    if (res === 'end') throw new VendorResponseError(`anthropic-limits ${req.path}: no answer`);
    return res;
  };
  const scopeOf = (target: LimitTarget, userId?: string) =>
    target.scope === 'user'
      ? { type: 'user', user_id: userId ?? `<user id of ${target.subject}>` }
      : { type: 'workspace', workspace_id: target.subject };
  const requests = (
    target: LimitTarget,
    amountCents: number | null,
    current?: VendorLimit,
    userId?: string,
    restore?: VendorLimit,
  ): VendorRequest[] => {
    // An explicit "no limit" override of the scope's own (amount null, with an id) is put back as
    // such: removing it would drop the member to the limit they inherit.
    const explicitNone = amountCents === null && restore?.amountCents === null && restore.ref !== undefined;
    if (amountCents === null && !explicitNone)
      // No limit before: remove the one burnwatch set (the member falls back to what they inherit).
      return current?.ref ? [{ method: 'DELETE', path: `${PATH}/${current.ref}` }] : [];
    return [
      {
        method: 'POST',
        path: PATH,
        body: {
          amount: amountCents === null ? null : String(amountCents),
          scope: scopeOf(target, userId),
          period: 'monthly',
        },
      },
    ];
  };

  async function readUser(target: LimitTarget): Promise<VendorLimit> {
    const email = target.subject.toLowerCase();
    let page: string | undefined;
    for (let n = 1; ; n++) {
      checkPageLimit(
        { source: 'anthropic-limits', endpoint: `${PATH}/effective`, page: n },
        opts.maxPages ?? 200,
      );
      const q = new URLSearchParams({ limit: '1000', 'period[]': 'monthly' });
      if (page) q.set('page', page);
      const body = await call({ method: 'GET', path: `${PATH}/effective?${q}` }, effectivePage);
      for (const row of body.data) {
        if (row.actor.email_address?.toLowerCase() !== email || row.period !== 'monthly') continue;
        if (row.actor.user_id) userIds.set(email, row.actor.user_id);
        // Only a member's own override is burnwatch's to set and restore; an inherited limit (the seat
        // tier's) is not, but it is the one in force, so a cap above it must not replace it.
        const inForce = row.amount === null ? null : Number(row.amount);
        const own = row.source.type === 'user';
        if (own && row.spend_limit_id) return { amountCents: inForce, ref: row.spend_limit_id };
        return inForce === null ? { amountCents: null } : { amountCents: null, effectiveCents: inForce };
      }
      if (!body.has_more || !body.next_page) break;
      page = body.next_page;
    }
    throw new VendorResponseError(
      `anthropic-limits ${PATH}/effective: ${target.subject} is not a member with a spend limit report (per-user limits need a Claude Enterprise organization)`,
    );
  }

  return {
    vendor: 'anthropic',
    async read(target, known): Promise<VendorLimit> {
      if (target.scope === 'user') return readUser(target);
      // Console organizations have no list of workspace limits: read the one whose id is known.
      // Without an id the workspace may still have a limit: unknown, not "none".
      const ref = known?.ref ?? opts.workspaceLimitIds?.[target.subject];
      if (!ref) return { amountCents: null, known: false };
      const limit = await call({ method: 'GET', path: `${PATH}/${ref}` }, spendLimit);
      return { amountCents: limit.amount === null ? null : Number(limit.amount), ref: limit.id };
    },
    async set(target, amountCents, current, restore) {
      const userId = target.scope === 'user' ? userIds.get(target.subject.toLowerCase()) : undefined;
      if (target.scope === 'user' && !userId) await readUser(target);
      const reqs = requests(target, amountCents, current, userIds.get(target.subject.toLowerCase()), restore);
      const out: unknown[] = [];
      for (const req of reqs) out.push(await call(req, req.method === 'DELETE' ? deleted : spendLimit));
      // The upsert's id is how a workspace limit is read back (and removed on undo).
      const set = out.map((o) => spendLimit.safeParse(o)).find((r) => r.success)?.data;
      return { response: out.length === 1 ? out[0] : out, ...(set ? { ref: set.id } : {}) };
    },
    describe: (target, amountCents, restore) => requests(target, amountCents, undefined, undefined, restore),
  };
}
