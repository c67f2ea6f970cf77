import * as z from 'zod';
import type { AttributionRule } from '../../core/config/schema.js';
import { eachDay, type IsoDay } from '../../core/dates.js';
import type { Connector, DayRange, UsageFetch } from '../../core/ingest/connector.js';
import type { IdentityResolver } from '../../core/outcomes/identity.js';
import { chooseIdentities } from '../../core/outcomes/pull-requests.js';
import type { OutcomeCounts, VendorUsageLine } from '../../core/usage.js';
import { type HttpOptions, requestJson, VendorHttpError, VendorResponseError } from './http.js';

/**
 * GitHub Copilot usage metrics reports (an outcome source: no spend; the legacy
 * `/orgs/{org}/copilot/metrics` was shut down). Per UTC day, two reports:
 * `GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=` (each user's activity: lines suggested,
 * added and deleted, acceptances, prompts) and `…/user-teams-1-day?day=` (each user's team
 * memberships, teams of 5 or more seated users only). Each answers `{ download_links, report_day }`;
 * the rows are NDJSON files at those signed links, fetched without the token (the link carries its
 * own signature, and may be on another host). One detail line per active user and day
 * (`billable: false`), attributed by login, resolved email and team.
 */
const report = z.object({
  download_links: z.array(z.string({ error: 'expected a download URL' })),
  report_day: z.string().optional(),
});
const count = z.number({ error: 'expected a count' }).nonnegative().default(0);
const userRow = z.object({
  user_login: z.string({ error: 'expected the user login' }),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expected YYYY-MM-DD'),
  user_initiated_interaction_count: count,
  code_generation_activity_count: count,
  code_acceptance_activity_count: count,
  loc_suggested_to_add_sum: count,
  loc_added_sum: count,
  loc_deleted_sum: count,
  used_chat: z.boolean().optional(),
  used_agent: z.boolean().optional(),
  used_cli: z.boolean().optional(),
});
const teamRow = z.object({
  user_login: z.string({ error: 'expected the user login' }),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expected YYYY-MM-DD'),
  slug: z.string({ error: 'expected the team slug' }),
});

/** NDJSON text → the rows, one JSON value a line; a line that is not JSON fails the file. */
export function parseNdjson(text: string): unknown[] {
  const rows: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      rows.push(JSON.parse(line));
    } catch {
      throw new Error(`NDJSON: line ${i + 1} is not JSON`);
    }
  });
  return rows;
}

export interface CopilotMetricsOptions extends HttpOptions {
  readonly sourceId: string;
  readonly organization: string;
  readonly token: () => Promise<string>;
  /** @default https://api.github.com */
  readonly baseUrl?: string;
  readonly today?: IsoDay;
  readonly attribution: readonly AttributionRule[];
  readonly resolver: () => Promise<IdentityResolver>;
}

export function createCopilotMetricsConnector(opts: CopilotMetricsOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const org = encodeURIComponent(opts.organization);

  return {
    sourceId: opts.sourceId,
    vendor: 'copilot',
    async fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch> {
      const http: HttpOptions = signal ? { ...opts, signal } : opts;
      const headers = {
        authorization: `Bearer ${await opts.token()}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      };
      const resolver = await opts.resolver();

      /** The links of one day's report; undefined when GitHub has no report for the day (404). */
      const links = async (name: 'users-1-day' | 'user-teams-1-day', day: IsoDay) => {
        const site = { source: opts.sourceId, endpoint: `copilot/metrics/reports/${name}`, page: 1 };
        try {
          const res = await requestJson(
            `${base}/orgs/${org}/copilot/metrics/reports/${name}?day=${day}`,
            { headers },
            report,
            site,
            // No report for the day yet (or older than a year): the day is simply not delivered.
            { ...http, onStatus: (status) => (status === 404 ? 'end' : undefined) },
          );
          return res === 'end' ? undefined : res.download_links;
        } catch (err) {
          if (err instanceof VendorHttpError && err.status === 403)
            throw new VendorHttpError(
              `${err.message}; enable the "Copilot usage metrics" policy for the organization and give the token "Organization Copilot metrics" read (or manage_billing:copilot)`,
              403,
              { cause: err },
            );
          throw err;
        }
      };
      /** Every row of a report's files, each checked; the token never goes to the download host. */
      const rows = async <T extends z.ZodType>(
        name: string,
        urls: readonly string[],
        schema: T,
      ): Promise<Array<z.infer<T>>> => {
        const out: Array<z.infer<T>> = [];
        for (const [i, url] of urls.entries()) {
          if (!/^https?:\/\//.test(url))
            throw new VendorResponseError(
              `${opts.sourceId} ${name} file ${i + 1}: not an http(s) download link`,
            );
          const site = { source: opts.sourceId, endpoint: `${name} file ${i + 1}`, page: 1 };
          const file = await requestJson(url, {}, z.array(schema), site, { ...http, decode: parseNdjson });
          if (file !== 'end') out.push(...(file as Array<z.infer<T>>));
        }
        return out;
      };

      const lines: VendorUsageLine[] = [];
      const answered = new Set<IsoDay>();
      for (const day of eachDay(range.from, range.to)) {
        const userLinks = await links('users-1-day', day);
        if (!userLinks) continue;
        const teamLinks = (await links('user-teams-1-day', day)) ?? [];
        const users = await rows('users-1-day', userLinks, userRow);
        const teams = new Map<string, string[]>();
        for (const t of await rows('user-teams-1-day', teamLinks, teamRow)) {
          if (t.day.slice(0, 10) !== day) continue;
          const k = t.user_login.toLowerCase();
          teams.set(k, [...(teams.get(k) ?? []), t.slug]);
        }
        const seen = new Map<string, VendorUsageLine>();
        for (const u of users) {
          if (u.day.slice(0, 10) !== day) continue;
          const outcomes = {
            linesAccepted: u.loc_added_sum,
            linesSuggested: u.loc_suggested_to_add_sum,
            linesRemoved: u.loc_deleted_sum,
            acceptances: u.code_acceptance_activity_count,
            suggestionsShown: u.code_generation_activity_count,
            requests: u.user_initiated_interaction_count,
          } satisfies OutcomeCounts;
          const active =
            Object.values(outcomes).some((n) => n > 0) ||
            u.used_chat === true ||
            u.used_agent === true ||
            u.used_cli === true;
          if (!active) continue;
          const key = u.user_login.toLowerCase();
          if (seen.has(key))
            throw new VendorResponseError(
              `${opts.sourceId} users-1-day ${day}: ${u.user_login} is listed twice; re-run the ingest`,
            );
          const line: VendorUsageLine = {
            date: day,
            vendor: 'copilot',
            identities: chooseIdentities({
              login: u.user_login,
              teams: teams.get(key) ?? [],
              resolver,
              attribution: opts.attribution,
            }),
            lineItem: 'Copilot activity',
            costMicros: 0n,
            outcomes,
            provisional: opts.today !== undefined && day >= opts.today,
            billable: false,
          };
          seen.set(key, line);
          lines.push(line);
        }
        answered.add(day);
      }
      if (answered.size === 0 && range.from <= range.to && lines.length === 0) {
        // Nothing for any day: the reports may be off for the organization, or not generated yet.
        return {
          lines,
          answeredDays: answered,
          notes: [
            `no Copilot usage metrics report for ${range.from}…${range.to} (the "Copilot usage metrics" policy must be enabled; reports start on 2025-10-10 and cover the last year)`,
          ],
        };
      }
      return { lines, answeredDays: answered };
    },
  };
}
