import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SnsAlertPublisher } from '../../../functions/adapters/sns/sns-publisher.js';
import { DeliveryError } from '../../../functions/core/alerts/delivery.js';

const sns = mockClient(SNSClient);
const notice = {
  id: 'payments:ALERT#budget:2026-03-31:enter',
  subject: '[CRITICAL] Payments will run out of AI budget around 5 May',
  message: 'Payments will exhaust its $240,000 budget around 5 May.',
  attributes: { team: 'payments', severity: 'critical', rule: 'budget', kind: 'enter' },
} as const;

afterEach(() => sns.reset());

describe('SnsAlertPublisher', () => {
  it('publishes concise text with team, severity, rule, kind and notice_id attributes for filter policies', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const arn = 'arn:aws:sns:us-east-1:123456789012:burnwatch-alerts';

    // Act
    const out = await new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), arn).publish(notice);

    // Assess
    expect(out.messageId).toBe('m-1');
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toEqual({
      TopicArn: arn,
      Subject: notice.subject,
      Message: notice.message,
      MessageAttributes: {
        team: { DataType: 'String', StringValue: 'payments' },
        severity: { DataType: 'String', StringValue: 'critical' },
        rule: { DataType: 'String', StringValue: 'budget' },
        kind: { DataType: 'String', StringValue: 'enter' },
        // A standard topic cannot deduplicate: subscribers drop a notice id they have seen.
        notice_id: { DataType: 'String', StringValue: 'payments:ALERT#budget:2026-03-31:enter' },
      },
    });
  });

  it('deduplicates by notice id on a FIFO topic', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    await new SnsAlertPublisher(
      new SNSClient({ region: 'us-east-1' }),
      'arn:aws:sns:us-east-1:1:alerts.fifo',
    ).publish(notice);

    // Assess
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({
      MessageGroupId: 'payments',
      MessageDeduplicationId: 'payments:ALERT#budget:2026-03-31:enter',
    });
  });

  it('reports a failed publish as sns_failed', async () => {
    // Prepare
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AuthorizationErrorException' }));

    // Act
    const err = await new SnsAlertPublisher(
      new SNSClient({ region: 'us-east-1' }),
      'arn:aws:sns:us-east-1:1:t',
    )
      .publish(notice)
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({
      code: 'sns_failed',
      message: expect.stringContaining('AuthorizationErrorException'),
    });
  });
});
