import { describe, expect, it } from 'vitest';
import { createGithubConnector } from '../../../functions/adapters/vendors/github.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { DEFAULT_AI_AUTHORS, DEFAULT_AI_MARKERS } from '../../../functions/core/config/schema.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { loadIdentityResolver } from '../../../functions/core/outcomes/collect.js';
import { createMemberDirectory } from '../../../functions/core/outcomes/member-directory.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import { type FakePr, type GithubFault, startGithubServer } from '../../fixtures/vendors/github-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 },
    { id: 'search', name: 'Search', annualBudgetUsd: 100_000 },
  ],
  sources: [
    {
      id: 'github',
      type: 'github',
      organization: 'acme',
      memberEmails: true,
      attribution: [
        { match: { githubTeam: 'payments' }, team: 'payments' },
        { match: { githubTeam: 'search' }, team: 'search' },
      ],
    },
  ],
  finance: { slackChannel: '#finance' },
  identities: { people: [{ email: 'ana@acme.example', githubLogins: ['ana'] }] },
});
const source = config.sources[0];
if (source?.type !== 'github') throw new Error('fixture');

const members = [
  { login: 'ana' },
  { login: 'bo', email: 'Bo@Acme.example' },
  { login: 'cy', email: null },
  { login: 'dee' },
  { login: 'eve' },
];
const teams = { payments: ['ana', 'bo', 'eve'], search: ['cy', 'dee'], guild: ['ana', 'cy'] };
const march = (day: number, hour = 12) =>
  `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;
const prs: FakePr[] = [
  { number: 1, repo: 'acme/api', author: 'ana', mergedAt: march(2) },
  {
    number: 2,
    repo: 'acme/api',
    author: 'ana',
    mergedAt: march(2, 23),
    body: '🤖 Generated with [Claude Code](https://claude.com/claude-code)',
  },
  { number: 3, repo: 'acme/web', author: 'bo', mergedAt: march(2), labels: ['ai-assisted'] },
  {
    number: 4,
    repo: 'acme/web',
    author: 'Copilot',
    authorType: 'Bot',
    assignees: ['cy'],
    mergedAt: march(3),
  },
  { number: 5, repo: 'acme/web', author: 'dependabot[bot]', authorType: 'Bot', mergedAt: march(3) },
  { number: 6, repo: 'acme/search', author: 'dee', mergedAt: march(3, 0) },
  { number: 7, repo: 'acme/search', author: 'cy', mergedAt: march(4) },
  // Outside the range: merged the day after.
  { number: 8, repo: 'acme/search', author: 'cy', mergedAt: march(5, 0) },
];
const range = { from: '2026-03-02', to: '2026-03-04' };

interface Run {
  prs?: readonly FakePr[];
  faults?: Record<number, GithubFault>;
  waits?: number[];
  perPage?: number;
  rateRemaining?: (resource: 'core' | 'search', n: number) => number;
  linkOrigin?: string;
  extraTotal?: number;
  /** The token the connector sends (the server accepts `ghp_test` only). */
  token?: string;
}

/** One run through a fresh server, paced on a clock that only the waits move. */
async function ingest(store: UsageStore & Parameters<typeof createMemberDirectory>[0], r: Run = {}) {
  let now = Date.parse('2026-04-01T06:00:00Z');
  const server = await startGithubServer({
    now: () => now, // GitHub's clock and the run's agree
    token: 'ghp_test',
    org: 'acme',
    members,
    teams,
    prs: r.prs ?? prs,
    faults: r.faults ?? {},
    ...(r.rateRemaining ? { rateRemaining: r.rateRemaining } : {}),
    ...(r.linkOrigin ? { linkOrigin: r.linkOrigin } : {}),
    ...(r.extraTotal ? { extraTotal: r.extraTotal } : {}),
  });
  const waits = r.waits ?? [];
  try {
    const connector = createGithubConnector({
      sourceId: 'github',
      organization: 'acme',
      token: async () => r.token ?? 'ghp_test',
      baseUrl: server.baseUrl,
      today: '2026-04-01',
      attribution: source?.attribution ?? [],
      rules: {
        aiMarkers: [...DEFAULT_AI_MARKERS],
        aiAuthors: [...DEFAULT_AI_AUTHORS],
        aiLabels: ['ai-assisted'],
      },
      memberEmails: true,
      resolver: () => loadIdentityResolver(config, store),
      directory: createMemberDirectory(store, 'github'),
      clock: { now: () => new Date(now) },
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
      random: () => 0.1,
      timeoutMs: 1000,
      perPage: r.perPage ?? 2,
    });
    const [outcome] = await runIngest({
      config,
      store,
      connectors: [connector],
      range,
      clock: { now: () => new Date('2026-04-01T06:00:00Z') },
    });
    return { outcome, calls: server.calls(), requests: server.requests() };
  } finally {
    await server.close();
  }
}

/** Merged PRs per team and day, as stored (team-day totals). */
async function merged(store: UsageStore) {
  const out: Record<string, Record<string, [number, number]>> = {};
  for (const team of ['payments', 'search', 'unallocated'])
    for (const t of await store.teamDailyTotals(team, range.from, range.to)) {
      out[team] ??= {};
      out[team][t.date] = [t.outcomes.mergedPullRequests ?? 0, t.outcomes.aiAssistedPullRequests ?? 0];
    }
  return out;
}

const EXPECTED = {
  // Ana: #1 and #2 (Claude Code's mark), on 2 Mar; Bo: #3 (labelled). Ana is in payments and the
  // guild: the payments rule comes first.
  payments: { '2026-03-02': [3, 2] },
  // 3 Mar: Copilot's agent PR assigned to Cy (AI) and Dee's; 4 Mar: Cy's. Dependabot's is no member's.
  search: { '2026-03-03': [2, 1], '2026-03-04': [1, 0] },
};

describe('GitHub merged pull requests over loopback into DynamoDB Local', () => {
  it('stores merged PRs per author and day, AI-assisted where a vendor says so, attributed by team', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, calls } = await ingest(store);
    expect(outcome?.status).toBe('ok');
    expect(outcome?.usd).toBe(0);
    expect(await merged(store)).toEqual(EXPECTED);
    // Pages followed through Link (2 a page): members 3 pages, the search 4 pages.
    expect(calls.filter((c) => c.path === '/orgs/acme/members')).toHaveLength(3);
    const searches = calls.filter((c) => c.path === '/search/issues');
    expect(searches).toHaveLength(4);
    expect(new URLSearchParams(searches[0]?.query).get('q')).toBe(
      'org:acme is:pr is:merged merged:2026-03-02T00:00:00Z..2026-03-04T23:59:59Z',
    );
    // Public emails asked only for authors no rule names (Ana is in identities.people), once each.
    expect(calls.filter((c) => c.path.startsWith('/users/')).map((c) => c.path)).toEqual([
      '/users/bo',
      '/users/cy',
      '/users/dee',
    ]);
    const lines = await store.teamLines('github', '2026-03-02', 'payments');
    const byLogin = [...lines].sort((a, b) =>
      (a.identities.githubLogin ?? '').localeCompare(b.identities.githubLogin ?? ''),
    );
    expect(byLogin.map((l) => [l.identities, l.billable, l.costMicros])).toEqual([
      [{ githubLogin: 'ana', githubTeam: 'payments', userEmail: 'ana@acme.example' }, false, 0n],
      [{ githubLogin: 'bo', githubTeam: 'payments', userEmail: 'bo@acme.example' }, false, 0n],
    ]);
    // The directory keeps who is who for the other sources and the metrics.
    const dir = await createMemberDirectory(store, 'github').load();
    expect(dir?.members.find((m) => m.login === 'bo')).toEqual({
      login: 'bo',
      email: 'bo@acme.example',
      teams: ['payments'],
    });
    expect(dir?.members.find((m) => m.login === 'ana')?.teams).toEqual(['guild', 'payments']);
    // Every day of the range is answered: a day without merges had none.
    const days = await store.sourceDays('github', range.from, range.to);
    expect(days.map((d) => d.status)).toEqual(['complete', 'complete', 'complete']);
  });

  it('stores exactly what was served after a 429 (waiting as Retry-After asks), a 500 and a slow answer on each endpoint', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    // Members 1–3 fail, then the page at 4; teams at 5; team members 6–8; the search 9–11 fail.
    const faults = { 1: '429', 2: '500', 3: 'slow', 9: '429', 10: '500', 11: 'slow' } as const;
    const { outcome } = await ingest(store, { faults, waits, perPage: 100 });
    expect(outcome?.status).toBe('ok');
    // Retry-After 1 s, then backoff 0.6 × 500 ms × 2^(attempt−1) for the 500 and the timeout.
    expect(waits.filter((w) => w !== 2000)).toEqual([1000, 600, 1200, 1000, 600, 1200]);
    expect(await merged(store)).toEqual(EXPECTED);
  });

  it.each([
    [
      'a truncated search page',
      { 6: 'truncated' },
      /github search\/issues page 1: response is not valid JSON/,
    ],
    [
      'a malformed merge time',
      { 6: 'malformed' },
      /github search\/issues page 1: items\[0\]\.pull_request\.merged_at: expected an ISO 8601 timestamp of the merge/,
    ],
    ['a member without a login', { 1: 'malformed' }, /github orgs\/members page 1: \[0\]\.login/],
    [
      'a search that keeps timing out',
      { 6: 'incomplete', 7: 'incomplete', 8: 'incomplete' },
      /incomplete_results after 3 attempts/,
    ],
  ] as const)(
    'fails the source on %s and keeps the stored days as they were',
    async (_n, faults, message) => {
      const { store } = await dynamo.newStore();
      await ingest(store, { perPage: 100 });
      // Members 1, teams 2, team members 3–5: the first search is request 6.
      const { outcome } = await ingest(store, { perPage: 100, faults });
      expect(outcome?.status).toBe('failed');
      expect(outcome?.error).toMatch(message);
      expect(await merged(store)).toEqual(EXPECTED);
    },
  );

  it("waits out GitHub's primary rate limit (403, x-ratelimit-remaining 0) until its reset, then stores exactly what was served", async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    // Request 2 (the teams list) and 6 (the first search) hit the exhausted limit.
    const { outcome } = await ingest(store, {
      perPage: 100,
      waits,
      faults: { 2: '403-limit', 6: '403-limit' },
    });
    expect(outcome?.status).toBe('ok');
    // The reset is a second or two ahead of the server's clock: waited for, not backed off blindly.
    const resets = waits.filter((w) => w !== 2000);
    expect(resets).toHaveLength(2);
    for (const w of resets) expect(w).toBeLessThanOrEqual(2000);
    expect(await merged(store)).toEqual(EXPECTED);
  });

  it('fails on a refused token, saying what the token must read, without the token, and keeps the stored days', async () => {
    const { store } = await dynamo.newStore();
    await ingest(store, { perPage: 100 });
    const { outcome } = await ingest(store, { perPage: 100, token: 'ghp_revoked' });
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(/github orgs\/members page 1: HTTP 401 .*read:org and repo/);
    expect(outcome?.error).not.toContain('ghp_revoked');
    expect(await merged(store)).toEqual(EXPECTED);
  });

  it('replaces re-pulled days rather than adding to them (a PR reverted out of search, one merged late in the day)', async () => {
    const { store } = await dynamo.newStore();
    await ingest(store, { perPage: 100 });
    // #7 (Cy, 4 Mar) gone from search; a new AI-labelled one by Eve on 2 Mar.
    const revised: FakePr[] = [
      ...prs.filter((p) => p.number !== 7),
      { number: 9, repo: 'acme/api', author: 'eve', mergedAt: march(2, 18), labels: ['ai-assisted'] },
    ];
    const { outcome } = await ingest(store, { perPage: 100, prs: revised });
    expect(outcome?.status).toBe('ok');
    expect(await merged(store)).toEqual({
      payments: { '2026-03-02': [4, 3] },
      // 4 Mar had only #7: the day is replaced by nothing, not left at 1.
      search: { '2026-03-03': [2, 1] },
    });
    const days = await store.sourceDays('github', range.from, range.to);
    expect(days.map((d) => d.status)).toEqual(['complete', 'complete', 'complete']);
  });

  it('asks a search again when GitHub says its results are incomplete', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, calls } = await ingest(store, { perPage: 100, faults: { 6: 'incomplete' } });
    expect(outcome?.status).toBe('ok');
    expect(calls.filter((c) => c.path === '/search/issues')).toHaveLength(2);
    expect(await merged(store)).toEqual(EXPECTED);
  });

  it('fails rather than count short when results vanish while paging, or a Link leaves the origin', async () => {
    const { store } = await dynamo.newStore();
    const short = await ingest(store, { extraTotal: 1 });
    expect(short.outcome?.error).toMatch(/total_count is 8 but the pages listed 7/);
    const away = await ingest(store, { linkOrigin: 'http://127.0.0.2:9' });
    expect(away.outcome?.error).toMatch(
      /Link rel="next" points to http:\/\/127\.0\.0\.2:9, not http:\/\/127\.0\.0\.1:\d+; not sending the token there/,
    );
    expect(await merged(store)).toEqual({});
  });

  it('paces searches to 30 a minute and waits for the core reset when the core limit runs low', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    // Core: 150 left on the first answer, 90 on the second (under the reserve of 100).
    const { outcome } = await ingest(store, {
      waits,
      rateRemaining: (resource, n) => (resource === 'core' ? (n === 1 ? 150 : 90) : 29),
    });
    expect(outcome?.status).toBe('ok');
    // After the second core answer the next core request waits for the reset (07:00, an hour after
    // the run's 06:00, capped at 5 minutes); the four search pages are 2 s apart.
    expect(waits[0]).toBe(300_000);
    expect(waits.filter((w) => w === 2000)).toHaveLength(3);
    expect(await merged(store)).toEqual(EXPECTED);
  });

  it('splits a window that matches more than the 1,000 results search returns', async () => {
    const { store } = await dynamo.newStore();
    // 1,500 merges on 3 Mar, spread over the day: the day is split until each window fits.
    const many: FakePr[] = Array.from({ length: 1500 }, (_, i) => ({
      number: 100 + i,
      repo: 'acme/mono',
      author: i % 2 ? 'dee' : 'cy',
      mergedAt: new Date(Date.parse('2026-03-03T00:00:00Z') + i * 57_000).toISOString(),
    }));
    const { outcome, calls } = await ingest(store, { prs: many, perPage: 100 });
    expect(outcome?.status).toBe('ok');
    expect(await merged(store)).toEqual({ search: { '2026-03-03': [1500, 0] } });
    const windows = new Set(
      calls.filter((c) => c.path === '/search/issues').map((c) => new URLSearchParams(c.query).get('q')),
    );
    expect(windows.size).toBeGreaterThan(2);
  });
});
