import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * An alarm on a dead-letter queue's first message: a run that failed after its retries (or expired
 * in Lambda's queue) is the one thing a dead-letter queue holds, so one message is worth telling.
 */
export function deadLetterAlarmProps(queue: sqs.IQueue, alarmDescription: string): cloudwatch.AlarmProps {
  return {
    alarmDescription,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
}
