import * as z from 'zod';
import { escapeMrkdwn } from '../alerts/block-kit.js';
import { type BurnReport, burnReportSchema } from '../burn-report.js';
import { dataNotes, dayCount, outlookSentence, shortDate, statusLabel, usd } from '../burn-text.js';
import { type BurnwatchConfig, UNALLOCATED_TEAM } from '../config/schema.js';
import { orgSummarySchema, type TeamLine } from '../org-summary.js';
import { outcomeBlocks } from '../outcomes/outcome-slack.js';
import { changeCell } from '../outcomes/outcome-text.js';
import { vendorDisplayName } from '../vendors.js';
import { answerDecision, type DecisionDeps, isDecisionCommand } from './decide-commands.js';

/** The fields of Slack's slash-command POST that /burn uses (application/x-www-form-urlencoded). */
export const slashPayloadSchema = z.object({
  command: z.string().min(1),
  text: z.string().max(500).default(''),
  user_id: z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user ID'),
  team_id: z.string().optional(),
  channel_id: z.string().optional(),
  response_url: z.string().optional(),
});
export type SlashPayload = z.infer<typeof slashPayloadSchema>;

export interface SlackBlock {
  readonly type: string;
  readonly [key: string]: unknown;
}
export interface SlashResponse {
  readonly response_type: 'ephemeral' | 'in_channel';
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

export interface SlashDeps {
  readonly config: BurnwatchConfig;
  /**
   * Stored team summaries (one BatchGetItem; no queries over days, no scans) and the org summary the
   * list answers read first (one GetItem: core/org-summary.ts).
   */
  readonly summaries: {
    getTeamSummaries(teams: readonly string[]): Promise<Map<string, unknown>>;
    getOrgSummary?(): Promise<unknown | undefined>;
  };
  /** Members of a Slack user group (cached by the adapter). */
  readonly groupMembers: (groupId: string) => Promise<readonly string[]>;
  /** Plans, budgets, what-if and moves (issue 18); absent: those commands answer "not available here". */
  readonly decisions?: DecisionDeps;
}

const VIEWS = ['vendors', 'models', 'trend', 'outcomes'] as const;
type View = (typeof VIEWS)[number] | 'overview';

/** Slack's limits: 50 blocks a message, 3000 characters a section text. */
const MAX_BLOCKS = 50;
const MAX_TEXT = 3000;
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);
const section = (text: string): SlackBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text) },
});
const context = (text: string): SlackBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: clip(text) }],
});
const STATUS_EMOJI = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  ok: ':large_green_circle:',
} as const;
/** Never the green circle of "on track" when the data is incomplete. */
const statusEmoji = (r: Pick<BurnReport, 'dataStatus' | 'outlook'>) =>
  r.dataStatus === 'incomplete' && r.outlook.status !== 'critical'
    ? ':white_circle:'
    : STATUS_EMOJI[r.outlook.status];

/**
 * A user-group lookup failed and the answer would have been a refusal: the asker may well be allowed,
 * so they get "could not answer, try again" (and the cause is logged), not a wrong "you can't see it".
 */
export class AccessLookupError extends Error {
  override readonly name = 'AccessLookupError';
  readonly code = 'SLASH_ACCESS_LOOKUP';
}

/** May the viewer do it: 'unknown' when a failed user-group lookup might have said yes. */
export type AccessVerdict = 'yes' | 'no' | 'unknown';

/** Who is asking, resolved once per request: only the user groups the config names are looked up. */
export class Viewer {
  private readonly memo = new Map<string, Promise<boolean>>();
  /** Lookups that failed (Slack down, token unreadable, missing usergroups:read). */
  readonly failures: { groupId: string; cause: unknown }[] = [];
  constructor(
    readonly userId: string,
    private readonly groupMembers: SlashDeps['groupMembers'],
  ) {}
  /** Starts every lookup at once, so a cold cache costs one Slack round trip, not one per group. */
  prefetch(groupIds: Iterable<string>): void {
    for (const g of groupIds) {
      if (!this.memo.has(g)) {
        // A failed lookup (Slack down, missing usergroups:read) never grants membership; it is
        // remembered so a refusal it may have caused becomes "try again" instead (AccessLookupError).
        this.memo.set(
          g,
          this.groupMembers(g).then(
            (members) => members.includes(this.userId),
            (cause: unknown) => {
              this.failures.push({ groupId: g, cause });
              return false;
            },
          ),
        );
      }
    }
  }

