import * as z from 'zod';
import { isIsoDay } from '../dates.js';
import { fiscalCalendarProblem } from '../fiscal-calendar.js';
import { HOLIDAY_CALENDARS } from '../holidays.js';
import { VENDOR_ID_PATTERN, VENDOR_ID_RULE } from '../vendors.js';

/**
 * The one burnwatch config file (`burnwatch.config.json`). Every field a user writes is validated
 * here; the JSON Schema shipped for editors is generated from this (`npm run schema`).
 */

/** The team that receives every line no attribution rule matches. Always present, never configured away. */
export const UNALLOCATED_TEAM = 'unallocated';

const teamId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (e.g. "payments")');
const isoDay = z.string().refine(isIsoDay, 'must be a calendar day written YYYY-MM-DD');
const positiveUsd = z
  .number({ error: 'must be a positive number' })
  .positive('must be a positive number')
  .max(1e12, 'must be below $1 trillion');
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user ID such as "U024BE7LH"');
const slackGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user-group ID such as "S0614TZR7"');
const slackChannel = z
  .string()
  .regex(/^(C|G)[A-Z0-9]{2,}$|^#[a-z0-9][a-z0-9._-]{0,79}$/, 'must be a channel ID ("C0123ABCD") or "#name"');
const secretName = z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** One thing a vendor row can be identified by. A pattern may use `*` as a wildcard (`*@payments.corp.com`). */
export const IDENTITY_KINDS = [
  'workspace',
  'project',
  'apiKey',
  'userEmail',
  'tag',
  'githubTeam',
  'account',
] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

const matchSchema = z
  .object({
    workspace: z.string().min(1).optional(),
    project: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    userEmail: z.string().min(1).optional(),
    tag: z.string().optional(),
    githubTeam: z.string().min(1).optional(),
    account: z.string().min(1).optional(),
  })
  .strict()
  .refine((m) => Object.values(m).some((v) => v !== undefined), {
    error: `must name at least one of ${IDENTITY_KINDS.join(', ')}`,
  });

export const attributionRuleSchema = z
  .object({
    /** All named identities must match (case-insensitive; `*` is a wildcard). */
    match: matchSchema,
    team: teamId,
  })
  .strict();
export type AttributionRule = z.infer<typeof attributionRuleSchema>;

const sourceBase = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lowercase letters, digits and dashes'),
  /** Secrets Manager secret holding this source's API key (locally: env var or secrets file, see README). */
  secretName: secretName.optional(),
  /** Override the vendor's API base URL (proxy, test server). */
  baseUrl: httpUrl.optional(),
  /** Days re-pulled on every run because vendors revise recent numbers. */
  trailingDays: z.number().int().min(1).max(92).optional(),
  attribution: z.array(attributionRuleSchema).default([]),
  enabled: z.boolean().default(true),
  /**
   * Date chunks of this source ingested at once when ingest fans out on Step Functions (its vendor's
   * rate limit); default per vendor (functions/core/ingest/fan-out.ts).
   */
  maxConcurrentChunks: z.number().int().min(1).max(40).optional(),
};

