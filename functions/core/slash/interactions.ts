import * as z from 'zod';
import { ACTIONS, buttonValueSchema, DECISIONS_BLOCK_ID } from '../alerts/decision-buttons.js';
import { alertStateSchema } from '../alerts/lifecycle.js';
import { burnReportSchema } from '../burn-report.js';
import { shortDate } from '../burn-text.js';
import type { BurnwatchConfig } from '../config/schema.js';
import { addDays, utcDayOf } from '../dates.js';
import type { LimitRequest } from '../limits/limit-requests.js';
import { mayApproveLimits } from '../limits/limit-requests.js';
import { LIMIT_ACTIONS, limitButtonValueSchema } from '../limits/message.js';
import { newPlan, parsePlanText, planLabel } from '../plans.js';
import {
  type Clock,
  ConditionalWriteConflictError,
  type SnapshotStore,
  type StateStore,
  type TeamRecordStore,
  type UsageStore,
} from '../ports.js';
import type { TeamForecaster } from '../team-reports.js';
import { outlookLine, parseScenario, runWhatIf } from '../what-if.js';
import { type AccessVerdict, accessOf, teamName, Viewer } from './burn-command.js';
import { isSlackResponseUrl } from './response-urls.js';

/**
 * Slack interactivity (issue 18): the buttons on alerts (`block_actions`) and the modals they open
 * (`view_submission`), on the same signed endpoint as `/burn`. Only the team's managers and finance
 * may act; anyone else gets an ephemeral refusal and nothing changes.
 */

/** The Slack Web API calls the buttons and decisions make (adapter: adapters/slack-api/interaction-api.ts). */
export interface SlackInteractionApi {
  updateMessage(
    channelId: string,
    ts: string,
    message: { text: string; blocks: readonly unknown[] },
  ): Promise<void>;
  openView(triggerId: string, view: unknown): Promise<void>;
  /** A plain message in a channel (budget changes announced to the teams they touch). */
  postMessage(channel: string, text: string): Promise<void>;
}

export interface InteractionDeps {
  readonly config: BurnwatchConfig;
  readonly groupMembers: (groupId: string) => Promise<readonly string[]>;
  readonly store: UsageStore & StateStore & TeamRecordStore & Pick<SnapshotStore, 'getTeamSummaries'>;
  readonly clock: Clock;
  readonly forecaster: TeamForecaster;
  readonly slack: SlackInteractionApi;
  /** Ephemeral replies to the presser (Slack's `response_url`). */
  readonly postResponse: (url: string, message: unknown) => Promise<void>;
  /** Whether a `response_url` may be posted to. @default {@link isSlackResponseUrl} */
  readonly responseUrlAllowed?: (url: string) => boolean;
  /**
   * Hands an approved Approve or Undo on a limit proposal to the code that holds the admin keys
   * (the limits function in the stack; in process locally). Absent: limits cannot be acted on here.
   */
  readonly limits?: (request: LimitRequest) => Promise<void>;
}

const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]+$/) }),
  trigger_id: z.string().max(200).optional(),
  response_url: z.string().max(500).optional(),
  channel: z.object({ id: z.string() }).optional(),
  message: z
    .object({
      ts: z.string(),
      text: z.string().default(''),
      blocks: z.array(z.record(z.string(), z.unknown())).default([]),
    })
    .optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000).optional() })).min(1),
});

const viewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]+$/) }),
  view: z.object({
    callback_id: z.string(),
    private_metadata: z.string().max(3000).default(''),
    state: z.object({
      values: z.record(
        z.string(),
        z.record(z.string(), z.object({ value: z.string().nullable().optional() })),
      ),
    }),
  }),
});

export const interactionPayloadSchema = z.discriminatedUnion('type', [
  blockActionsSchema,
  viewSubmissionSchema,
]);
export type InteractionPayload = z.infer<typeof interactionPayloadSchema>;

/** What the endpoint answers Slack with: nothing (200), or a modal instruction for a submission. */
export type InteractionResponse =
  | { readonly kind: 'ack' }
  | { readonly kind: 'view'; readonly body: Record<string, unknown> };

const CALLBACKS = { plan: 'burnwatch.plan-modal', whatIf: 'burnwatch.whatif-modal' } as const;
const INPUT = { block: 'input', action: 'text' } as const;
const metadataSchema = z.object({ t: z.string() });

