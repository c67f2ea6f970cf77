import {
  type ServiceInputTypes,
  type ServiceOutputTypes,
  SNSClient,
  type SNSClientResolvedConfig,
} from '@aws-sdk/client-sns';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type FakeSlackOptions, FakeSlackServer } from '../fixtures/slack/fake-slack-server.js';

/** The channels most alert tests post to: a team's and finance's. */
export const ALERT_CHANNELS = { 'payments-eng': 'C0PAYMENTS', 'finance-ai': 'C0FINANCE' } as const;

export interface FakeSlackFixture {
  readonly slack: FakeSlackServer;
  readonly sns: AwsStub<ServiceInputTypes, ServiceOutputTypes, SNSClientResolvedConfig>;
}

/**
 * A fake Slack for the test file: started before its tests, stopped after them, and emptied after
 * each test, so every test sees only its own posts. SNS is mocked for the file too and reset with it
 * (SNS has no local stand-in; Slack does).
 */
export function useFakeSlack(opts: FakeSlackOptions & { readonly token: string }): FakeSlackFixture {
  const slack = new FakeSlackServer({ channels: ALERT_CHANNELS, ...opts });
  const sns = mockClient(SNSClient);
  beforeAll(async () => {
    await slack.start();
  });
  afterAll(async () => {
    await slack.stop();
    sns.restore();
  });
  afterEach(() => {
    slack.reset();
    sns.reset();
  });
  return { slack, sns };
}