  /**
   * Whether this viewer may do something, given what the lookups said: a no stands only if every
   * lookup that could have changed it succeeded; otherwise 'unknown' (the asker should try again).
   */
  verdict(allowed: boolean): AccessVerdict {
    if (allowed) return 'yes';
    return this.failures.length > 0 ? 'unknown' : 'no';
  }

  async inAny(userIds: readonly string[], groupIds: readonly string[]): Promise<boolean> {
    if (userIds.includes(this.userId)) return true;
    for (const g of groupIds) {
      this.prefetch([g]);
      if (await this.memo.get(g)) return true;
    }
    return false;
  }
}

export interface Access {
  readonly finance: boolean;
  readonly perPerson: boolean;
  /** Teams this viewer may see, in config order (`unallocated` for finance). */
  readonly teams: readonly string[];
}

/**
 * What access needs of a config, worked out once per config rather than per request: an org of
 * hundreds of teams would otherwise cost every `/burn` as many array copies (issue 14: per-request
 * CPU is what queues 50 concurrent askers).
 */
const accessPlans = new WeakMap<
  BurnwatchConfig,
  { readonly groupIds: readonly string[]; readonly financeTeams: readonly string[] }
>();
function accessPlan(config: BurnwatchConfig) {
  let plan = accessPlans.get(config);
  if (!plan) {
    plan = {
      groupIds: [
        ...config.finance.slackUserGroupIds,
        ...config.privacy.perPersonVisibleTo.slackUserGroupIds,
        ...config.teams.flatMap((t) => t.managers.slackUserGroupIds),
      ],
      financeTeams: Object.freeze([...config.teams.map((t) => t.id), UNALLOCATED_TEAM]),
    };
    accessPlans.set(config, plan);
  }
  return plan;
}

export async function accessOf(viewer: Viewer, config: BurnwatchConfig): Promise<Access> {
  const plan = accessPlan(config);
  viewer.prefetch(plan.groupIds);
  const finance = await viewer.inAny(config.finance.slackUserIds, config.finance.slackUserGroupIds);
  const perPerson = await viewer.inAny(
    config.privacy.perPersonVisibleTo.slackUserIds,
    config.privacy.perPersonVisibleTo.slackUserGroupIds,
  );
  if (finance) return { finance, perPerson, teams: plan.financeTeams };
  const teams: string[] = [];
  for (const t of config.teams) {
    // Awaited only for a team whose managers include user groups, so a manager's `/burn` does not
    // take a promise turn per team of the org.
    const { slackUserIds, slackUserGroupIds } = t.managers;
    if (
      slackUserIds.includes(viewer.userId) ||
      (slackUserGroupIds.length > 0 && (await viewer.inAny([], slackUserGroupIds)))
    )
      teams.push(t.id);
  }
  return { finance, perPerson, teams };
}

export const teamName = (config: BurnwatchConfig, id: string) =>
  id === UNALLOCATED_TEAM ? 'Unallocated' : (config.teams.find((t) => t.id === id)?.name ?? id);

/** `Payments` or `payments` or `data-science` → the team id, or undefined. */
function resolveTeam(config: BurnwatchConfig, word: string): string | undefined {
  const w = word.toLowerCase();
  if (w === UNALLOCATED_TEAM) return UNALLOCATED_TEAM;
  return config.teams.find(
    (t) => t.id === w || t.name.toLowerCase() === w || t.name.toLowerCase().replace(/\s+/g, '-') === w,
  )?.id;
}

