import * as z from 'zod';
import type { AttributionRule } from '../../core/config/schema.js';
import { addDays, eachDay, type IsoDay } from '../../core/dates.js';
import type { Connector, DayRange, UsageFetch } from '../../core/ingest/connector.js';
import type { IdentityResolver } from '../../core/outcomes/identity.js';
import type { Member, MemberDirectory } from '../../core/outcomes/member-directory.js';
import {
  type AiAssistedRules,
  type MergedPullRequest,
  mergedPullRequestLines,
} from '../../core/outcomes/pull-requests.js';
import { type Clock, systemClock } from '../../core/ports.js';
import { GithubPacer, type GithubResource } from './github-pacing.js';
import {
  type CallSite,
  checkPageLimit,
  type HttpOptions,
  nextLink,
  requestJsonWithHeaders,
  VendorHttpError,
  VendorResponseError,
} from './http.js';

/**
 * GitHub pull requests merged per UTC day by the organization's members (an outcome source: no
 * spend). Members and their teams come from `GET /orgs/{org}/members` and
 * `GET /orgs/{org}/teams` + `/teams/{slug}/members`; merged PRs from the search API,
 * `GET /search/issues?q=org:{org} is:pr is:merged merged:{from}..{to}`, split into shorter windows
 * wherever a window matches more than the 1,000 results search returns. Every list follows
 * `Link: rel="next"` on the same origin. Requests are paced to the search limit (30 a minute) and
 * the core limit (pacing.ts).
 */
const member = z.object({ login: z.string(), type: z.string().optional() });
const team = z.object({ slug: z.string() });
const user = z.object({ login: z.string(), email: z.string().nullable().optional() });
const searchPage = z.object({
  total_count: z.number({ error: 'expected a number of results' }).int().nonnegative(),
  incomplete_results: z.boolean(),
  items: z.array(
    z.object({
      number: z.number().int(),
      title: z.string().default(''),
      body: z.string().nullable().optional(),
      user: z.object({ login: z.string(), type: z.string().optional() }).nullable(),
      assignees: z
        .array(z.object({ login: z.string() }))
        .nullable()
        .optional()
        .transform((a) => a ?? []),
      labels: z
        .array(z.object({ name: z.string() }))
        .optional()
        .transform((l) => l ?? []),
      repository_url: z.string(),
      pull_request: z.object({
        merged_at: z
          .string({ error: 'expected an ISO 8601 timestamp of the merge' })
          .regex(/^\d{4}-\d{2}-\d{2}T/, 'expected an ISO 8601 timestamp of the merge'),
      }),
    }),
  ),
});

/**
 * What a refused token needs. Search only sees repositories the token can read: a token without
 * every private repository would count short, so the fix names them.
 */
const TOKEN_FIX =
  "the source's token (its secretName in Secrets Manager) must be valid, authorized for the organization's SAML SSO if it uses it, and read its members, teams and every repository's pull requests (classic: read:org and repo; fine-grained: organization Members read, repository Pull requests and Metadata read on all repositories)";

/** What one search returns at most (GitHub's cap); a window with more is split. */
const SEARCH_CAP = 1000;
/** The shortest window a search is split into. */
const MIN_WINDOW_MS = 60 * 60 * 1000;

export interface GithubOptions extends HttpOptions {
  readonly sourceId: string;
  readonly organization: string;
  readonly token: () => Promise<string>;
  /** @default https://api.github.com */
  readonly baseUrl?: string;
  readonly today?: IsoDay;
  readonly attribution: readonly AttributionRule[];
  readonly rules: AiAssistedRules;
  /** Read each unresolved PR author's public email (`GET /users/{login}`). */
  readonly memberEmails: boolean;
  /** Maps logins to people (config rules, GitHub emails already known). */
  readonly resolver: () => Promise<IdentityResolver>;
  /** Where the members found are kept for the other sources and the metrics. */
  readonly directory?: MemberDirectory;
  /** The one clock: pacing, rate-limit resets, and when the member directory was read. */
  readonly clock?: Clock;
  /** Results per page (GitHub: at most 100). @default 100 */
  readonly perPage?: number;
  readonly maxPages?: number;
  readonly searchIntervalMs?: number;
  readonly coreReserve?: number;
}

