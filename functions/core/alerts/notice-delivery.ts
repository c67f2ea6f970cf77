import { burnupChartInput } from '../chart/burnup-data.js';
import { renderBurnupSvg } from '../chart/burnup-svg.js';
import { alertSettingsFor } from '../config/schema.js';
import { addDays, diffDays, type IsoDay } from '../dates.js';
import { ConditionalWriteConflictError } from '../ports.js';
import type { TeamBurn } from '../team-reports.js';
import type { SlackMessage } from './block-kit.js';
import { DeliveryError, FATAL_FOR_RUN } from './delivery.js';
import { type DigestRow, digestMessage, snapshotSchema } from './digest.js';
import {
  type AlertState,
  alertStateSchema,
  DEFAULT_RECOVERY_DAYS,
  type Delivery,
  decideTransition,
  type Intent,
} from './lifecycle.js';
import { alertMessage, type MessageContext, snsNotice } from './messages.js';
import type { AlertRunDeps, NoticeOutcome } from './run-alerts.js';
import type { AlertCondition } from './types.js';
import { ORG_SCOPE } from './types.js';

/** State key of the weekly finance digest (scope `_org`). */
export const DIGEST_KEY = 'DIGEST';

/** How long a claimed delivery is left to the run that claimed it (a Lambda runs at most 15 minutes). */
const DEFAULT_LEASE_MS = 15 * 60_000;

/**
 * One run's notices: turns lifecycle decisions into recorded intents and delivers them, target by
 * target, recording each outcome (see `runAlerts`).
 */
export class DeliveryRun {
  readonly notices: NoticeOutcome[] = [];
  private readonly charts = new Map<string, Promise<Uint8Array | undefined>>();
  /** Set when Slack said the token is bad: later Slack sends in this run fail fast with the same error. */
  private slackBroken: DeliveryError | undefined;

  constructor(
    private readonly deps: AlertRunDeps,
    private readonly asOf: IsoDay,
    private readonly now: Date,
    private readonly burns: readonly TeamBurn[],
    private readonly problems: string[],
  ) {}

  /** Team alerts go to the team's channel and finance; org-level ones (stale data, digest) to finance. */
  private channelTargets(team: string): string[] {
    if (!this.deps.slack) return [];
    const channels: string[] = [];
    const teamChannel = this.deps.config.teams.find((t) => t.id === team)?.slackChannel;
    if (teamChannel) channels.push(teamChannel);
    channels.push(this.deps.config.finance.slackChannel);
    return [...new Set(channels)].map((c) => `slack:${c}`);
  }

  private allowedViewers: Promise<string[]> | undefined;

  /**
   * Direct-message targets for per-person detail: the users config.privacy allows, plus the members of
   * its allowed user groups (resolved once per run; a group that cannot be read is reported, not fatal).
   */
  private privateTargets(): Promise<string[]> {
    const slack = this.deps.slack;
    if (!slack) return Promise.resolve([]);
    this.allowedViewers ??= (async () => {
      const allowed = this.deps.config.privacy.perPersonVisibleTo;
      const users = [...allowed.slackUserIds];
      for (const group of allowed.slackUserGroupIds) {
        try {
          users.push(...(await slack.groupMembers(group)));
        } catch (err) {
          this.problems.push(
            `privacy group ${group}: members not readable (${err instanceof Error ? err.message : String(err)})`,
          );
        }
      }
      return [...new Set(users)].map((u) => `slack-dm:${u}`);
    })();
    return this.allowedViewers;
  }

  private async newIntent(opts: {
    id: string;
    team: string;
    kind: Intent['kind'];
    severity: Intent['severity'];
    messages: Intent['messages'];
    sns?: Intent['sns'];
    chart: boolean;
  }): Promise<Intent> {
    const { id, kind, severity, messages, sns, chart } = opts;
    const targets = [
      ...this.channelTargets(opts.team),
      ...(messages.private ? await this.privateTargets() : []),
      ...(this.deps.sns && sns ? ['sns'] : []),
    ];
    const attemptedAt = this.now.toISOString();
    return {
      id,
      kind,
      severity,
      asOf: this.asOf,
      createdAt: attemptedAt,
      messages,
      ...(sns ? { sns } : {}),
      chart,
      // Claimed in the same write that records the intent: a crash after this write leaves
      // `sending`, which a later run verifies before resending.
      deliveries: targets.map((target) => ({ target, status: 'sending' as const, attemptedAt, attempts: 1 })),
    };
  }

