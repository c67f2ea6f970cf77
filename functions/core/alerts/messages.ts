import { beforeYearEnd, humanTimestamp, shortDate, usd } from '../burn-text.js';
import { diffDays, type IsoDay } from '../dates.js';
import { formatUsdCompact } from '../money.js';
import { costPerPrMessage } from '../outcomes/outcome-alert.js';
import {
  type Block,
  context,
  escapeMrkdwn,
  header,
  isLinkButton,
  type LinkButton,
  plain,
  type SlackMessage,
  section,
  truncate,
} from './block-kit.js';
import { type ButtonValue, decisionButtons } from './decision-buttons.js';
import type {
  AlertCondition,
  AlertFacts,
  BudgetFacts,
  EngineerCapFacts,
  NoticeKind,
  Severity,
  SpikeFacts,
  StaleFacts,
} from './types.js';
import { spendLimitLink, vendorName } from './vendor-links.js';

/**
 * Who reads a message. `channel` (team and finance channels, SNS) never sees per-person detail;
 * `private` is a direct message to someone config.privacy allows.
 */
export type Audience = 'channel' | 'private';

export interface MessageContext {
  readonly kind: NoticeKind;
  readonly audience: Audience;
  /** What was last announced, for "was 28 Apr" in worsening notices. */
  readonly previousExhaustionP50?: IsoDay | null;
  readonly worseningDays: number;
  readonly githubOrg?: string;
  /** Which alert a channel message is, for its decision buttons (absent: no buttons, e.g. previews of DMs). */
  readonly decisions?: ButtonValue;
}

const ICON: Record<Severity, string> = { critical: '🔴', warning: '🟠', ok: '✅' };
const LEVEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', ok: 'RESOLVED' };
const pct = (p: number) => `${Math.round(p * 100)}%`;
const compact = (n: number) => formatUsdCompact(n);

function linkButtons(vendors: readonly string[], githubOrg?: string): Block[] {
  const elements: LinkButton[] = [];
  for (const v of vendors) {
    const link = spendLimitLink(v, { githubOrg });
    if (link && !elements.some((e) => e.url === link.url))
      elements.push({
        type: 'button',
        text: plain(link.label, 75),
        url: link.url,
        action_id: `limits-${v}`,
      });
  }
  return elements.length ? [{ type: 'actions', elements: elements.slice(0, 5) }] : [];
}

function driverText(f: BudgetFacts): string {
  const d = f.driver;
  if (!d) return 'no spend in the last 28 days';
  const what = `${vendorName(d.vendor)}${d.model ? ` ${d.model}` : ''}`;
  const growth =
    d.growthUsd !== null
      ? `${d.growthUsd >= 0 ? '+' : '−'}${compact(Math.abs(d.growthUsd))} vs the 28 days before`
      : 'largest spend';
  return `${escapeMrkdwn(what)} (${growth}; ${pct(d.share)} of recent spend)`;
}

function budgetHeadline(f: BudgetFacts, sev: Severity, ctx: MessageContext): string {
  const ex = f.exhaustionDate.p50;
  if (ctx.kind === 'recover') return `Back on track: ${f.teamName} is within its AI budget`;
  if (f.spentToDateUsd > f.budgetUsd) return `${f.teamName} has spent past its AI budget`;
  if (ctx.kind === 'worsen' && ex && ctx.previousExhaustionP50) {
    const weeks = Math.round(diffDays(ex, ctx.previousExhaustionP50) / 7);
    return `${f.teamName}: AI budget now runs out ${weeks} week${weeks === 1 ? '' : 's'} earlier, around ${shortDate(ex, f.asOf)}`;
  }
  if (sev === 'critical' && ex)
    return `${f.teamName} will run out of AI budget around ${shortDate(ex, f.asOf)}`;
  if (sev === 'critical') return `${f.teamName} is on track to run out of AI budget before year end`;
  return `${f.teamName} is at risk of going over its AI budget`;
}