export function createGithubConnector(opts: GithubOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const origin = new URL(base).origin;
  const org = encodeURIComponent(opts.organization);
  const perPage = Math.min(100, opts.perPage ?? 100);
  let membership: Promise<Map<string, Member>> | undefined;

  return {
    sourceId: opts.sourceId,
    vendor: 'github',
    async fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch> {
      const http: HttpOptions = signal ? { ...opts, signal } : opts;
      const pacer = new GithubPacer({
        ...(opts.clock ? { clock: opts.clock } : {}),
        ...(opts.sleep ? { sleep: opts.sleep } : {}),
        ...(signal ? { signal } : {}),
        ...(opts.searchIntervalMs !== undefined ? { searchIntervalMs: opts.searchIntervalMs } : {}),
        ...(opts.coreReserve !== undefined ? { coreReserve: opts.coreReserve } : {}),
      });
      const headers = {
        authorization: `Bearer ${await opts.token()}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      };
      /** One GET; a refused token (401, or a 403 that is not a rate limit) says what it must read. */
      const get = <T extends z.ZodType>(url: string, schema: T, site: CallSite) =>
        requestJsonWithHeaders(url, { headers }, schema, site, http).catch((err: unknown) => {
          if (err instanceof VendorHttpError && (err.status === 401 || err.status === 403))
            throw new VendorHttpError(`${err.message}; ${TOKEN_FIX}`, err.status, { cause: err });
          throw err;
        });

      /** Every page of a list, following `Link: rel="next"` (same origin only: the token goes along). */
      const list = async <T extends z.ZodType>(
        first: string,
        schema: T,
        endpoint: string,
        resource: GithubResource,
      ): Promise<Array<z.infer<T>>> => {
        const out: Array<z.infer<T>> = [];
        let url: string | undefined = first;
        for (let page = 1; url; page++) {
          const site = { source: opts.sourceId, endpoint, page };
          checkPageLimit(site, opts.maxPages ?? 1000);
          await pacer.before(resource);
          const res = await get(url, schema, site);
          if (res === 'end') break;
          pacer.observe(resource, res.headers);
          out.push(res.body as z.infer<T>);
          url = followNext(res.headers, url, site);
        }
        return out;
      };
      const followNext = (h: Headers, current: string, site: { endpoint: string; page: number }) => {
        const next = nextLink(h.get('link'));
        if (next === undefined) return undefined;
        const url = new URL(next, current);
        if (url.origin !== origin)
          throw new VendorResponseError(
            `${opts.sourceId} ${site.endpoint} page ${site.page}: Link rel="next" points to ${url.origin}, not ${origin}; not sending the token there`,
          );
        return url.toString();
      };

      const resolver = await opts.resolver();
      membership ??= (async () => {
        const logins = (
          await list(
            `${base}/orgs/${org}/members?per_page=${perPage}`,
            z.array(member),
            'orgs/members',
            'core',
          )
        ).flat();
        const slugs = (
          await list(`${base}/orgs/${org}/teams?per_page=${perPage}`, z.array(team), 'orgs/teams', 'core')
        ).flat();
        const teamsOf = new Map<string, string[]>();
        for (const t of slugs) {
          const ms = (
            await list(
              `${base}/orgs/${org}/teams/${encodeURIComponent(t.slug)}/members?per_page=${perPage}`,
              z.array(member),
              `orgs/teams/${t.slug}/members`,
              'core',
            )
          ).flat();
          for (const m of ms)
            teamsOf.set(m.login.toLowerCase(), [...(teamsOf.get(m.login.toLowerCase()) ?? []), t.slug]);
        }
        const known = new Map(
          ((await opts.directory?.load())?.members ?? []).map((m) => [m.login.toLowerCase(), m.email]),
        );
        return new Map(
          logins.map((m) => {
            const email = known.get(m.login.toLowerCase());
            return [
              m.login.toLowerCase(),
              {
                login: m.login,
                teams: (teamsOf.get(m.login.toLowerCase()) ?? []).sort(),
                ...(email ? { email } : {}),
              },
            ];
          }),
        );
      })();
      const members = await membership;

      const prs: MergedPullRequest[] = [];
      const search = async (fromMs: number, toMs: number): Promise<void> => {
        const q = `org:${opts.organization} is:pr is:merged merged:${iso(fromMs)}..${iso(toMs)}`;
        const first = `${base}/search/issues?q=${encodeURIComponent(q)}&sort=created&order=asc&per_page=${perPage}`;
        const endpoint = 'search/issues';
        // One page first: a window past the cap is split before its pages are read.
        const site = { source: opts.sourceId, endpoint, page: 1 };
        const page1 = await searchPage1(first, site);
        if (page1.body.total_count > SEARCH_CAP && toMs - fromMs > MIN_WINDOW_MS) {
          const mid = fromMs + Math.floor((toMs - fromMs) / 2 / 1000) * 1000;
          await search(fromMs, mid - 1000);
          await search(mid, toMs);
          return;
        }
        if (page1.body.total_count > SEARCH_CAP)
          throw new VendorResponseError(
            `${opts.sourceId} ${endpoint}: ${page1.body.total_count} PRs merged in the hour from ${iso(fromMs)}, more than search returns (${SEARCH_CAP}); not counting them short`,
          );
        const pages = [page1.body];
        let url = followNext(page1.headers, first, site);
        for (let page = 2; url; page++) {
          const s = { source: opts.sourceId, endpoint, page };
          checkPageLimit(s, opts.maxPages ?? 1000);
          const res = await searchPage1(url, s);
          pages.push(res.body);
          url = followNext(res.headers, url, s);
        }
        const got = pages.reduce((a, p) => a + p.items.length, 0);
        if (got < page1.body.total_count)
          throw new VendorResponseError(
            `${opts.sourceId} ${endpoint}: total_count is ${page1.body.total_count} but the pages listed ${got} (PRs merged while paging?); re-run the ingest`,
          );
        for (const item of pages.flatMap((p) => p.items))
          prs.push({
            repository: item.repository_url.split('/').slice(-2).join('/'),
            number: item.number,
            mergedOn: item.pull_request.merged_at.slice(0, 10),
            author: item.user?.login ?? 'ghost',
            assignees: item.assignees.map((a) => a.login),
            labels: item.labels.map((l) => l.name),
            text: `${item.title}\n${item.body ?? ''}`,
          });
      };
      /** One search page; `incomplete_results` (the search timed out) is asked again, then fails. */
      const searchPage1 = async (url: string, site: { source: string; endpoint: string; page: number }) => {
        for (let attempt = 1; ; attempt++) {
          await pacer.before('search');
          const res = await get(url, searchPage, site);
          if (res === 'end') throw new VendorHttpError(`${opts.sourceId} search/issues: no answer`);
          pacer.observe('search', res.headers);
          if (!res.body.incomplete_results) return res;
          if (attempt >= 3)
            throw new VendorResponseError(
              `${opts.sourceId} ${site.endpoint} page ${site.page}: incomplete_results after ${attempt} attempts (GitHub's search timed out); the days stay due`,
            );
        }
      };
      await search(
        Date.parse(`${range.from}T00:00:00Z`),
        Date.parse(`${addDays(range.to, 1)}T00:00:00Z`) - 1000,
      );
      const inRange = prs.filter((p) => p.mergedOn >= range.from && p.mergedOn <= range.to);

      // Emails: public addresses of authors no rule names, where asked and not known yet.
      if (opts.memberEmails) {
        const authors = new Set(
          mergedPullRequestLines({
            prs: inRange,
            members,
            rules: opts.rules,
            attribution: [],
            resolver,
          }).lines.map((l) => l.identities.githubLogin?.toLowerCase() ?? ''),
        );
        for (const login of [...authors].sort()) {
          const m = members.get(login);
          if (!m || m.email || resolver.emailOfLogin(m.login)) continue;
          const site = { source: opts.sourceId, endpoint: 'users', page: 1 };
          await pacer.before('core');
          const res = await get(`${base}/users/${encodeURIComponent(m.login)}`, user, site);
          if (res === 'end') continue;
          pacer.observe('core', res.headers);
          if (res.body.email) members.set(login, { ...m, email: res.body.email.toLowerCase() });
        }
      }
      await opts.directory?.save((opts.clock ?? systemClock).now().toISOString(), [...members.values()]);
      // The directory's emails are the ones GitHub showed: give them to the resolver for this run too.
      const withEmails: IdentityResolver = {
        personOf: resolver.personOf,
        emailOfLogin: (login) => resolver.emailOfLogin(login) ?? members.get(login.toLowerCase())?.email,
      };
      const { lines, notMembers } = mergedPullRequestLines({
        prs: inRange,
        members,
        rules: opts.rules,
        attribution: opts.attribution,
        resolver: withEmails,
        ...(opts.today ? { today: opts.today } : {}),
      });
      const waited = pacer.waits.reduce((a, w) => a + w.ms, 0);
      return {
        lines,
        // The search answered for the whole range: a day without merges had none.
        answeredDays: new Set(eachDay(range.from, range.to)),
        notes: [
          ...(notMembers
            ? [
                `${notMembers} merged PRs by people outside the organization (or agents no member was assigned to) are not counted`,
              ]
            : []),
          ...(waited > 60_000
            ? [`paced to GitHub's rate limits: waited ${Math.round(waited / 1000)} s`]
            : []),
        ],
      };
    },
  };
}

/** Epoch ms → `2026-03-02T00:00:00Z` (search date qualifiers take UTC timestamps). */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
