import { createCandidateAttributor } from '../attribution.js';
import type { AttributionRule } from '../config/schema.js';
import type { IsoDay } from '../dates.js';
import type { Identities, OutcomeCounts, VendorUsageLine } from '../usage.js';
import type { IdentityResolver } from './identity.js';

/**
 * Merged pull requests as outcome lines (docs/outcomes.md): one line per author and UTC day of
 * merge, `billable: false` and no cost, carrying `mergedPullRequests` and `aiAssistedPullRequests`.
 * The rules live here, once: whose PR it is (an AI agent's PR is credited to the member assigned to
 * it), whether it was AI-assisted (the vendors' own marks), and which of the author's GitHub teams
 * the attribution rules place it under.
 */
export interface MergedPullRequest {
  readonly repository: string;
  readonly number: number;
  /** UTC day of `merged_at`. */
  readonly mergedOn: IsoDay;
  readonly author: string;
  readonly assignees: readonly string[];
  readonly labels: readonly string[];
  /** Title and description. */
  readonly text: string;
}

export interface AiAssistedRules {
  /** Text that marks a PR AI-assisted (case-insensitive): "Generated with [Claude Code]". */
  readonly aiMarkers: readonly string[];
  /** Authors that are AI agents (`Copilot`): their PRs are AI-assisted and credited to an assignee. */
  readonly aiAuthors: readonly string[];
  readonly aiLabels: readonly string[];
}

/** One person's identities for attribution: login, resolved email, and one of their GitHub teams. */
export function chooseIdentities(opts: {
  readonly login: string;
  readonly teams: readonly string[];
  readonly resolver: IdentityResolver;
  readonly attribution: readonly AttributionRule[];
}): Identities {
  const email = opts.resolver.emailOfLogin(opts.login);
  const base: Identities = { githubLogin: opts.login, ...(email ? { userEmail: email } : {}) };
  const teams = [...opts.teams].sort();
  if (teams.length === 0) return base;
  const candidates = teams.map((t) => ({ ...base, githubTeam: t }));
  // The team the first matching rule names; a person no rule places keeps their first team.
  const chosen = createCandidateAttributor(opts.attribution)([...candidates, base]);
  return chosen === undefined ? (candidates[0] ?? base) : (candidates[chosen] ?? base);
}

export interface PullRequestLinesResult {
  readonly lines: VendorUsageLine[];
  /** PRs left out because no member of the organization authored (or, for an agent, was assigned) them. */
  readonly notMembers: number;
}

export function mergedPullRequestLines(opts: {
  readonly prs: readonly MergedPullRequest[];
  /** Organization members (lower-case login) → their team slugs. */
  readonly members: ReadonlyMap<string, { readonly login: string; readonly teams: readonly string[] }>;
  readonly rules: AiAssistedRules;
  readonly attribution: readonly AttributionRule[];
  readonly resolver: IdentityResolver;
  /** Days on or after it are provisional (GitHub's search index may still add merges). */
  readonly today?: IsoDay;
}): PullRequestLinesResult {
  const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const agents = lower(opts.rules.aiAuthors);
  const labels = lower(opts.rules.aiLabels);
  const markers = opts.rules.aiMarkers.map((m) => m.toLowerCase());
  const counts = new Map<string, { day: IsoDay; login: string; merged: number; ai: number }>();
  let notMembers = 0;
  for (const pr of opts.prs) {
    const byAgent = agents.has(pr.author.toLowerCase());
    const credited = byAgent
      ? pr.assignees.find((a) => opts.members.has(a.toLowerCase()))
      : opts.members.has(pr.author.toLowerCase())
        ? pr.author
        : undefined;
    if (!credited) {
      notMembers++;
      continue;
    }
    const text = pr.text.toLowerCase();
    const ai =
      byAgent || markers.some((m) => text.includes(m)) || pr.labels.some((l) => labels.has(l.toLowerCase()));
    const member = opts.members.get(credited.toLowerCase());
    const login = member?.login ?? credited;
    const key = `${pr.mergedOn}|${login.toLowerCase()}`;
    const c = counts.get(key) ?? { day: pr.mergedOn, login, merged: 0, ai: 0 };
    c.merged += 1;
    if (ai) c.ai += 1;
    counts.set(key, c);
  }
  const lines = [...counts.values()]
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.login.localeCompare(b.login)))
    .map((c): VendorUsageLine => {
      const outcomes: OutcomeCounts = { mergedPullRequests: c.merged, aiAssistedPullRequests: c.ai };
      return {
        date: c.day,
        vendor: 'github',
        identities: chooseIdentities({
          login: c.login,
          teams: opts.members.get(c.login.toLowerCase())?.teams ?? [],
          resolver: opts.resolver,
          attribution: opts.attribution,
        }),
        lineItem: 'Merged pull requests',
        costMicros: 0n,
        outcomes,
        provisional: opts.today !== undefined && c.day >= opts.today,
        billable: false,
      };
    });
  return { lines, notMembers };
}
