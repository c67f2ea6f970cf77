import { shortDate } from '../burn-text.js';
import type { IsoDay } from '../dates.js';
import { BLOCK_KIT_LIMITS, context, type SlackMessage } from './block-kit.js';
import {
  type AlertPublisher,
  DeliveryError,
  FATAL_FOR_RUN,
  type SlackPosted,
  type SlackSender,
} from './delivery.js';
import type { Delivery, Intent, LedgerTransport, Receipt } from './delivery-ledger.js';
import type { NoticeThreads } from './notice-threads.js';

/** Whether a team's notices go in its thread, and which fiscal period's. */
export interface ThreadPolicy {
  readonly threads: NoticeThreads;
  /** The fiscal period a notice belongs to (its thread key), from the notice's as-of day. */
  readonly periodOf: (asOf: string) => string;
}

/**
 * How a notice reaches its targets: Slack channels and direct messages (with the burn-up chart in
 * the message's thread) and SNS. After an auth failure every later Slack send in the run fails fast
 * with the same code instead of calling Slack again.
 */
export class NoticeTransport {
  private slackBroken: DeliveryError | undefined;

  constructor(
    private readonly deps: {
      readonly slack?: SlackSender;
      readonly sns?: AlertPublisher;
      /** The team's burn-up chart PNG (rendered once per run), if any. */
      readonly chart: (team: string) => Promise<Uint8Array | undefined>;
      /** Threads for team notices in channels; without it every notice is a message of its own. */
      readonly threading?: ThreadPolicy;
    },
  ) {}

  /**
   * The transport for one team's notices (the chart is the team's). `threaded`: its channel
   * notices go in the team's thread for the period (team alerts do; org-wide ones and the digest
   * do not).
   */
  forTeam(team: string, opts: { threaded: boolean } = { threaded: false }): LedgerTransport {
    const threading = opts.threaded ? this.deps.threading : undefined;
    return {
      send: (d, intent) => this.send(d, intent, team, threading),
      readBack: (d, intent) => this.readBack(d, intent, team, threading),
    };
  }

  private async readBack(
    d: Delivery,
    intent: Intent,
    team: string,
    threading: ThreadPolicy | undefined,
  ): Promise<Receipt | 'absent' | 'unknown'> {
    const slack = this.deps.slack;
    // SNS keeps no record to ask; a broken Slack token cannot read history either.
    if (!slack || !d.target.startsWith('slack') || this.slackBroken) return 'unknown';
    const channel = d.channelId ?? d.target.replace(/^slack(-dm)?:/, '');
    const since = new Date(new Date(d.attemptedAt).getTime() - 60_000);
    try {
      let found = await slack.findPosted(channel, intent.id, since);
      // A reply (not broadcast) is only in its thread.
      const parent =
        !found && threading && !d.target.startsWith('slack-dm:')
          ? await threading.threads.find(team, threading.periodOf(intent.asOf), d.target)
          : undefined;
      if (parent) found = await slack.findPosted(parent.channelId, intent.id, since, parent.ts);
      return found ? { channelId: found.channelId, ts: found.ts } : 'absent';
    } catch {
      // No history scope, Slack down: resending risks a duplicate, skipping risks a lost alert; an
      // alert matters more (the ledger says so in the run's problems).
      return 'unknown';
    }
  }