  async process(cond: AlertCondition): Promise<void> {
    const { store } = this.deps;
    const stored = await store.getState(cond.team, cond.key);
    const parsed = stored ? alertStateSchema.safeParse(stored.value) : undefined;
    if (parsed && !parsed.success)
      this.problems.push(
        `${cond.team}/${cond.key}: stored state unreadable, starting afresh (${parsed.error.message})`,
      );
    const prev = parsed?.success ? parsed.data : undefined;
    const settings =
      cond.team === ORG_SCOPE ? this.deps.config.alerts : alertSettingsFor(this.deps.config, cond.team);
    const t = decideTransition(prev, cond, this.asOf, {
      worseningDays: settings.worseningDays,
      recoveryDays: this.deps.recoveryDays ?? DEFAULT_RECOVERY_DAYS,
    });
    let state: AlertState = t.next;
    let fresh = false;
    if (t.notice) {
      const facts = cond.facts;
      if (!facts) throw new Error(`rule ${cond.rule} decided to notify without facts`);
      const ctx: Omit<MessageContext, 'audience'> = {
        kind: t.notice,
        previousExhaustionP50: prev?.notifiedExhaustionP50 ?? null,
        worseningDays: settings.worseningDays,
        githubOrg: this.githubOrg(),
      };
      const channel = alertMessage(cond, facts, { ...ctx, audience: 'channel' }, this.asOf);
      const hasPersonDetail =
        t.notice !== 'recover' &&
        ((facts.kind === 'engineer-cap' && facts.people.length > 0) ||
          (facts.kind === 'spike' && facts.identity?.person === true));
      const messages = {
        channel,
        ...(hasPersonDetail
          ? { private: alertMessage(cond, facts, { ...ctx, audience: 'private' }, this.asOf) }
          : {}),
      };
      const id = `${cond.team}:${cond.key}:${this.asOf}:${t.notice}`;
      const severity = t.notice === 'recover' ? 'ok' : cond.severity;
      // A new notice supersedes an undelivered older one: it carries the current numbers.
      state = {
        ...state,
        pending: await this.newIntent({
          id,
          team: cond.team,
          kind: t.notice,
          severity,
          messages,
          sns: snsNotice(cond, channel, t.notice),
          chart: cond.rule === 'budget' && t.notice !== 'recover',
        }),
      };
      fresh = true;
    }
    if (this.deps.dryRun) {
      if (fresh && state.pending) await this.report(state.pending, cond.team, cond.rule, true);
      return;
    }
    let version = stored?.version ?? 0;
    if (t.changed || fresh) {
      try {
        version = await store.putState(cond.team, cond.key, state, version);
      } catch (err) {
        if (err instanceof ConditionalWriteConflictError) {
          this.problems.push(`${cond.team}/${cond.key}: another run is handling this alert; skipped`);
          return;
        }
        throw err;
      }
    }
    if (state.pending) await this.deliver(cond.team, cond.key, cond.rule, state, version, fresh);
  }

