import type { SlackMessage } from './block-kit.js';
import { type AlertPublisher, DeliveryError, FATAL_FOR_RUN, type SlackSender } from './delivery.js';
import type { Delivery, Intent, LedgerTransport, Receipt } from './delivery-ledger.js';

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
    },
  ) {}

  /** The transport for one team's notices (the chart is the team's). */
  forTeam(team: string): LedgerTransport {
    return {
      send: (d, intent) => this.send(d, intent, team),
      readBack: (d, intent) => this.readBack(d, intent),
    };
  }

  private async readBack(d: Delivery, intent: Intent): Promise<Receipt | 'absent' | 'unknown'> {
    const slack = this.deps.slack;
    // SNS keeps no record to ask; a broken Slack token cannot read history either.
    if (!slack || !d.target.startsWith('slack') || this.slackBroken) return 'unknown';
    const channel = d.channelId ?? d.target.replace(/^slack(-dm)?:/, '');
    try {
      const found = await slack.findPosted(
        channel,
        intent.id,
        new Date(new Date(d.attemptedAt).getTime() - 60_000),
      );
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
    let posted: { channelId: string; ts: string };
    try {
      posted = await slack.postMessage(channel, message, { noticeId: intent.id });
    } catch (err) {
      if (err instanceof DeliveryError && FATAL_FOR_RUN.has(err.code)) this.slackBroken = err;
      throw err;
    }
    const warnings: string[] = [];
    if (intent.chart && !isDm) {
      const png = await this.deps.chart(team);
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
          warnings.push(`chart upload failed (${err instanceof Error ? err.message : String(err)})`);
        }
      }
    }
    return { receipt: posted, warnings };
  }
}