const plainText = (text: string) => ({ type: 'plain_text' as const, text: text.slice(0, 150) });
const mrkdwn = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } });

function modal(callbackId: string, title: string, team: string, label: string, placeholder: string) {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify({ t: team }),
    title: plainText(title.slice(0, 24)),
    submit: plainText(callbackId === CALLBACKS.plan ? 'Save' : 'Ask'),
    close: plainText('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: INPUT.block,
        label: plainText(label),
        element: { type: 'plain_text_input', action_id: INPUT.action, placeholder: plainText(placeholder) },
      },
    ],
  };
}

const resultView = (title: string, text: string) => ({
  response_action: 'update',
  view: {
    type: 'modal',
    title: plainText(title.slice(0, 24)),
    close: plainText('Done'),
    blocks: [mrkdwn(text)],
  },
});

/**
 * Whether `user` may act for `team` (its managers and finance): 'unknown' when a user-group lookup
 * failed and the answer would have been no, so the presser is told to try again, not turned away.
 */
async function mayAct(deps: InteractionDeps, user: string, team: string): Promise<AccessVerdict> {
  const viewer = new Viewer(user, deps.groupMembers);
  const access = await accessOf(viewer, deps.config);
  return viewer.verdict(access.teams.includes(team));
}

/** What the presser reads when burnwatch could not tell whether they may act. */
const ACCESS_UNKNOWN =
  'burnwatch could not check who may act on this just now (a Slack user-group lookup failed). Try again in a minute.';

/**
 * One interaction. Buttons: Acknowledge and Snooze record it on the alert's state and edit the
 * message in place (`chat.update`); Planned change… and What if… open a modal (`views.open`).
 * Submissions: a planned change is stored (or the field says what is wrong), a what-if answered.
 */
export async function handleInteraction(
  payload: InteractionPayload,
  deps: InteractionDeps,
): Promise<InteractionResponse> {
  return payload.type === 'block_actions' ? blockAction(payload, deps) : viewSubmission(payload, deps);
}

async function blockAction(
  payload: z.infer<typeof blockActionsSchema>,
  deps: InteractionDeps,
): Promise<InteractionResponse> {
  const action = payload.actions[0];
  if (action?.action_id === LIMIT_ACTIONS.approve || action?.action_id === LIMIT_ACTIONS.undo)
    return limitAction(payload, action.action_id, action.value ?? '', deps);
  const value = buttonValueSchema.safeParse(safeJson(action?.value ?? ''));
  if (!action || !value.success) return { kind: 'ack' };
  const { t: team, k: key, n: notice } = value.data;
  const user = payload.user.id;
  const refuse = async (text: string) => {
    if (payload.response_url && (deps.responseUrlAllowed ?? isSlackResponseUrl)(payload.response_url))
      await deps.postResponse(payload.response_url, {
        response_type: 'ephemeral',
        replace_original: false,
        text,
      });
    return { kind: 'ack' } as const;
  };
  const allowed = await mayAct(deps, user, team);
  if (allowed !== 'yes')
    return refuse(
      allowed === 'unknown'
        ? ACCESS_UNKNOWN
        : `Only ${teamName(deps.config, team)}'s managers and finance can act on this alert.`,
    );
  const now = deps.clock.now();
  switch (action.action_id) {
    case ACTIONS.ack:
    case ACTIONS.snooze: {
      const snoozeUntil = addDays(utcDayOf(now), 7);
      const recorded = await recordDecision(deps, team, key, (state) => {
        // A button on an older message (a warning since escalated) must not silence the newer notice:
        // Snooze quiets follow-ups just as Acknowledge does.
        const current = state.pending?.id ?? state.lastNotice?.id;
        if (notice && current && notice !== current) return 'superseded';
        if (action.action_id !== ACTIONS.ack) return { ...state, snoozedUntil: snoozeUntil };
        return { ...state, acknowledged: { by: user, at: now.toISOString(), notice } };
      });
      if (recorded === 'superseded')
        return refuse(
          `This message is about an earlier notice of this alert, which has changed since; ${action.action_id === ACTIONS.ack ? 'acknowledge' : 'snooze'} the latest message about it.`,
        );
      if (recorded !== 'recorded') return refuse('This alert is no longer open; nothing to acknowledge.');
      if (payload.channel && payload.message) {
        const line =
          action.action_id === ACTIONS.ack
            ? `:white_check_mark: Acknowledged by <@${user}> on ${shortDate(utcDayOf(now))} at ${now.toISOString().slice(11, 16)} UTC: follow-ups stop until it escalates or recovers.`
            : `:zzz: Snoozed by <@${user}> until ${shortDate(snoozeUntil)}: no follow-ups before then unless it escalates.`;
        // The buttons give way to who did what; the rest of the message stays as it was.
        const blocks = payload.message.blocks.filter((b) => b.block_id !== DECISIONS_BLOCK_ID);
        blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: line }] });
        await deps.slack.updateMessage(payload.channel.id, payload.message.ts, {
          text: payload.message.text,
          blocks,
        });
      }
      return { kind: 'ack' };
    }
    case ACTIONS.plan:
    case ACTIONS.whatIf: {
      if (!payload.trigger_id) return { kind: 'ack' };
      const name = teamName(deps.config, team);
      await deps.slack.openView(
        payload.trigger_id,
        action.action_id === ACTIONS.plan
          ? modal(
              CALLBACKS.plan,
              'Planned change',
              team,
              `A change ${name} knows is coming`,
              '+20 engineers from 2027-03-01',
            )
          : modal(
              CALLBACKS.whatIf,
              'What if…',
              team,
              `What if ${name}…`,
              'sonnet · +5 hires · cap 1500 · without cursor',
            ),
      );
      return { kind: 'ack' };
    }
    default:
      return { kind: 'ack' };
  }
}