  async digest(conditions: readonly AlertCondition[], due: boolean): Promise<void> {
    const { store, config } = this.deps;
    const stored = await store.getState(ORG_SCOPE, DIGEST_KEY);
    const parsed = stored ? alertStateSchema.safeParse(stored.value) : undefined;
    const prev = parsed?.success ? parsed.data : undefined;
    let version = stored?.version ?? 0;
    // A digest still undelivered is finished within its week; a newer one replaces it after that.
    const undelivered = prev?.pending;
    if (
      undelivered &&
      diffDays(undelivered.asOf, this.asOf) < 7 &&
      (!due || undelivered.asOf === this.asOf)
    ) {
      if (!this.deps.dryRun) await this.deliver(ORG_SCOPE, DIGEST_KEY, 'digest', prev, version, false);
      return;
    }
    if (!due || prev?.lastNotice?.asOf === this.asOf) return;
    const rows: DigestRow[] = [];
    let unallocatedUsd = 0;
    for (const b of this.burns) {
      if (b.report.budgetUsd === null) {
        unallocatedUsd += b.report.spentToDateUsd;
        continue;
      }
      const cond = conditions.find((c) => c.team === b.report.team && c.rule === 'budget');
      const weekAgo = addDays(this.asOf, -7);
      const snap =
        (await store.getForecastSnapshot(b.report.team, weekAgo)) ??
        (await store.latestForecastSnapshot(b.report.team, weekAgo))?.snapshot;
      const last = snap === undefined ? undefined : snapshotSchema.safeParse(snap);
      rows.push({
        report: b.report,
        severity: cond?.severity ?? b.report.outlook.status,
        ...(last?.success ? { lastWeek: last.data } : {}),
      });
    }
    const message = digestMessage({
      organization: config.organization.name,
      asOf: this.asOf,
      rows,
      unallocatedUsd,
    });
    const id = `${ORG_SCOPE}:${DIGEST_KEY}:${this.asOf}`;
    // The digest goes to finance only (the org scope has no team channel), never to SNS.
    const pending = await this.newIntent({
      id,
      team: ORG_SCOPE,
      kind: 'digest',
      severity: 'ok',
      messages: { channel: message },
      chart: false,
    });
    const state: AlertState = {
      rule: 'digest',
      notified: 'ok',
      current: 'ok',
      calmDays: 0,
      lastEvaluated: this.asOf,
      ...(prev?.lastNotice ? { lastNotice: prev.lastNotice } : {}),
      pending,
    };
    if (this.deps.dryRun) {
      await this.report(pending, ORG_SCOPE, 'digest', true);
      return;
    }
    try {
      version = await store.putState(ORG_SCOPE, DIGEST_KEY, state, version);
    } catch (err) {
      if (err instanceof ConditionalWriteConflictError) {
        this.problems.push('digest: another run is posting it; skipped');
        return;
      }
      throw err;
    }
    await this.deliver(ORG_SCOPE, DIGEST_KEY, 'digest', state, version, true);
  }

  private githubOrg(): string | undefined {
    const s = this.deps.config.sources.find((x) => x.type === 'copilot');
    return s?.type === 'copilot' ? s.organization : undefined;
  }

  private chartFor(team: string): Promise<Uint8Array | undefined> {
    let png = this.charts.get(team);
    if (!png) {
      const burn = this.burns.find((b) => b.report.team === team);
      const render = this.deps.renderPng;
      png =
        burn && render
          ? render(renderBurnupSvg(burnupChartInput(burn.report, burn.daily, burn.forecast))).catch((err) => {
              this.problems.push(
                `${team}: chart not rendered (${err instanceof Error ? err.message : String(err)})`,
              );
              return undefined;
            })
          : Promise.resolve(undefined);
      this.charts.set(team, png);
    }
    return png;
  }

  private async report(intent: Intent, team: string, rule: string, fresh: boolean): Promise<void> {
    const chartPng = intent.chart ? await this.chartFor(team) : undefined;
    this.notices.push({
      id: intent.id,
      team,
      rule,
      kind: intent.kind,
      severity: intent.severity,
      messages: intent.messages,
      ...(intent.sns ? { sns: intent.sns } : {}),
      ...(chartPng ? { chartPng } : {}),
      deliveries: intent.deliveries,
      fresh,
    });
  }