function helpText(access: Access, config: BurnwatchConfig): string {
  const mine = access.teams.length ? access.teams.map((t) => `\`${t}\``).join(', ') : 'none yet';
  return [
    '*/burn* — AI spend by team: spent so far, year-end forecast, when the budget runs out.',
    '• `/burn` — your teams',
    '• `/burn TEAM` — one team; add `vendors`, `models`, `trend` or `outcomes` (what the spend bought) for detail',
    '• `/burn TEAM plan +20 engineers from 2027-03-01` — a planned change the forecast applies; `/burn TEAM plans` lists them',
    '• `/burn TEAM what-if sonnet` (or `+5 hires`, `cap 1500`, `without cursor`) — year end before and after, not stored',
    '• `/burn TEAM budget` — the budget and its history',
    ...(access.finance
      ? [
          '• `/burn all` — every team (finance)',
          '• `/burn TEAM budget 300000 from 2027-01-01 reason …` — change a budget (finance)',
          '• `/burn all moves` — suggested budget moves; `/burn all move FROM TO USD reason …` applies one (finance)',
        ]
      : []),
    '• add `share` at the end to post the answer in the channel (answers are private by default)',
    `Teams you can see: ${mine}. Ask in ${config.finance.slackChannel} for access.`,
  ].join('\n');
}

/** What the asker sees when something inside burnwatch failed (the cause is logged, never shown). */
export function couldNotAnswer(): SlashResponse {
  return reply(
    'burnwatch could not answer, try again',
    [section('burnwatch could not answer just now, try again in a minute. (The cause is in its logs.)')],
    false,
  );
}

/** The immediate acknowledgement of an answer that follows through `response_url`. */
export function workingOnIt(): SlashResponse {
  return reply(
    'Working on it…',
    [context(':hourglass_flowing_sand: Working on it; the answer follows here.')],
    false,
  );
}

function reply(text: string, blocks: SlackBlock[], share: boolean): SlashResponse {
  return {
    response_type: share ? 'in_channel' : 'ephemeral',
    text: clip(text),
    blocks: blocks.slice(0, MAX_BLOCKS),
  };
}

/**
 * A team's line as rendered before, for the same line object: the org summary's lines are reused
 * while the summary does not change (`orgLines`), so 200 teams are formatted once per version.
 */
const renderedLines = new WeakMap<TeamLine, string>();
function teamLineText(r: TeamLine): string {
  let text = renderedLines.get(r);
  if (text === undefined) {
    text = teamLine(r);
    renderedLines.set(r, text);
  }
  return text;
}

/** One line per team for `/burn` and `/burn all`, riskiest first. */
function teamLine(r: TeamLine): string {
  const o = r.outlook;
  const runsOut = o.exhaustionDate.p50 ? ` · runs out *${shortDate(o.exhaustionDate.p50, r.asOf)}*` : '';
  const budget = r.budgetUsd === null ? '' : ` of ${usd(r.budgetUsd)} (${r.percentUsed}%)`;
  const data = r.dataStatus === 'incomplete' ? ` · _incomplete data: ${dataNotes(r).join('; ')}_` : '';
  return `${statusEmoji(r)} *${escapeMrkdwn(r.name)}*: ${usd(r.spentToDateUsd)}${budget} · year-end ${usd(o.yearEndUsd.p50)}${runsOut}${data}`;
}

const RISK = { critical: 0, warning: 1, ok: 2 } as const;

/** " · Q2 $61,200 of $90,000" where the budget is phased by quarter. */
function phaseLine(r: BurnReport): string {
  const q = r.phasing?.quarters.find((x) => x.label === r.phasing?.current);
  return q ? ` · ${q.label} ${usd(q.spentUsd)} of ${usd(q.budgetUsd)}` : '';
}