export const sourceSchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({
        ...sourceBase,
        type: z.literal('anthropic'),
        includeClaudeCode: z.boolean().default(true),
        /**
         * Where cost comes from: `analytics` (the Usage and Cost Analytics API, per workspace, API key,
         * model and service tier; falls back to the cost report where the organization lacks it) or
         * `cost-report` (the legacy report, per workspace and description).
         */
        costSource: z
          .enum(['analytics', 'cost-report'], { error: 'must be analytics or cost-report' })
          .default('cost-report'),
      })
      .strict(),
    z.object({ ...sourceBase, type: z.literal('openai') }).strict(),
    z.object({ ...sourceBase, type: z.literal('cursor') }).strict(),
    z
      .object({
        ...sourceBase,
        type: z.literal('copilot'),
        organization: z.string().min(1, 'must be the GitHub organization login'),
        /** Flat seat price per month, accrued per day to the seat's team. */
        seatPriceUsdPerMonth: z.number().nonnegative().default(19),
        /**
         * First day billed in AI credits (GitHub moved Copilot to them on 2026-06-01); days before it
         * are read as premium requests. null: a legacy plan still billed in premium requests.
         */
        aiCreditsFrom: isoDay.nullable().default('2026-06-01'),
        /** AI credits per seated user (one call per user and day; not for enterprise-owned orgs). */
        aiCreditsPerUser: z.boolean().default(false),
      })
      .strict(),
    z
      .object({
        ...sourceBase,
        type: z.literal('bedrock'),
        /** Cost-allocation tag key whose value names the team. */
        tagKey: z.string().min(1).default('team'),
        services: z.array(z.string().min(1)).min(1).default(['Amazon Bedrock']),
        region: z.string().default('us-east-1'),
      })
      .strict(),
    z
      .object({
        ...sourceBase,
        type: z.literal('import'),
        /** A CSV or JSON file in the documented import format, or a folder of them (CLI). */
        path: z.string().min(1).optional(),
        /**
         * Read the files under `imports/<source id>/` in the stack's import bucket instead (the daily
         * ingest Lambda, or the CLI with BURNWATCH_IMPORT_BUCKET set).
         */
        drop: z.boolean().optional(),
        /** The vendor the spend is from: shown in every breakdown and alert (`gemini` → "Gemini"). */
        vendor: z.string().regex(VENDOR_ID_PATTERN, VENDOR_ID_RULE).default('other'),
      })
      .strict()
      .refine((s) => (s.path !== undefined) !== (s.drop === true), {
        error: "give either path (a local file or folder) or drop: true (the stack's drop folder), not both",
        path: ['path'],
      }),
  ],
  { error: 'must be one of anthropic, openai, cursor, copilot, bedrock, import' },
);
export type SourceConfig = z.infer<typeof sourceSchema>;
export type SourceType = SourceConfig['type'];

const alertOverrides = z
  .object({
    /** P(exhaust before year end) at or above which a team is critical. */
    criticalProbability: z.number().gt(0).lte(1),
    /** P(exhaust) at or above which a team is at risk (warning). */
    warningProbability: z.number().gt(0).lte(1),
    /** Re-alert when the P50 exhaustion date moves earlier by more than this many days. */
    worseningDays: z.number().int().min(1).max(365),
    /** A day above `spikeMultiplier` × the robust recent level (and above `spikeMinUsd`) is a spike. */
    spikeMultiplier: z.number().gt(1),
    spikeMinUsd: z.number().nonnegative(),
    /** Per-engineer monthly cap; omit to disable the rule. */
    perEngineerMonthlyCapUsd: z.number().positive().optional(),
    /** A source whose data is complete only up to a day this many hours before the as-of day is stale. */
    staleAfterHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30),
    /**
     * Days of a material source's spend that may be estimated (not yet delivered) before a team's
     * numbers count as incomplete: no "on track" and no recovery notice until the data is in.
     */
    incompleteAfterDays: z.number().int().min(0).max(365),
    /** A source is material to a team when it carries at least this share of the team's recent spend. */
    materialSourceShare: z.number().min(0).max(1),
  })
  .strict();

export const DEFAULT_ALERTS = {
  criticalProbability: 0.6,
  warningProbability: 0.3,
  worseningDays: 14,
  spikeMultiplier: 3,
  spikeMinUsd: 500,
  staleAfterHours: 48,
  incompleteAfterDays: 3,
  materialSourceShare: 0.1,
} as const;

