import type { BurnwatchConfig } from '../core/config/schema.js';
import { dayOfWeek, diffDays, eachDay, type IsoDay } from '../core/dates.js';
import { fiscalYearOf } from '../core/fiscal-calendar.js';
import { companyHolidays } from '../core/holidays.js';
import type { Connector, DayRange } from '../core/ingest/connector.js';
import type { SeatHistory } from '../core/ingest/seat-history.js';
import { hashSeed, mulberry32, normal } from '../core/random.js';
import type { VendorUsageLine } from '../core/usage.js';
import type { ConnectorVendor as Vendor } from '../core/vendors.js';
import {
  copilotActivityLines,
  copilotSeats,
  cursorMembers,
  emailOf,
  fiscalDayOf,
  mergedPrLines,
  type OutcomeProfile,
} from './synthetic-outcomes.js';

/** What the synthetic org serves: a vendor's spend, or an outcome source (merged PRs, Copilot metrics). */
export type SyntheticKind = Vendor | 'github' | 'copilot-metrics';

/**
 * A synthetic organisation's AI spend, shaped after what real orgs report: weekday rhythm, holidays,
 * an adoption surge that exhausts one team's budget in about four months (payments), steady teams,
 * a step change (growth onboards a group), a mid-year price cut (OpenAI, for data science), a
 * runaway agent loop (search, two days in March) and spend no rule attributes (a hackathon project,
 * a sandbox workspace, untagged Bedrock). Every value is a pure function of (seed, team, day,
 * vendor), so any date range gives the same numbers; it is served through `Connector`s and goes
 * through the same ingest path as real vendor data.
 */

interface TeamProfile {
  /** Weekday spend in USD on fiscal day `t` (0 = first day), before noise. */
  readonly level: (t: number, day: IsoDay) => number;
  /** Share of spend per vendor (sums to 1 over the vendors present). */
  readonly mix: Partial<Record<Vendor, number>>;
  readonly engineers: number;
  /** Email subdomain used by the example config's attribution rules. */
  readonly domain: string;
  readonly workspace: string;
  readonly project: string;
  readonly githubTeam: string;
  readonly tag?: string;
}

const logistic = (t: number, mid: number, scale: number) => 1 / (1 + Math.exp(-(t - mid) / scale));

/** Profiles keyed by the example config's team ids; unknown teams get a steady default. */
const PROFILES: Record<string, TeamProfile> = {
  payments: {
    level: (t) => 260 + 3400 * logistic(t, 44, 10),
    mix: { anthropic: 0.5, cursor: 0.25, openai: 0.1, bedrock: 0.15 },
    engineers: 42,
    domain: 'payments',
    workspace: 'wrkspc_payments',
    project: 'proj_payments',
    githubTeam: 'payments',
    tag: 'payments',
  },
  search: {
    level: () => 1100,
    mix: { anthropic: 0.45, openai: 0.25, cursor: 0.2, bedrock: 0.1 },
    engineers: 35,
    domain: 'search',
    workspace: 'wrkspc_search',
    project: 'proj_search',
    githubTeam: 'search',
    tag: 'search',
  },
  mobile: {
    level: (t) => 350 + (300 * t) / 365,
    mix: { cursor: 0.45, anthropic: 0.35, openai: 0.2 },
    engineers: 28,
    domain: 'mobile',
    workspace: 'wrkspc_mobile',
    project: 'proj_mobile',
    githubTeam: 'mobile',
  },
  platform: {
    level: () => 1180,
    mix: { anthropic: 0.5, cursor: 0.2, openai: 0.1, bedrock: 0.2 },
    engineers: 30,
    domain: 'platform',
    workspace: 'wrkspc_platform',
    project: 'proj_platform',
    githubTeam: 'platform',
    tag: 'platform',
  },
  'data-science': {
    level: () => 2000,
    mix: { openai: 0.6, anthropic: 0.25, bedrock: 0.15 },
    engineers: 18,
    domain: 'ds',
    workspace: 'wrkspc_ds',
    project: 'proj_ds_research',
    githubTeam: 'data-science',
    tag: 'data-science',
  },
  web: {
    level: () => 700,
    mix: { cursor: 0.5, anthropic: 0.3, openai: 0.2 },
    engineers: 33,
    domain: 'web',
    workspace: 'wrkspc_web',
    project: 'proj_web',
    githubTeam: 'web',
  },
  security: {
    level: () => 250,
    mix: { anthropic: 0.7, cursor: 0.3 },
    engineers: 12,
    domain: 'security',
    workspace: 'wrkspc_security',
    project: 'proj_security',
    githubTeam: 'security',
  },
  growth: {
    // A second group onboards 45 days in: spend more than doubles.
    level: (t) => (t < 45 ? 300 : 680),
    mix: { cursor: 0.4, anthropic: 0.3, openai: 0.3 },
    engineers: 20,
    domain: 'growth',
    workspace: 'wrkspc_growth',
    project: 'proj_growth',
    githubTeam: 'growth',
  },
};