function overview(r: BurnReport, access: Access, share: boolean): SlackBlock[] {
  const o = r.outlook;
  const band =
    o.method === 'forecast'
      ? ` (P10 ${usd(o.yearEndUsd.p10)} – P90 ${usd(o.yearEndUsd.p90)})`
      : ' (trailing run-rate)';
  const fields = [
    `*Spent (${r.fiscalYear.label})*\n${usd(r.spentToDateUsd)}${r.percentUsed === null ? '' : ` · ${r.percentUsed}%`}`,
    `*Budget*\n${r.budgetUsd === null ? '—' : usd(r.budgetUsd)}${phaseLine(r)}`,
    `*Year-end forecast*\n${usd(o.yearEndUsd.p50)}${band}`,
    `*Runs out*\n${o.exhaustionDate.p50 ? `${shortDate(o.exhaustionDate.p50, r.asOf)}${o.daysEarly !== null && o.daysEarly > 0 ? ` (${dayCount(o.daysEarly)} early)` : ''}` : 'not this year'}`,
  ];
  if (o.probabilityOfExhaustion !== null)
    fields.push(`*Chance of running out*\n${Math.round(o.probabilityOfExhaustion * 100)}%`);
  if (r.perEngineerMonthlyUsd !== null)
    fields.push(
      `*Per ${r.perEngineerBasis === 'headcount' ? 'head' : 'active engineer'}*\n${usd(r.perEngineerMonthlyUsd)} a month`,
    );
  const perPr = r.outcomes?.last4Weeks.spendPerMergedPrUsd ?? null;
  if (perPr !== null)
    fields.push(
      `*Per merged PR (4 weeks)*\n${usd(perPr)} (${changeCell(r.outcomes?.change.spendPerMergedPr ?? null)})`,
    );
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        emoji: true,
        text: `${statusEmoji(r)} ${r.name}: ${statusLabel(r)}`.slice(0, 150),
      },
    },
    section(escapeMrkdwn(outlookSentence(r))),
    { type: 'section', fields: fields.slice(0, 10).map((text) => ({ type: 'mrkdwn', text })) },
    section(
      `*By vendor*: ${
        r.byVendor
          .slice(0, 6)
          .map((v) => `${vendorDisplayName(v.vendor)} ${usd(v.usd)} (${Math.round(v.share * 100)}%)`)
          .join(' · ') || 'no spend yet'
      }`,
    ),
  ];
  // Per-person figures only for viewers config.privacy allows, listed by name, not ranked, and never in
  // an answer posted to the channel (`share`): everyone there would see them (issue 13).
  if (access.perPerson && !share && r.people && r.people.overCap.length > 0) {
    const people = [...r.people.overCap].sort((a, b) => a.user.localeCompare(b.user));
    blocks.push(
      section(
        `*Over the per-engineer cap this month*: ${people.map((p) => `${escapeMrkdwn(p.user)} ${usd(p.monthUsd)}`).join(', ')}`,
      ),
    );
  }
  blocks.push(
    context(
      `as of ${r.asOf} · ${dataNotes(r).join(' · ') || `data through ${r.dataThrough ?? '—'}`} · ${o.method === 'forecast' ? 'forecast' : 'trailing 28-day run-rate'}${o.confidence === 'low' ? ' · low confidence (short history)' : ''} · \`/burn ${r.team} vendors|models|trend|outcomes\``,
    ),
  );
  return blocks;
}

function detail(r: BurnReport, view: Exclude<View, 'overview' | 'outcomes'>): SlackBlock[] {
  const rows =
    view === 'vendors'
      ? r.byVendor.map(
          (v) =>
            `${vendorDisplayName(v.vendor).padEnd(14)} ${usd(v.usd).padStart(12)}  ${String(Math.round(v.share * 100)).padStart(3)}%`,
        )
      : view === 'models'
        ? r.byModel.map((m) => `${m.model.slice(0, 32).padEnd(32)} ${usd(m.usd).padStart(12)}`)
        : (() => {
            const max = Math.max(1, ...r.trend.map((w) => w.usd));
            return r.trend.map(
              (w) =>
                `${w.weekStart}  ${usd(w.usd).padStart(10)}  ${'█'.repeat(Math.round((w.usd / max) * 20))}`,
            );
          })();
  const title =
    view === 'vendors' ? 'by vendor' : view === 'models' ? 'by model' : 'weekly spend, last 12 weeks';
  const change =
    view === 'trend' && r.trendChange !== null
      ? `\nLast 28 days ${changeCell(r.trendChange - 1)} vs the 28 before.`
      : '';
  return [
    section(`*${escapeMrkdwn(r.name)}* — ${title} (${r.fiscalYear.label}, as of ${r.asOf})`),
    section(`\`\`\`${rows.join('\n') || 'no spend yet'}\`\`\`${change}`),
  ];
}