export const teamSchema = z
  .object({
    id: teamId.refine(
      (id) => id !== UNALLOCATED_TEAM,
      `"${UNALLOCATED_TEAM}" is reserved for unmatched spend`,
    ),
    name: z.string().min(1, 'must not be empty'),
    annualBudgetUsd: positiveUsd,
    headcount: z.number().int().positive('must be a positive whole number').optional(),
    slackChannel: slackChannel.optional(),
    managers: z
      .object({
        slackUserIds: z.array(slackUserId).default([]),
        slackUserGroupIds: z.array(slackGroupId).default([]),
      })
      .strict()
      .default({ slackUserIds: [], slackUserGroupIds: [] }),
    alerts: alertOverrides.partial().optional(),
  })
  .strict();
export type TeamConfig = z.infer<typeof teamSchema>;

const weekday = z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    organization: z.object({ name: z.string().min(1, 'must not be empty') }).strict(),
    fiscalYear: z
      .object({ startMonth: z.number().int(), startDay: z.number().int() })
      .strict()
      .superRefine((cal, ctx) => {
        const problem = fiscalCalendarProblem(cal);
        if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: [problem.field] });
      }),
    currency: z.literal('USD', { error: 'must be "USD" (the only currency supported)' }).default('USD'),
    /**
     * Built-in holiday calendar (`us`: New Year's, MLK, Memorial, Independence, Labor Day,
     * Thanksgiving and the day after, Christmas Eve and Day, New Year's Eve) or `none`.
     */
    holidayCalendar: z
      .enum(HOLIDAY_CALENDARS, { error: `must be one of ${HOLIDAY_CALENDARS.join(', ')}` })
      .default('us'),
    /** Further company holidays and shutdown days (YYYY-MM-DD); the forecast treats them like weekends. */
    holidays: z.array(isoDay).default([]),
    teams: z.array(teamSchema).min(1, 'must list at least one team'),
    sources: z.array(sourceSchema).default([]),
    alerts: alertOverrides
      .partial()
      .default({})
      .transform((a) => ({ ...DEFAULT_ALERTS, ...a })),
    finance: z
      .object({
        slackChannel: slackChannel,
        slackUserIds: z.array(slackUserId).default([]),
        slackUserGroupIds: z.array(slackGroupId).default([]),
        /** Weekday the finance digest is posted. */
        digestWeekday: weekday.default('monday'),
        /**
         * How long the digest's link to the published HTML report works (hours, 1–168). A link
         * signed with the forecast Lambda's role credentials stops working when they expire, which
         * can be sooner (docs/deploy.md, "The daily report").
         */
        reportLinkExpiryHours: z.number().int().min(1).max(168).default(12),
      })
      .strict(),
    /** How long per-person detail is kept (issue 14). */
    retention: z
      .object({
        /**
         * Months a line naming a person (and its per-person digest) is kept after its day, then
         * DynamoDB's TTL deletes it; team-day totals and per-person month rollups stay.
         */
        personDetailMonths: z.number().int().min(1).max(120).default(13),
      })
      .strict()
      .default({ personDetailMonths: 13 }),
    /** How ingest runs at scale (issue 14; docs/deploy.md "Scale"). */
    ingest: z
      .object({
        /** Days per chunk when ingest fans out on Step Functions (backfills, a big org's daily run). */
        chunkDays: z.number().int().min(1).max(31).default(7),
        /**
         * The daily ingest runs on the state machine too once the teams' headcounts add up to more
         * than this; below it, each source's Lambda runs on its own schedule.
         */
        fanOutAboveHeadcount: z.number().int().min(0).default(20_000),
      })
      .strict()
      .default({ chunkDays: 7, fanOutAboveHeadcount: 20_000 }),
    privacy: z
      .object({
        /** Who may see per-person figures (e.g. one engineer's spend). Finance does not by default. */
        perPersonVisibleTo: z
          .object({
            slackUserIds: z.array(slackUserId).default([]),
            slackUserGroupIds: z.array(slackGroupId).default([]),
          })
          .strict()
          .default({ slackUserIds: [], slackUserGroupIds: [] }),
      })
      .strict()
      .default({ perPersonVisibleTo: { slackUserIds: [], slackUserGroupIds: [] } }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const p of crossReferenceProblems(cfg))
      ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  });