function budgetSentence(f: BudgetFacts): string {
  const ex = f.exhaustionDate;
  const team = `*${escapeMrkdwn(f.teamName)}*`;
  const budget = `*${usd(f.budgetUsd)}*`;
  if (f.spentToDateUsd > f.budgetUsd)
    return `${team} has spent ${usd(f.spentToDateUsd)} of its ${budget} ${f.fiscalYearLabel} budget (${f.percentUsed}%) and is heading for ${usd(f.yearEndUsd.p50)} by ${shortDate(f.fiscalYearEnd, f.asOf)}.`;
  if (ex.p50) {
    const range =
      f.method === 'forecast'
        ? ` (P10 ${shortDate(ex.p10 ?? ex.p50, f.asOf)}, P90 ${ex.p90 ? shortDate(ex.p90, f.asOf) : 'after year end'})`
        : '';
    const early = f.daysEarly !== null ? `, *${beforeYearEnd(f.daysEarly)}*` : '';
    return `${team} will exhaust its ${budget} budget around *${shortDate(ex.p50, f.asOf)}*${range}${early}.`;
  }
  const share = Math.round((f.yearEndUsd.p50 / f.budgetUsd) * 100);
  return `${team} is heading for ${usd(f.yearEndUsd.p50)} by year end, ${share}% of its ${budget} budget${ex.p10 ? `; it could run out as early as ${shortDate(ex.p10, f.asOf)}` : ''}.`;
}

const WHY: Record<NoticeKind, string> = {
  enter: 'new alert',
  escalate: 'escalated',
  worsen: 'materially worse since the last alert',
  recover: 'recovered',
};