/**
 * Approve or Undo on a limit proposal: only `limits.approvers` (else finance) may; anyone else gets
 * an ephemeral refusal and nothing reaches a vendor. An allowed press is handed on with the message
 * to edit, so the result replaces the buttons.
 */
async function limitAction(
  payload: z.infer<typeof blockActionsSchema>,
  actionId: string,
  rawValue: string,
  deps: InteractionDeps,
): Promise<InteractionResponse> {
  const value = limitButtonValueSchema.safeParse(safeJson(rawValue));
  if (!value.success) return { kind: 'ack' };
  const user = payload.user.id;
  const responseUrl =
    payload.response_url && (deps.responseUrlAllowed ?? isSlackResponseUrl)(payload.response_url)
      ? payload.response_url
      : undefined;
  const tell = async (text: string) => {
    if (responseUrl)
      await deps.postResponse(responseUrl, { response_type: 'ephemeral', replace_original: false, text });
    return { kind: 'ack' } as const;
  };
  const approver = await mayApproveLimits(deps.config, user, deps.groupMembers);
  if (approver !== 'yes')
    return tell(
      approver === 'unknown'
        ? `${ACCESS_UNKNOWN} Nothing was sent to any vendor.`
        : 'Only finance (or the people `limits.approvers` names) can approve or undo limits; nothing was sent to any vendor.',
    );
  if (!deps.limits) return tell('Limits cannot be applied from this deployment (no limits function).');
  await deps.limits({
    action: actionId === LIMIT_ACTIONS.approve ? 'apply' : 'undo',
    team: value.data.t,
    proposalId: value.data.p,
    by: user,
    ...(payload.channel && payload.message
      ? {
          message: {
            channel: payload.channel.id,
            ts: payload.message.ts,
            text: payload.message.text,
            blocks: payload.message.blocks,
          },
        }
      : {}),
    ...(responseUrl ? { responseUrl } : {}),
  });
  return { kind: 'ack' };
}