/**
 * Each vendor's base URL shape (docs/ingest.md "Base URLs"): OpenAI's includes the API version
 * (`https://api.openai.com/v1`), the others are the origin (a proxy may add a path prefix), and
 * burnwatch adds `/v1/…` itself for Anthropic.
 */
function baseUrlProblem(type: unknown, baseUrl: unknown): string | undefined {
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) return undefined;
  const path = new URL(baseUrl).pathname.replace(/\/+$/, '');
  if (type === 'openai' && !path.endsWith('/v1'))
    return `must end in /v1 for OpenAI (e.g. "https://api.openai.com/v1"; got path "${path || '/'}")`;
  // GitHub Enterprise Server's API root is `/api/v3`, so GitHub's is not checked here.
  if ((type === 'anthropic' || type === 'cursor') && /\/v\d+$/.test(path))
    return `must be the bare origin for ${type} (e.g. "${DEFAULT_BASE_URLS[type]}"): burnwatch adds the API path itself, so "${path}" would be sent twice`;
  return undefined;
}

/** The vendors' own base URLs (what each connector uses when `baseUrl` is not set). */
export const DEFAULT_BASE_URLS = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com/v1',
  cursor: 'https://api.cursor.com',
  copilot: 'https://api.github.com',
} as const;

/**
 * Checks between fields (duplicate ids, rules naming unknown teams, threshold order). Works on loosely
 * typed input too, so `parseConfig` can report these alongside field errors in one pass.
 */
export function crossReferenceProblems(raw: unknown): Array<{ path: (string | number)[]; message: string }> {
  const problems: Array<{ path: (string | number)[]; message: string }> = [];
  const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const cfg = obj(raw);
  const teamIds = new Set<string>();
  arr(cfg.teams).forEach((t, i) => {
    const id = obj(t).id;
    if (typeof id !== 'string') return;
    if (teamIds.has(id)) problems.push({ path: ['teams', i, 'id'], message: `duplicate team id "${id}"` });
    teamIds.add(id);
  });
  const sourceIds = new Set<string>();
  arr(cfg.sources).forEach((s, i) => {
    const id = obj(s).id;
    if (typeof id === 'string') {
      if (sourceIds.has(id))
        problems.push({ path: ['sources', i, 'id'], message: `duplicate source id "${id}"` });
      sourceIds.add(id);
    }
    const problem = baseUrlProblem(obj(s).type, obj(s).baseUrl);
    if (problem) problems.push({ path: ['sources', i, 'baseUrl'], message: problem });
    arr(obj(s).attribution).forEach((rule, j) => {
      const team = obj(rule).team;
      if (typeof team === 'string' && team !== UNALLOCATED_TEAM && !teamIds.has(team)) {
        problems.push({
          path: ['sources', i, 'attribution', j, 'team'],
          message:
            teamIds.size > 0
              ? `unknown team "${team}"; add it under teams or use one of: ${[...teamIds].join(', ')}`
              : `unknown team "${team}"; there are no teams yet: add one under teams with this id`,
        });
      }
    });
  });
  const alerts = { ...DEFAULT_ALERTS, ...obj(cfg.alerts) };
  if (
    typeof alerts.warningProbability === 'number' &&
    typeof alerts.criticalProbability === 'number' &&
    alerts.warningProbability > alerts.criticalProbability
  ) {
    problems.push({
      path: ['alerts', 'warningProbability'],
      message: 'must not exceed alerts.criticalProbability',
    });
  }
  return problems;
}

export type BurnwatchConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type AlertSettings = BurnwatchConfig['alerts'];

/** A team's effective alert settings: org defaults with its overrides applied. */
export function alertSettingsFor(config: BurnwatchConfig, teamId: string): AlertSettings {
  const team = config.teams.find((t) => t.id === teamId);
  return { ...config.alerts, ...(team?.alerts ?? {}) };
}