  private async send(
    d: Delivery,
    intent: Intent,
    team: string,
    threading: ThreadPolicy | undefined,
  ): Promise<{ receipt: Receipt; warnings: string[] }> {
    if (d.target === 'sns') {
      if (!this.deps.sns || !intent.sns)
        throw new DeliveryError('sns_failed', 'sns', 'SNS is not configured');
      const { messageId } = await this.deps.sns.publish({ ...intent.sns, id: intent.id });
      return { receipt: { messageId }, warnings: [] };
    }
    const slack = this.deps.slack;
    if (!slack) throw new DeliveryError('request_failed', d.target, 'Slack is not configured');
    if (this.slackBroken)
      throw new DeliveryError(this.slackBroken.code, d.target, 'not attempted after an earlier auth failure');
    const isDm = d.target.startsWith('slack-dm:');
    const channel = d.target.replace(/^slack(-dm)?:/, '');
    const message: SlackMessage | undefined = isDm ? intent.messages.private : intent.messages.channel;
    if (!message) throw new DeliveryError('unknown', d.target, 'no message for this audience');
    const warnings: string[] = [];
    let posted: SlackPosted;
    let thread: SlackPosted | undefined;
    try {
      if (threading && !isDm) {
        const sent = await this.postInThread(
          slack,
          channel,
          message,
          intent,
          team,
          d.target,
          threading,
          warnings,
        );
        posted = sent.posted;
        thread = sent.thread;
      } else {
        posted = await slack.postMessage(channel, message, { noticeId: intent.id });
      }
    } catch (err) {
      if (err instanceof DeliveryError && FATAL_FOR_RUN.has(err.code)) this.slackBroken = err;
      throw err;
    }
    if (intent.chart && !isDm) {
      const png = await this.deps.chart(team);
      if (png) {
        try {
          await slack.uploadImage({
            channelId: posted.channelId,
            threadTs: thread?.ts ?? posted.ts,
            png,
            filename: `burnwatch-${team}-${intent.asOf}.png`,
            title: `${team} burn-up, as of ${intent.asOf}`,
          });
        } catch (err) {
          // The message itself went out; a missing chart is reported, not a reason to resend.
          warnings.push(`chart upload failed (${err instanceof Error ? err.message : String(err)})`);
        }
      }
    }
    return { receipt: posted, warnings };
  }

  /**
   * The first notice of the period becomes the thread's parent; later ones reply in it (new alerts
   * and escalations also shown in the channel) and the parent is edited to read as the latest. A
   * parent Slack no longer has (deleted) is replaced by a new one.
   */
  private async postInThread(
    slack: SlackSender,
    channel: string,
    message: SlackMessage,
    intent: Intent,
    team: string,
    target: string,
    { threads, periodOf }: ThreadPolicy,
    warnings: string[],
  ): Promise<{ posted: SlackPosted; thread?: SlackPosted }> {
    const period = periodOf(intent.asOf);
    const parent = await threads.find(team, period, target);
    if (parent) {
      try {
        const posted = await slack.postMessage(channel, message, {
          noticeId: intent.id,
          threadTs: parent.ts,
          broadcast: intent.kind === 'enter' || intent.kind === 'escalate',
        });
        try {
          await slack.updateMessage(parent.channelId, parent.ts, asThreadParent(message, intent.asOf));
        } catch (err) {
          // The reply went out; a parent left one notice behind is reported, not a reason to resend.
          warnings.push(`thread parent not updated (${err instanceof Error ? err.message : String(err)})`);
        }
        return { posted, thread: parent };
      } catch (err) {
        if (!(err instanceof DeliveryError && err.code === 'thread_not_found')) throw err;
        warnings.push('thread parent was deleted in Slack; started a new thread');
      }
    }
    const posted = await slack.postMessage(channel, message, { noticeId: intent.id });
    try {
      await threads.remember(team, period, target, posted, parent);
    } catch (err) {
      warnings.push(
        `thread not remembered (${err instanceof Error ? err.message : String(err)}); the next notice starts a new one`,
      );
    }
    return { posted };
  }
}

/** The parent of a team's thread, edited to the latest notice and pointing at the thread for the rest. */
export function asThreadParent(latest: SlackMessage, asOf: string): SlackMessage {
  const note = context(
    `Latest as of ${shortDate(asOf as IsoDay)}. Every notice this fiscal year is in the thread.`,
  );
  return latest.blocks.length < BLOCK_KIT_LIMITS.blocksPerMessage
    ? { text: latest.text, blocks: [...latest.blocks, note] }
    : latest;
}