/**
 * Answers `/burn …` for one user. Authorization comes from the config: managers see their teams,
 * finance sees every team (and `unallocated`), per-person figures only go to config.privacy's list,
 * anyone else gets a polite refusal. Reads only the stored team summaries.
 */
export async function answerBurnCommand(payload: SlashPayload, deps: SlashDeps): Promise<SlashResponse> {
  const { config } = deps;
  const words = payload.text.trim().split(/\s+/).filter(Boolean);
  const share = words.at(-1)?.toLowerCase() === 'share';
  if (share) words.pop();
  const viewer = new Viewer(payload.user_id, deps.groupMembers);
  const access = await accessOf(viewer, config);
  const [first, second, ...rest] = words;
  /** A refusal stands only if every lookup that could have changed it succeeded. */
  const refuse = (response: SlashResponse): SlashResponse => {
    if (viewer.failures.length === 0) return response;
    const groups = viewer.failures.map((f) => f.groupId).join(', ');
    throw new AccessLookupError(
      `user-group lookup failed for ${groups}; cannot tell what ${payload.user_id} may see`,
      {
        cause: viewer.failures[0]?.cause,
      },
    );
  };

  // Decisions: `/burn TEAM plan|plans|budget|what-if …`, `/burn all moves|move …`.
  const isAll = first?.toLowerCase() === 'all';
  if (first && isDecisionCommand(isAll ? 'all' : 'team', second)) {
    const team = isAll ? undefined : resolveTeam(config, first);
    if (!isAll && (!team || !access.teams.includes(team)))
      return refuse(
        reply(
          `You can't decide for ${first}.`,
          [
            section(
              `Only a team's managers and finance can plan, ask what-if or see budgets for it. Your teams: ${access.teams.map((t) => `\`${t}\``).join(', ') || 'none'}.`,
            ),
          ],
          false,
        ),
      );
    if (isAll && !access.finance)
      return refuse(
        reply('Budget moves are for finance.', [section('`/burn all moves` is for finance.')], false),
      );
    if (!deps.decisions)
      return reply(
        'Not available here.',
        [section('Plans, budgets and what-if are not available on this endpoint.')],
        false,
      );
    const answer = await answerDecision(
      {
        config,
        userId: payload.user_id,
        finance: access.finance,
        ...(team ? { team, teamName: teamName(config, team) } : {}),
        words: [second ?? '', ...rest],
        reports: await loadReports(deps, access.teams),
      },
      deps.decisions,
    );
    return reply(answer.text, answer.sections.map(section), share);
  }
  if (first?.toLowerCase() === 'help' || rest.length > 0) {
    return reply('burnwatch /burn help', [section(helpText(access, config))], false);
  }
  if (access.teams.length === 0) {
    return refuse(
      reply(
        'You are not set up to see AI spend yet.',
        [
          section(
            `You're not set up to see any team's AI spend yet. A team's managers and finance can; ask in ${config.finance.slackChannel} to be added.`,
          ),
        ],
        false,
      ),
    );
  }

  if (!first || first.toLowerCase() === 'all') {
    if (first && !access.finance) {
      return refuse(
        reply(
          '/burn all is for finance.',
          [
            section(
              `\`/burn all\` is for finance. Your teams: ${access.teams.map((t) => `\`${t}\``).join(', ')}.`,
            ),
          ],
          false,
        ),
      );
    }
    const teams = access.teams;
    const all = Boolean(first);
    const org = orgLines(await deps.summaries.getOrgSummary?.());
    // The same org summary and the same teams give the same answer: built once per version, as the
    // lines are (answering 200 teams was most of a warm `/burn all`'s CPU: bench:slash).
    const held = lastList;
    if (
      held &&
      org &&
      held.from === org &&
      held.all === all &&
      held.share === share &&
      sameTeams(held.teams, teams)
    )
      return held.answer;
    const { lines, from } = await loadLines(deps, teams, org);
    const answer = listAnswer(config, teams, lines, all, share);
    if (from) lastList = { from, teams, all, share, answer };
    return answer;
  }

  const team = resolveTeam(config, first);
  if (!team) {
    return reply(
      `No team called "${first}".`,
      [
        section(
          `I don't know a team called *${first.replace(/[*_~`<>&]/g, '')}*.\n${helpText(access, config)}`,
        ),
      ],
      false,
    );
  }
  if (!access.teams.includes(team)) {
    return refuse(
      reply(
        `You can't see ${escapeMrkdwn(teamName(config, team))}'s AI spend.`,
        [
          section(
            `Sorry, *${escapeMrkdwn(teamName(config, team))}*'s AI spend is visible to its managers and finance. Your teams: ${access.teams.map((t) => `\`${t}\``).join(', ')}. Ask in ${config.finance.slackChannel} if you need access.`,
          ),
        ],
        false,
      ),
    );
  }
  const view = (second?.toLowerCase() ?? 'overview') as View;
  if (view !== 'overview' && !VIEWS.includes(view as (typeof VIEWS)[number])) {
    return reply(
      `Unknown view "${second}".`,
      [section(`I can show \`/burn ${team}\` with \`vendors\`, \`models\`, \`trend\` or \`outcomes\`.`)],
      false,
    );
  }
  const report = (await loadReports(deps, [team])).get(team);
  if (!report) {
    return reply(
      `No data yet for ${escapeMrkdwn(teamName(config, team))}.`,
      [
        section(
          `No data yet for *${escapeMrkdwn(teamName(config, team))}*: the daily forecast job has not run for it.`,
        ),
      ],
      share,
    );
  }
  const blocks =
    view === 'overview'
      ? overview(report, access, share)
      : view === 'outcomes'
        ? // Per-person detail only for allowed viewers, and never in an answer posted to the channel.
          outcomeBlocks(report, { perPerson: access.perPerson && !share })
        : detail(report, view);
  // The fallback `text` is mrkdwn too (notifications, clients without blocks).
  return reply(escapeMrkdwn(outlookSentence(report)), blocks, share);
}