async function viewSubmission(
  payload: z.infer<typeof viewSubmissionSchema>,
  deps: InteractionDeps,
): Promise<InteractionResponse> {
  const meta = metadataSchema.safeParse(safeJson(payload.view.private_metadata));
  const text = payload.view.state.values[INPUT.block]?.[INPUT.action]?.value?.trim() ?? '';
  const errors = (message: string) =>
    ({
      kind: 'view',
      body: { response_action: 'errors', errors: { [INPUT.block]: message.slice(0, 300) } },
    }) as const;
  if (!meta.success) return errors('This form is not from burnwatch; open it from an alert.');
  const team = meta.data.t;
  const allowed = await mayAct(deps, payload.user.id, team);
  if (allowed !== 'yes')
    return errors(
      allowed === 'unknown'
        ? ACCESS_UNKNOWN
        : `Only ${teamName(deps.config, team)}'s managers and finance can do this.`,
    );
  const name = teamName(deps.config, team);
  if (payload.view.callback_id === CALLBACKS.plan) {
    const vendors = deps.config.sources.flatMap((s) => (s.type === 'import' ? [s.vendor] : []));
    const parsed = parsePlanText(text, vendors);
    if (!parsed.ok) return errors(parsed.error);
    const plan = newPlan({
      team,
      ...parsed.plan,
      text,
      by: payload.user.id,
      at: deps.clock.now().toISOString(),
    });
    await deps.store.putTeamRecord(team, 'plan', plan.id, plan);
    return {
      kind: 'view',
      body: resultView(
        'Planned',
        `Planned for *${name}*: ${planLabel(plan)}. The next forecast applies it at its date; \`/burn ${team} plans\` lists the plans.`,
      ),
    };
  }
  if (payload.view.callback_id === CALLBACKS.whatIf) {
    const raw = (await deps.store.getTeamSummaries([team])).get(team);
    const report = burnReportSchema.safeParse(raw);
    if (!report.success) return errors(`No forecast for ${name} yet: the daily job has not run for it.`);
    const parsed = parseScenario(
      text,
      report.data.byVendor.map((v) => v.vendor),
    );
    if (!parsed.ok) return errors(parsed.error);
    const r = await runWhatIf({
      config: deps.config,
      store: deps.store,
      asOf: report.data.asOf,
      team,
      scenario: parsed.scenario,
      forecaster: deps.forecaster,
      now: deps.clock.now(),
    });
    return {
      kind: 'view',
      body: resultView(
        'What if',
        `*${name}*, ${r.assumption}.\n*Now:* ${outlookLine(r.before, r.asOf)}\n*With it:* ${outlookLine(r.after, r.asOf)}\n_Not stored; it changes no forecast._`,
      ),
    };
  }
  return errors('Unknown form.');
}

/**
 * Whether an interaction changes state in a way a second delivery would repeat: a planned-change
 * submission stores a new plan each time (its id is the time it was stored). Button presses read
 * the state they change (an acknowledgement, an approval) and are not repeated by a second delivery.
 */
export function interactionChangesState(payload: InteractionPayload): boolean {
  return payload.type === 'view_submission' && payload.view.callback_id === CALLBACKS.plan;
}

/** What the presser reads when their press or submission failed inside burnwatch (the cause is logged). */
const COULD_NOT_ACT =
  'burnwatch could not finish that just now (the cause is in its logs). Try again in a minute.';

/**
 * Tells the presser that an interaction failed inside burnwatch: an ephemeral reply for a button
 * (Slack shows nothing for an acknowledged press, so it would look done or ignored), the form's
 * error for a modal submission.
 */
export async function interactionFailed(
  payload: InteractionPayload,
  deps: InteractionDeps,
): Promise<InteractionResponse> {
  if (payload.type === 'view_submission')
    return { kind: 'view', body: { response_action: 'errors', errors: { [INPUT.block]: COULD_NOT_ACT } } };
  const url = payload.response_url;
  if (url && (deps.responseUrlAllowed ?? isSlackResponseUrl)(url))
    await deps.postResponse(url, {
      response_type: 'ephemeral',
      replace_original: false,
      text: COULD_NOT_ACT,
    });
  return { kind: 'ack' };
}

/** Applies `change` to the alert's stored state (compare-and-set, one retry on a conflict). */
async function recordDecision(
  deps: InteractionDeps,
  team: string,
  key: string,
  change: (state: z.infer<typeof alertStateSchema>) => z.infer<typeof alertStateSchema> | 'superseded',
): Promise<'recorded' | 'closed' | 'superseded'> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const stored = await deps.store.getState(team, key);
    const parsed = stored ? alertStateSchema.safeParse(stored.value) : undefined;
    if (!stored || !parsed?.success || parsed.data.notified === 'ok') return 'closed';
    const next = change(parsed.data);
    if (next === 'superseded') return next;
    try {
      await deps.store.putState(team, key, next, stored.version);
      return 'recorded';
    } catch (err) {
      if (!(err instanceof ConditionalWriteConflictError) || attempt === 2) throw err;
    }
  }
  return 'closed';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