const MODELS: Record<Exclude<Vendor, 'copilot' | 'other'>, ReadonlyArray<[string, number]>> = {
  anthropic: [
    ['claude-opus-4-6', 0.4],
    ['claude-sonnet-4-6', 0.55],
    ['claude-haiku-4-5', 0.05],
  ],
  openai: [
    ['gpt-5', 0.75],
    ['gpt-5-mini', 0.25],
  ],
  cursor: [['claude-4.5-sonnet', 1]],
  bedrock: [['anthropic.claude-sonnet-4-6', 1]],
};

/** Teams the example config does not have: a small steady team whose identities follow the same naming. */
function defaultProfile(teamId: string): TeamProfile {
  return {
    level: () => 300,
    mix: { anthropic: 0.6, cursor: 0.4 },
    engineers: 10,
    domain: teamId,
    workspace: `wrkspc_${teamId}`,
    project: `proj_${teamId}`,
    githubTeam: teamId,
  };
}

const COPILOT_SEAT_USD_PER_MONTH = 39;
/** OpenAI price cut applies from this many days into the fiscal year (about Mar 1 for a Jan 1 year). */
const PRICE_CUT_DAY = 59;
const PRICE_CUT_FACTOR = 0.6;
/** The runaway agent loop: two days, about $30k/day on Claude Opus through one API key. */
const SPIKE = { team: 'search', fromDay: 68, days: 2, usdPerDay: 30_000 } as const;

const micros = (usd: number) => BigInt(Math.round(usd * 1e6));
/** Cursor's active users in a team of `engineers`. */
const cursorActive = (engineers: number) => Math.max(1, Math.round(engineers * 0.6));

/** What goes wrong at the synthetic vendors, for the demo's data-completeness story. */
export interface SyntheticFaults {
  /** A vendor outage: the source answers without a day bucket for these days, as a lagging vendor does. */
  readonly outage?: { readonly source: string; readonly from: IsoDay; readonly to: IsoDay };
  /** The first fetch whose range holds `day` fails on a truncated page; later fetches succeed. */
  readonly truncatedOnce?: { readonly source: string; readonly day: IsoDay };
}

export interface SyntheticOrgOptions {
  readonly config: BurnwatchConfig;
  readonly seed?: number;
  readonly faults?: SyntheticFaults;
}

/** The synthetic vendor's stand-in for a cut-off response body (what a real connector throws). */
export class SyntheticTruncatedPageError extends Error {
  override readonly name = 'SyntheticTruncatedPageError';
}

export class SyntheticOrg {
  private readonly seed: number;
  private readonly holidays: ReadonlySet<string>;

  constructor(private readonly opts: SyntheticOrgOptions) {
    this.seed = opts.seed ?? 42;
    // The company's holidays as the forecast sees them: the built-in calendar plus the listed days.
    this.holidays = new Set(
      companyHolidays(opts.config.holidayCalendar, '2000-01-01', '2099-12-31', opts.config.holidays),
    );
  }

  /**
   * One connector per vendor or outcome source in the config; sources of other types get none. Each
   * answers every day with a bucket (affirmed, even when empty), except what `faults` says. With a
   * seat history, the Copilot source stores its seat list and the Cursor source its members, as the
   * real connectors do (the idle seats of the outcome metrics are counted from them).
   */
  connectors(deps: { seatHistory?: (sourceId: string) => SeatHistory; today?: IsoDay } = {}): Connector[] {
    const kinds = new Set<SyntheticKind>([
      'anthropic',
      'openai',
      'cursor',
      'copilot',
      'bedrock',
      'github',
      'copilot-metrics',
    ]);
    const faults = this.opts.faults ?? {};
    let truncated = false;
    return this.opts.config.sources
      .filter((s) => kinds.has(s.type as SyntheticKind))
      .map((s) => ({
        sourceId: s.id,
        vendor: s.type === 'copilot-metrics' ? 'copilot' : s.type,
        fetchUsage: async (range: DayRange) => {
          if (deps.seatHistory && (s.type === 'copilot' || s.type === 'cursor'))
            await deps.seatHistory(s.id).seatsByDay(deps.today ?? range.to, this.seats(s.type, range.to), []);
          const t = faults.truncatedOnce;
          if (t && t.source === s.id && !truncated && range.from <= t.day && t.day <= range.to) {
            truncated = true;
            throw new SyntheticTruncatedPageError(
              `${s.id} usage page 3: response ended early (truncated JSON); nothing from ${range.from}…${range.to} was stored`,
            );
          }
          const o = faults.outage?.source === s.id ? faults.outage : undefined;
          const delivered = eachDay(range.from, range.to).filter((d) => !o || d < o.from || d > o.to);
          return {
            lines: delivered.flatMap((day) => this.lines(s.type as SyntheticKind, { from: day, to: day })),
            answeredDays: new Set(delivered),
          };
        },
      }));
  }