/** The answer last built for `/burn` or `/burn all` from the org summary's lines (see the caller). */
let lastList:
  | {
      readonly from: readonly TeamLine[];
      readonly teams: readonly string[];
      readonly all: boolean;
      readonly share: boolean;
      readonly answer: SlashResponse;
    }
  | undefined;
const sameTeams = (a: readonly string[], b: readonly string[]) =>
  a === b || (a.length === b.length && a.every((t, i) => t === b[i]));

/** The list answer: one line per team, riskiest first, in as few sections as fit. */
function listAnswer(
  config: BurnwatchConfig,
  teams: readonly string[],
  reports: ReadonlyMap<string, TeamLine>,
  first: boolean,
  share: boolean,
): SlashResponse {
  const found = teams.flatMap((t) => (reports.get(t) ? [reports.get(t) as TeamLine] : []));
  found.sort(
    (a, b) =>
      RISK[a.outlook.status] - RISK[b.outlook.status] || (b.percentUsed ?? -1) - (a.percentUsed ?? -1),
  );
  const missing = teams.filter((t) => !reports.get(t));
  const lines = found.map(teamLineText);
  // Up to ~45 sections of 3000 characters: hundreds of teams fit in one message.
  const blocks: SlackBlock[] = [
    section(
      `*AI spend${first ? ', every team' : ', your teams'}* (${found[0]?.fiscalYear.label ?? ''}, as of ${found[0]?.asOf ?? '—'})`,
    ),
  ];
  let chunk = '';
  for (const line of lines) {
    if (chunk.length + line.length + 1 > MAX_TEXT) {
      blocks.push(section(chunk));
      chunk = '';
    }
    chunk += `${chunk ? '\n' : ''}${line}`;
  }
  if (chunk) blocks.push(section(chunk));
  if (missing.length)
    blocks.push(
      context(
        `No data yet for ${escapeMrkdwn(missing.map((t) => teamName(config, t)).join(', '))}: the daily forecast job has not run for them.`,
      ),
    );
  blocks.push(context('`/burn TEAM` for one team · `/burn help`'));
  // The notification text: teams by status, not the lines themselves (the blocks carry them; a
  // 3,000-character fallback only made every answer longer). Incomplete data is never "on track".
  const byLabel = new Map<string, number>();
  for (const r of found) {
    const label = statusLabel(r);
    byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
  }
  const fallback = found.length
    ? `AI spend${first ? ', every team' : ', your teams'}: ${[...byLabel].map(([label, n]) => `${n} ${label}`).join(', ')}`
    : 'No data yet.';
  return reply(fallback, blocks.slice(0, MAX_BLOCKS), share);
}

