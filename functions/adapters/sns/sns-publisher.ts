import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type AlertPublisher, DeliveryError } from '../../core/alerts/delivery.js';
import type { SnsNotice } from '../../core/alerts/messages.js';

/**
 * Publishes alerts to an SNS topic: concise text for email and pagers, with message attributes
 * (team, severity, rule, kind, notice_id) that subscription filter policies can match. SNS is
 * at-least-once, and a publish the topic accepted just before the run crashed is published again by
 * the retry; both carry the same stable id: on a FIFO topic it is the deduplication id (SNS drops the
 * repeat within its 5-minute window), on a standard topic subscribers drop a `notice_id` they have
 * seen (docs/deploy.md, "Alert delivery").
 */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notice: SnsNotice & { readonly id: string }): Promise<{ messageId: string }> {
    const fifo = this.topicArn.endsWith('.fifo');
    const str = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      const out = await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: notice.subject,
          Message: notice.message,
          MessageAttributes: {
            team: str(notice.attributes.team),
            severity: str(notice.attributes.severity),
            rule: str(notice.attributes.rule),
            kind: str(notice.attributes.kind),
            notice_id: str(notice.id),
          },
          ...(fifo
            ? { MessageGroupId: notice.attributes.team, MessageDeduplicationId: dedupId(notice.id) }
            : {}),
        }),
      );
      return { messageId: out.MessageId ?? '' };
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error';
      throw new DeliveryError(
        'sns_failed',
        'sns',
        `${name}: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
  }
}

/** SNS dedup ids: at most 128 characters of [A-Za-z0-9 punctuation]. */
function dedupId(id: string): string {
  return id.replace(/[^A-Za-z0-9!-/:-@[-`{-~]/g, '_').slice(0, 128);
}