  /** Every line of one vendor (or outcome source) for every day in the range. */
  lines(kind: SyntheticKind, range: DayRange): VendorUsageLine[] {
    const out: VendorUsageLine[] = [];
    for (const day of eachDay(range.from, range.to)) {
      for (const team of this.opts.config.teams) {
        if (kind === 'github' || kind === 'copilot-metrics')
          out.push(...this.outcomeLines(team.id, kind, day));
        else out.push(...this.teamLines(team.id, kind, day));
      }
      if (kind !== 'github' && kind !== 'copilot-metrics') out.push(...this.unallocatedLines(kind, day));
    }
    return out;
  }

  private outcomeProfile(teamId: string): OutcomeProfile {
    const p = PROFILES[teamId] ?? defaultProfile(teamId);
    return { team: teamId, engineers: p.engineers, domain: p.domain, githubTeam: p.githubTeam };
  }

  private outcomeLines(teamId: string, kind: 'github' | 'copilot-metrics', day: IsoDay): VendorUsageLine[] {
    const p = this.outcomeProfile(teamId);
    if (kind === 'copilot-metrics') return copilotActivityLines(p, day, this.holidays, this.seed);
    const fy = fiscalYearOf(this.opts.config.fiscalYear, day);
    return mergedPrLines(p, day, fiscalDayOf(fy.start, day), this.holidays, this.seed);
  }

  /** Who holds a seat as of `day`: Copilot seats, or Cursor members (its active users and idle ones). */
  seats(kind: 'copilot' | 'cursor', day: IsoDay) {
    const fyStart = fiscalYearOf(this.opts.config.fiscalYear, day).start;
    return this.opts.config.teams.flatMap((t) => {
      const p = this.outcomeProfile(t.id);
      if (kind === 'copilot') return copilotSeats(p, fyStart);
      // Cursor seats only for teams that use Cursor at all.
      return (PROFILES[t.id] ?? defaultProfile(t.id)).mix.cursor
        ? cursorMembers(p, cursorActive(p.engineers))
        : [];
    });
  }

  private fiscalDay(day: IsoDay): number {
    return diffDays(fiscalYearOf(this.opts.config.fiscalYear, day).start, day);
  }

  /** Weekday/weekend/holiday rhythm. */
  private rhythm(day: IsoDay): number {
    if (this.holidays.has(day)) return 0.2;
    const dow = dayOfWeek(day);
    return dow === 0 || dow === 6 ? 0.25 : 1;
  }