/**
 * Each team's line for the list answers (issue 14): from the org summary, one item however many teams
 * there are; a team it lacks (not yet in a daily job's summary) from its own summary. `from`: the org
 * summary's lines, when every team's line came from them (the answer then depends on them alone).
 */
async function loadLines(
  deps: SlashDeps,
  teams: readonly string[],
  org: readonly TeamLine[] | undefined,
): Promise<{ lines: Map<string, TeamLine>; from?: readonly TeamLine[] }> {
  const wanted = new Set(teams);
  const lines = new Map<string, TeamLine>();
  for (const line of org ?? []) if (wanted.has(line.team)) lines.set(line.team, line);
  const missing = teams.filter((t) => !lines.has(t));
  if (missing.length === 0 && org) return { lines, from: org };
  for (const [team, r] of await loadReports(deps, missing)) lines.set(team, r);
  return { lines };
}

/**
 * The org summary's lines, validated once per document: a store that returns the same object while
 * the stored summary is unchanged (the DynamoDB adapter does) gets the lines validated, and rendered,
 * last time, so a warm process does not re-check 200 teams' lines on every `/burn all` (issue 14). The
 * item is still read on every request: an answer is never staler than the store.
 */
let lastOrg: { readonly doc: object; readonly lines: readonly TeamLine[] } | undefined;
function orgLines(doc: unknown): readonly TeamLine[] | undefined {
  if (doc !== null && typeof doc === 'object' && lastOrg?.doc === doc) return lastOrg.lines;
  const org = orgSummarySchema.safeParse(doc);
  if (!org.success) return undefined;
  if (doc !== null && typeof doc === 'object') lastOrg = { doc, lines: org.data.teams };
  return org.data.teams;
}

/**
 * Team summaries validated once per document, as `orgLines` does: a store that returns the same
 * object while a summary is unchanged (the DynamoDB adapter does) gets it checked once, not on every
 * `/burn`. Keyed weakly: a replaced document's entry goes with it.
 */
const validatedReports = new WeakMap<object, BurnReport | null>();
function reportOf(doc: unknown): BurnReport | undefined {
  const cacheable = doc !== null && typeof doc === 'object';
  const known = cacheable ? validatedReports.get(doc) : undefined;
  if (known !== undefined) return known ?? undefined;
  const parsed = burnReportSchema.safeParse(doc);
  if (cacheable) validatedReports.set(doc, parsed.success ? parsed.data : null);
  return parsed.success ? parsed.data : undefined;
}

async function loadReports(deps: SlashDeps, teams: readonly string[]): Promise<Map<string, BurnReport>> {
  const raw = await deps.summaries.getTeamSummaries(teams);
  const out = new Map<string, BurnReport>();
  for (const [team, doc] of raw) {
    // A summary that no longer matches the schema (older version) reads as "no data yet", not a crash.
    const report = reportOf(doc);
    if (report) out.set(team, report);
  }
  return out;
}