function footer(kind: NoticeKind, asOf: IsoDay, rule: string, extra: string, ctx: MessageContext): Block {
  const worse: Record<string, string> = {
    budget: `worsens materially (runs out over ${ctx.worseningDays} days earlier)`,
    'engineer-cap': 'more people go over the cap',
    spike: 'a new spike starts after this one ends',
    'stale-data': 'it recovers',
  };
  const next =
    kind === 'recover'
      ? 'You will hear again only if it goes wrong again.'
      : `Next alert only if it escalates or ${worse[rule] ?? 'changes materially'}${rule === 'budget' ? ', or recovers' : ''}.`;
  return context(`burnwatch · as of ${asOf} · ${extra} · ${WHY[kind]}. ${next}`);
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
/** `2026-03` → `March 2026`. */
const monthName = (month: string) =>
  `${MONTH_NAMES[Number(month.slice(5, 7)) - 1] ?? month} ${month.slice(0, 4)}`;

function budgetMessage(f: BudgetFacts, sev: Severity, ctx: MessageContext): SlackMessage {
  const headline = budgetHeadline(f, sev, ctx);
  const blocks: Block[] = [header(`${ICON[sev]} ${headline}`), section(budgetSentence(f))];
  const yearEnd =
    f.method === 'forecast'
      ? `${compact(f.yearEndUsd.p50)} (P10 ${compact(f.yearEndUsd.p10)} – P90 ${compact(f.yearEndUsd.p90)})`
      : `${compact(f.yearEndUsd.p50)} (trailing 28-day run-rate)`;
  const fields = [
    `*Spent*\n${usd(f.spentToDateUsd)} (${f.percentUsed}%)`,
    `*Budget*\n${f.budgetNote ? escapeMrkdwn(f.budgetNote) : usd(f.budgetUsd)}`,
    `*Year-end forecast*\n${yearEnd}`,
    `*Chance of running out*\n${f.probabilityOfExhaustion === null ? (f.exhaustionDate.p50 ? 'likely (run-rate)' : '—') : pct(f.probabilityOfExhaustion)}`,
    `*Main driver*\n${driverText(f)}`,
  ];
  if (ctx.kind === 'worsen' && ctx.previousExhaustionP50)
    fields.push(`*Previously expected*\n${shortDate(ctx.previousExhaustionP50, f.asOf)}`);
  if (f.plans?.length) fields.push(`*Plans in this forecast*\n${escapeMrkdwn(f.plans.join('; '))}`);
  if (f.dataNotes.length)
    fields.push(
      `*${f.dataStatus === 'incomplete' ? 'Incomplete data' : 'Estimated data'}*\n${escapeMrkdwn(f.dataNotes.join('; '))}`,
    );
  blocks.push(section(`*${LEVEL[sev]}* · ${f.fiscalYearLabel}`, fields.slice(0, 10)));
  if (ctx.kind !== 'recover') {
    if (ctx.decisions && ctx.audience === 'channel')
      blocks.push(decisionButtons(ctx.decisions, { budget: true }));
    blocks.push(
      section(
        '*What to do:* agree a plan with the team (pause or cap the biggest driver, move agents to cheaper models), then set spend limits at the vendor:',
      ),
      ...linkButtons(f.vendors, ctx.githubOrg),
    );
  }
  blocks.push(
    footer(
      ctx.kind,
      f.asOf,
      'budget',
      f.method === 'forecast' ? 'forecast' : 'trailing 28-day run-rate',
      ctx,
    ),
  );
  const incomplete = f.dataStatus === 'incomplete' ? ` Incomplete data: ${f.dataNotes.join('; ')}.` : '';
  const text = `${LEVEL[sev]}: ${headline}. Spent ${usd(f.spentToDateUsd)} of ${usd(f.budgetUsd)}; year-end ${compact(f.yearEndUsd.p50)}.${incomplete}`;
  return { text, blocks };
}

function spikeIdentityText(f: SpikeFacts, audience: Audience): string {
  const id = f.identity;
  if (!id) return '—';
  if (id.person && audience === 'channel')
    return `${id.kind === 'userEmail' ? 'one person' : 'one account'} (details sent to the people allowed to see them)`;
  return `${id.kind} \`${escapeMrkdwn(id.value)}\` (${usd(id.usd)})`;
}

function spikeMessage(f: SpikeFacts, ctx: MessageContext): SlackMessage {
  const headline = `Spend spike: ${f.teamName} spent ${usd(f.usd)} on ${shortDate(f.date)}, ${Number.isFinite(f.multiple) ? `${f.multiple}×` : 'far above'} its usual day`;
  const blocks: Block[] = [
    header(`${ICON.warning} ${headline}`),
    section(
      `*${escapeMrkdwn(f.teamName)}* spent *${usd(f.usd)}* on ${f.date}; a typical day over the last four weeks was ${usd(f.baselineUsd)}. Runaway agent loops look like this.`,
      [
        `*Vendor*\n${vendorName(f.vendor)} (source \`${escapeMrkdwn(f.source)}\`)`,
        `*Model*\n${f.model ? escapeMrkdwn(f.model) : '—'}`,
        `*Driven by*\n${spikeIdentityText(f, ctx.audience)}`,
        `*Usual day*\n${usd(f.baselineUsd)} (median of 28 days)`,
      ],
    ),
    ...(ctx.decisions && ctx.audience === 'channel'
      ? [decisionButtons(ctx.decisions, { budget: false })]
      : []),
    section(
      '*What to do:* check for a stuck agent or batch job on that key or project; revoke or cap it at the vendor:',
    ),
    ...linkButtons(f.vendors, ctx.githubOrg),
    footer(ctx.kind, f.date, 'spike', 'spike rule', ctx),
  ];
  return { text: `WARNING: ${headline}.`, blocks };
}

function capMessage(f: EngineerCapFacts, ctx: MessageContext): SlackMessage {
  const n = f.overCount;
  const headline = `${f.teamName}: ${n} engineer${n === 1 ? '' : 's'} over the ${usd(f.capUsd)}/month cap in ${monthName(f.month)}`;
  const blocks: Block[] = [
    header(`${ICON.warning} ${headline}`),
    section(
      `${n} ${n === 1 ? 'person' : 'people'} on *${escapeMrkdwn(f.teamName)}* spent more than ${usd(f.capUsd)} with ${f.vendors.map(vendorName).join(', ') || 'per-user vendors'} this month (to ${f.asOf}).`,
    ),
  ];
  if (ctx.audience === 'private') {
    // Alphabetical, not by amount: this is a list to follow up, not a leaderboard.
    const lines = f.people.map((p) => `• ${escapeMrkdwn(p.user)}: ${usd(p.monthUsd)}`);
    let chunk: string[] = [];
    for (const line of lines) {
      if ([...chunk, line].join('\n').length > 2900) {
        blocks.push(section(chunk.join('\n')));
        chunk = [];
      }
      chunk.push(line);
      if (blocks.length >= 44) break;
    }
    if (chunk.length) blocks.push(section(chunk.join('\n')));
  } else {
    blocks.push(
      context('Names are shared only with the people config.privacy allows to see per-person figures.'),
    );
  }
  blocks.push(
    section('*What to do:* set per-user limits at the vendor:'),
    ...linkButtons(f.vendors, ctx.githubOrg),
    footer(ctx.kind, f.asOf, 'engineer-cap', 'per-engineer cap', ctx),
  );
  return { text: `WARNING: ${headline}.`, blocks };
}

function staleMessage(f: StaleFacts, sev: Severity, ctx: MessageContext, asOf: IsoDay): SlackMessage {
  const src = `${f.source} (${vendorName(f.vendor)})`;
  const last = f.lastCompleteDay ? shortDate(f.lastCompleteDay, asOf) : null;
  const missing = `${f.missingDays} day${f.missingDays === 1 ? '' : 's'}`;
  const headline =
    ctx.kind === 'recover'
      ? `Data from ${src} is complete again`
      : last === null
        ? `No complete data from ${src} this fiscal year`
        : `Data from ${src} is complete only through ${last}`;
  const holes = f.holes
    .map((h) =>
      h.from === h.to ? shortDate(h.from, asOf) : `${shortDate(h.from, asOf)}–${shortDate(h.to, asOf)}`,
    )
    .join(', ');
  const fields = [
    `*Last complete day*\n${f.lastCompleteDay ?? 'none this fiscal year'}`,
    `*Missing*\n${f.missingDays === 0 ? 'none' : `${missing}${holes ? ` (${holes}${f.holes.length < 3 ? '' : ', …'})` : ''}`}`,
    `*Last successful fetch*\n${f.lastFetchedAt ? humanTimestamp(f.lastFetchedAt) : 'never'}`,
  ];
  if (f.lastError && ctx.kind !== 'recover')
    fields.push(
      `*Last error*\n${escapeMrkdwn(truncate(`${f.lastError.date}: ${f.lastError.message}`, 300))}`,
    );
  const blocks: Block[] = [
    header(`${ICON[ctx.kind === 'recover' ? 'ok' : sev]} ${headline}`),
    section(
      ctx.kind === 'recover'
        ? `Source \`${escapeMrkdwn(f.source)}\` has delivered every day again; forecasts use its data from today.`
        : `Teams using \`${escapeMrkdwn(f.source)}\` have ${missing} of its spend estimated, not counted as zero; they are reported as "incomplete data" and cannot be declared on track until it is in (limit: ${f.staleAfterHours} hours). Ingest retries the missing days on every run.`,
      fields,
    ),
  ];
  if (ctx.kind !== 'recover')
    blocks.push(
      section(
        "*What to do:* check the ingest function's logs and errors for this source, and that its API key in Secrets Manager is still valid.",
      ),
    );
  blocks.push(footer(ctx.kind, asOf, 'stale-data', 'data completeness', ctx));
  return { text: `${LEVEL[ctx.kind === 'recover' ? 'ok' : sev]}: ${headline}.`, blocks };
}

/** The Slack message for a notice about `cond`. */
export function alertMessage(
  cond: AlertCondition,
  facts: AlertFacts,
  ctx: MessageContext,
  asOf: IsoDay,
): SlackMessage {
  const sev: Severity = ctx.kind === 'recover' ? 'ok' : cond.severity;
  switch (facts.kind) {
    case 'budget':
      return budgetMessage(facts, sev, ctx);
    case 'spike':
      return spikeMessage(facts, ctx);
    case 'engineer-cap':
      return capMessage(facts, ctx);
    case 'stale-data':
      return staleMessage(facts, cond.severity, ctx, asOf);
    case 'cost-per-pr':
      return costPerPrMessage(facts, sev, ctx);
  }
}

/** An SNS notification: a short subject, plain text, and attributes for subscription filter policies. */
export interface SnsNotice {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Readonly<{ team: string; severity: Severity; rule: string; kind: string }>;
}

/**
 * Plain text of a Slack message for SNS (email, pager): header, sentences and fields, without
 * Block Kit markup. Channel audience only: SNS subscribers are not privacy-checked.
 */
export function snsNotice(
  cond: AlertCondition,
  message: SlackMessage,
  kind: NoticeKind | 'digest',
): SnsNotice {
  const lines: string[] = [];
  for (const b of message.blocks) {
    if (b.type === 'header') continue;
    if (b.type === 'section') {
      if (b.text) lines.push(stripMrkdwn(b.text.text));
      for (const f of b.fields ?? []) lines.push(stripMrkdwn(f.text).replace('\n', ': '));
    } else if (b.type === 'actions') {
      // Interactive buttons work only in Slack; an email lists the links.
      for (const e of b.elements) if (isLinkButton(e)) lines.push(`${e.text.text}: ${e.url}`);
    } else if (b.type === 'context') {
      for (const e of b.elements) lines.push(stripMrkdwn(e.text));
    }
  }
  const head = message.blocks.find((b) => b.type === 'header');
  const title = head?.type === 'header' ? head.text.text.replace(/^\S+\s/, '') : message.text;
  const severity: Severity = kind === 'recover' ? 'ok' : cond.severity;
  return {
    // SNS email subjects: ASCII-friendly, at most 100 characters.
    subject: truncate(`[${LEVEL[severity]}] ${title}`.replace(/[^\x20-\x7E]/g, '-'), 100),
    message: truncate(`${title}\n\n${lines.join('\n')}`, 250_000),
    attributes: { team: cond.team, severity, rule: cond.rule, kind },
  };
}

/** Slack mrkdwn → plain text (for SNS and logs). */
export function stripMrkdwn(text: string): string {
  // Only markers around words are formatting; underscores inside identifiers (api_key_ci) are kept.
  return text
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/`([^`\n]*)`/g, '$1')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1$2')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,;:])/g, '$1$2')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