  private teamLines(teamId: string, vendor: Vendor, day: IsoDay): VendorUsageLine[] {
    const p = PROFILES[teamId] ?? defaultProfile(teamId);
    const t = this.fiscalDay(day);
    const rand = mulberry32(hashSeed(this.seed, teamId, day, vendor));
    if (vendor === 'copilot') return this.copilotLines(p, day, rand);
    const share = p.mix[vendor];
    if (!share) return [];
    let usd = p.level(t, day) * share * this.rhythm(day) * Math.exp(0.15 * normal(rand) - 0.011);
    if (vendor === 'openai' && teamId === 'data-science' && t >= PRICE_CUT_DAY) usd *= PRICE_CUT_FACTOR;
    const base = { date: day, vendor, provisional: false } as const;
    const lines: VendorUsageLine[] = [];
    if (vendor === 'cursor') {
      // Per-engineer lines: a few heavy users carry most of the spend.
      const active = cursorActive(p.engineers);
      const kept = mulberry32(hashSeed(this.seed, teamId, day, 'cursor-lines'));
      const weights = Array.from({ length: active }, (_, i) => 1 / (1 + i) ** 0.8);
      const sum = weights.reduce((a, b) => a + b, 0);
      weights.forEach((w, i) => {
        const cost = (usd * w) / sum;
        const linesAccepted = Math.round((20 + 60 * kept()) * this.rhythm(day));
        const requests = Math.round(5 + 20 * kept());
        lines.push({
          ...base,
          identities: { userEmail: emailOf({ domain: p.domain }, i + 1) },
          lineItem: 'claude-4.5-sonnet',
          model: 'claude-4.5-sonnet',
          costMicros: micros(cost),
          tokens: { input: Math.round(cost * 120_000), output: Math.round(cost * 9_000) },
          // Accepted lines grow with use, but less than the spend of the heaviest users.
          // Tab suggestions (about a third taken) and agent diffs (most kept) follow the requests.
          outcomes: {
            linesAccepted,
            requests,
            suggestionsShown: 3 * requests,
            acceptances: requests,
            toolAccepted: Math.round(requests / 3),
            toolRejected: Math.round(requests / 25),
          },
        });
      });
      return lines;
    }
    const identities =
      vendor === 'anthropic'
        ? { workspace: p.workspace }
        : vendor === 'openai'
          ? { project: p.project }
          : { tag: p.tag ?? '' };
    if (vendor === 'bedrock' && !p.tag) return [];
    for (const [model, w] of MODELS[vendor as keyof typeof MODELS] ?? []) {
      lines.push({
        ...base,
        identities,
        lineItem: model,
        model,
        costMicros: micros(usd * w),
        tokens: { input: Math.round(usd * w * 200_000), output: Math.round(usd * w * 12_000) },
      });
    }
    if (vendor === 'anthropic') {
      if (teamId === SPIKE.team && t >= SPIKE.fromDay && t < SPIKE.fromDay + SPIKE.days) {
        lines.push({
          ...base,
          identities: { ...identities, apiKey: 'apikey_ci_agent_runner' },
          lineItem: 'claude-opus-4-6',
          model: 'claude-opus-4-6',
          costMicros: micros(SPIKE.usdPerDay * (0.9 + 0.2 * rand())),
        });
      }
      // Claude Code per-engineer activity: estimated cost (already inside the cost report above, so
      // not billable) and outcomes for cost-per-PR.
      const coders = Math.max(1, Math.round(p.engineers * 0.4 * this.rhythm(day)));
      const work = mulberry32(hashSeed(this.seed, teamId, day, 'claude-code-lines'));
      for (let i = 0; i < coders; i++) {
        const added = Math.round(60 + 240 * work());
        lines.push({
          ...base,
          identities: { userEmail: `dev${String(i + 1).padStart(2, '0')}@${p.domain}.acme.example` },
          lineItem: 'claude-code',
          model: 'claude-opus-4-6',
          costMicros: micros((usd * 0.5) / coders),
          billable: false,
          outcomes: {
            commits: Math.round(2 + 3 * rand()),
            pullRequests: rand() < 0.35 ? 1 : 0,
            sessions: 3,
            linesAdded: added,
            linesAccepted: added,
            toolAccepted: Math.round(added / 20),
            toolRejected: Math.round(added / 120),
          },
        });
      }
    }
    return lines;
  }

  private copilotLines(p: TeamProfile, day: IsoDay, rand: () => number): VendorUsageLine[] {
    const daysInMonth = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 0)).getUTCDate();
    const seats = p.engineers;
    return [
      {
        date: day,
        vendor: 'copilot',
        identities: { githubTeam: p.githubTeam },
        lineItem: 'Copilot Business seats',
        costMicros: (BigInt(seats) * micros(COPILOT_SEAT_USD_PER_MONTH)) / BigInt(daysInMonth),
        provisional: false,
      },
      {
        date: day,
        vendor: 'copilot',
        identities: { githubTeam: p.githubTeam },
        lineItem: 'Copilot Premium Request',
        model: 'Claude Sonnet 4.5',
        costMicros: micros(Math.round(seats * 1.5 * this.rhythm(day) * (0.7 + 0.6 * rand())) * 0.04),
        provisional: false,
      },
    ];
  }

  /** Spend that no attribution rule in the example config matches. */
  private unallocatedLines(vendor: Vendor, day: IsoDay): VendorUsageLine[] {
    const rand = mulberry32(hashSeed(this.seed, 'unallocated', day, vendor));
    const r = this.rhythm(day);
    const base = { date: day, vendor, provisional: false } as const;
    switch (vendor) {
      case 'openai':
        return [
          {
            ...base,
            identities: { project: 'proj_hackathon' },
            lineItem: 'gpt-5',
            model: 'gpt-5',
            costMicros: micros(90 * r * (0.6 + 0.8 * rand())),
          },
        ];
      case 'anthropic':
        return [
          {
            ...base,
            identities: { workspace: 'wrkspc_sandbox' },
            lineItem: 'claude-sonnet-4-6',
            model: 'claude-sonnet-4-6',
            costMicros: micros(60 * r * (0.6 + 0.8 * rand())),
          },
        ];
      case 'bedrock':
        return [
          {
            ...base,
            identities: { tag: '' },
            lineItem: 'anthropic.claude-sonnet-4-6',
            model: 'anthropic.claude-sonnet-4-6',
            costMicros: micros(40 * r * (0.6 + 0.8 * rand())),
          },
        ];
      default:
        return [];
    }
  }
}