  /**
   * Delivers every target of the pending intent that is not confirmed, writing the state after each
   * so progress survives a crash. `sending` left by another run is theirs while its lease runs;
   * after that it is checked with Slack (found → marked sent, not reposted).
   */
  private async deliver(
    team: string,
    key: string,
    rule: string,
    initial: AlertState,
    initialVersion: number,
    fresh: boolean,
  ): Promise<void> {
    let state = initial;
    let version = initialVersion;
    const intent = state.pending;
    if (!intent) return;
    const lease = this.deps.leaseMs ?? DEFAULT_LEASE_MS;
    const deliveries = [...intent.deliveries];
    const save = async () => {
      const done = deliveries.every((d) => d.status === 'sent');
      const pending: Intent = { ...intent, deliveries: [...deliveries] };
      const { pending: _drop, ...rest } = state;
      state = done
        ? { ...rest, lastNotice: { id: intent.id, kind: intent.kind, asOf: intent.asOf } }
        : { ...rest, pending };
      version = await this.deps.store.putState(team, key, state, version);
    };
    try {
      for (let i = 0; i < deliveries.length; i++) {
        const d = deliveries[i];
        if (!d || d.status === 'sent') continue;
        if (d.status === 'sending' && !fresh) {
          const age = this.now.getTime() - new Date(d.attemptedAt).getTime();
          if (age < lease) {
            this.problems.push(`${intent.id} → ${d.target}: being sent by another run; left to it`);
            continue;
          }
          const found = await this.findPosted(d, intent.id);
          if (found) {
            deliveries[i] = { ...d, status: 'sent', channelId: found.channelId, ts: found.ts };
            await save();
            continue;
          }
        }
        if (!fresh || d.status !== 'sending') {
          // Claim before sending so a concurrent run leaves it alone.
          deliveries[i] = {
            ...d,
            status: 'sending',
            attemptedAt: this.now.toISOString(),
            attempts: d.attempts + 1,
          };
          await save();
        }
        const claimed = deliveries[i] ?? d;
        try {
          const posted = await this.send(claimed, intent, team);
          deliveries[i] = {
            target: claimed.target,
            status: 'sent',
            attemptedAt: claimed.attemptedAt,
            attempts: claimed.attempts,
            ...(posted ?? {}),
          };
        } catch (err) {
          const code = err instanceof DeliveryError ? err.code : 'unknown';
          const message = err instanceof Error ? err.message : String(err);
          this.problems.push(`${intent.id} → ${claimed.target}: ${message}`);
          deliveries[i] = { ...claimed, status: 'failed', error: { code, message } };
        }
        await save();
      }
    } catch (err) {
      if (err instanceof ConditionalWriteConflictError) {
        this.problems.push(`${intent.id}: another run changed this alert while delivering; stopped`);
        return;
      } else throw err;
    } finally {
      await this.report({ ...intent, deliveries }, team, rule, fresh);
    }
  }

  private async findPosted(d: Delivery, noticeId: string) {
    const slack = this.deps.slack;
    if (!slack || !d.target.startsWith('slack') || this.slackBroken) return undefined;
    const channel = d.channelId ?? d.target.replace(/^slack(-dm)?:/, '');
    try {
      return await slack.findPosted(channel, noticeId, new Date(new Date(d.attemptedAt).getTime() - 60_000));
    } catch (err) {
      // Cannot tell (no history scope, Slack down): resending risks a duplicate, skipping risks a
      // lost alert; an alert matters more.
      this.problems.push(
        `${noticeId} → ${d.target}: could not check for an earlier post (${err instanceof Error ? err.message : String(err)}); resending`,
      );
      return undefined;
    }
  }

  private async send(
    d: Delivery,
    intent: Intent,
    team: string,
  ): Promise<{ channelId: string; ts: string } | undefined> {
    if (d.target === 'sns') {
      if (!this.deps.sns || !intent.sns)
        throw new DeliveryError('sns_failed', 'sns', 'SNS is not configured');
      await this.deps.sns.publish({ ...intent.sns, id: intent.id });
      return undefined;
    }
    const slack = this.deps.slack;
    if (!slack) throw new DeliveryError('request_failed', d.target, 'Slack is not configured');
    if (this.slackBroken)
      throw new DeliveryError(this.slackBroken.code, d.target, 'not attempted after an earlier auth failure');
    const isDm = d.target.startsWith('slack-dm:');
    const channel = d.target.replace(/^slack(-dm)?:/, '');
    const message: SlackMessage | undefined = isDm ? intent.messages.private : intent.messages.channel;
    if (!message) throw new DeliveryError('unknown', d.target, 'no message for this audience');
    let posted: { channelId: string; ts: string };
    try {
      posted = await slack.postMessage(channel, message, { noticeId: intent.id });
    } catch (err) {
      if (err instanceof DeliveryError && FATAL_FOR_RUN.has(err.code)) this.slackBroken = err;
      throw err;
    }
    if (intent.chart && !isDm) {
      const png = await this.chartFor(team);
      if (png) {
        try {
          await slack.uploadImage({
            channelId: posted.channelId,
            threadTs: posted.ts,
            png,
            filename: `burnwatch-${team}-${intent.asOf}.png`,
            title: `${team} burn-up, as of ${intent.asOf}`,
          });
        } catch (err) {
          // The message itself went out; a missing chart is reported, not a reason to resend.
          this.problems.push(
            `${intent.id} → ${d.target}: chart upload failed (${err instanceof Error ? err.message : String(err)})`,
          );
        }
      }
    }
    return posted;
  }
}
