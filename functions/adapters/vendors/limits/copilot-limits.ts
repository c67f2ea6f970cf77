import * as z from 'zod';
import type { VendorLimit } from '../../../core/limits/proposal.js';
import type { LimitTarget, VendorLimitApi, VendorRequest } from '../../../core/limits/vendor-limit-api.js';
import { checkPageLimit, type HttpOptions, requestJson, VendorHttpError } from '../http.js';

/**
 * GitHub user-scope budgets on AI credits (docs/ingest.md "Limit APIs"):
 * `GET/POST /organizations/{org}/settings/billing/budgets`, `PATCH/DELETE …/budgets/{id}`, with
 * `budget_scope: "user"`, `user`, `budget_product_sku: "ai_credits"`, `prevent_further_usage: true`
 * (a hard stop). GitHub sends no alerts for user-scope budgets, so burnwatch's warnings are the only ones.
 * A create is the one write that is not idempotent: `set` updates the user's budget when there is one,
 * and sends a create once, reading the list when its answer is lost (review A, F2).
 */
const budget = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  budget_scope: z.string(),
  budget_entity_name: z.string().nullable().optional(),
  user: z.string().nullable().optional(),
  budget_product_sku: z.string().nullable().optional(),
  budget_amount: z.number({ error: 'expected whole dollars' }).nonnegative(),
  prevent_further_usage: z.boolean().optional(),
});
const budgetsPage = z.object({ budgets: z.array(budget), has_next_page: z.boolean().optional() });
const answer = z.record(z.string(), z.unknown());
/** The id of a budget in a create or update answer (`{ id }` or `{ budget: { id } }`; not confirmed). */
const createdBudget = z.union([
  z
    .object({ budget: z.object({ id: z.union([z.string(), z.number()]) }) })
    .transform((b) => String(b.budget.id)),
  z.object({ id: z.union([z.string(), z.number()]) }).transform((b) => String(b.id)),
]);

const SKU = 'ai_credits';
const PER_PAGE = 100;

export interface CopilotLimitOptions extends HttpOptions {
  readonly organization: string;
  readonly token: () => Promise<string>;
  /** @default https://api.github.com */
  readonly baseUrl?: string;
  readonly maxPages?: number;
}

export function createCopilotLimitApi(opts: CopilotLimitOptions): VendorLimitApi {
  const base = (opts.baseUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const root = `/organizations/${encodeURIComponent(opts.organization)}/settings/billing/budgets`;
  const init = async (method: string, body?: unknown): Promise<RequestInit> => ({
    method,
    headers: {
      authorization: `Bearer ${await opts.token()}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const createBody = (login: string, dollars: number) => ({
    budget_amount: dollars,
    prevent_further_usage: true,
    budget_scope: 'user',
    budget_entity_name: '',
    budget_type: 'BundlePricing',
    budget_product_sku: SKU,
    budget_alerting: { will_alert: false, alert_recipients: [] },
    user: login,
  });
  const requests = (
    target: LimitTarget,
    amountCents: number | null,
    current?: VendorLimit,
    restore?: VendorLimit,
  ): VendorRequest[] => {
    const id = current?.ref;
    if (amountCents === null) return id ? [{ method: 'DELETE', path: `${root}/${id}` }] : [];
    const dollars = Math.round(amountCents / 100);
    return id
      ? [
          {
            method: 'PATCH',
            path: `${root}/${id}`,
            // A cap stops usage; undo gives an alert-only budget back its alert-only setting.
            body: { budget_amount: dollars, prevent_further_usage: restore?.hardStop ?? true },
          },
        ]
      : [{ method: 'POST', path: root, body: createBody(target.subject, dollars) }];
  };
  const send = async (req: VendorRequest, http: HttpOptions = opts) => {
    const site = { source: 'copilot-limits', endpoint: req.path, page: 1 };
    return requestJson(`${base}${req.path}`, await init(req.method, req.body), answer, site, {
      ...http,
      emptyAs: {},
    });
  };
  async function readBudget(target: LimitTarget): Promise<VendorLimit> {
    const login = target.subject.toLowerCase();
    for (let page = 1; ; page++) {
      const site = { source: 'copilot-limits', endpoint: root, page };
      checkPageLimit(site, opts.maxPages ?? 100);
      const body = await requestJson(
        `${base}${root}?page=${page}&per_page=${PER_PAGE}`,
        await init('GET'),
        budgetsPage,
        site,
        opts,
      );
      if (body === 'end') break;
      const mine = body.budgets.find(
        (b) =>
          b.budget_scope === 'user' &&
          (b.budget_product_sku ?? SKU) === SKU &&
          (b.user ?? b.budget_entity_name ?? '').toLowerCase() === login,
      );
      if (mine)
        return {
          amountCents: Math.round(mine.budget_amount * 100),
          ref: mine.id,
          ...(mine.prevent_further_usage === undefined ? {} : { hardStop: mine.prevent_further_usage }),
        };
      if (!(body.has_next_page ?? body.budgets.length === PER_PAGE)) break;
    }
    return { amountCents: null };
  }
  /**
   * Creates the user's budget, sent once: a 5xx or no answer may still have made it, so the list is
   * read instead of POSTing again (a second budget would stay a hard stop after Undo removes one).
   */
  async function createOnce(req: VendorRequest, target: LimitTarget) {
    try {
      const response = await send(req, { ...opts, idempotent: false });
      const created = createdBudget.safeParse(response);
      return { response, ...(created.success ? { ref: created.data } : {}) };
    } catch (err) {
      if (!(err instanceof VendorHttpError) || (err.status !== undefined && err.status < 500)) throw err;
      const found = await readBudget(target);
      if (!found.ref) throw err;
      return { response: { createNotAnswered: err.message, foundBudget: found.ref }, ref: found.ref };
    }
  }
  return {
    vendor: 'copilot',
    read: readBudget,
    async set(target, amountCents, current, restore) {
      // Looked up when burnwatch holds no id: Approve again after a lost answer must update, not add.
      const existing = amountCents === null || current.ref ? current : await readBudget(target);
      const reqs = requests(target, amountCents, existing, restore);
      const [first] = reqs;
      if (first?.method === 'POST') return createOnce(first, target);
      const out: unknown[] = [];
      for (const req of reqs) out.push(await send(req));
      const updated = out.map((o) => createdBudget.safeParse(o)).find((r) => r.success);
      return {
        response: out.length === 1 ? out[0] : out,
        ...(updated?.data ? { ref: updated.data } : existing.ref ? { ref: existing.ref } : {}),
      };
    },
    describe: (target, amountCents, restore) => requests(target, amountCents, undefined, restore),
  };
}
