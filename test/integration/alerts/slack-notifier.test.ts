import { describe, expect, it } from 'vitest';
import {
  createSlackNotifier,
  createSlackWebClient,
} from '../../../functions/adapters/slack/slack-notifier.js';
import { header, type SlackMessage, section } from '../../../functions/core/alerts/block-kit.js';
import { DeliveryError } from '../../../functions/core/alerts/delivery.js';
import { useFakeSlack } from '../../helpers/fake-slack.js';

const TOKEN = 'xoxb-test-token';
const { slack } = useFakeSlack({
  token: TOKEN,
  userGroups: { S0FINANCE: ['U0ANA', 'U0BO'] },
  channels: { finance: 'C0FINANCE', 'payments-eng': 'C0PAYMENTS' },
});
const message: SlackMessage = {
  text: 'Payments will run out',
  blocks: [header('🔴 Payments'), section('*Payments* runs out 5 May')],
};
const notifier = (token = TOKEN, retries = 2) =>
  createSlackNotifier(token, { slackApiUrl: slack.apiUrl, retries });

async function deliveryError(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('SlackNotifier against a local Slack Web API', () => {
  it('posts Block Kit with the bearer token, resolves #name to the channel id and tags the notice id', async () => {
    // Act
    const posted = await notifier().postMessage('#finance', message, {
      noticeId: 'payments:ALERT#budget:2026-03-31:enter',
    });

    // Assess
    expect(posted).toEqual({ channelId: 'C0FINANCE', ts: expect.any(String) });
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]?.blocks).toHaveLength(2);
    expect(slack.posts[0]?.metadata?.event_payload).toEqual({
      notice_id: 'payments:ALERT#budget:2026-03-31:enter',
    });
  });

  it('finds a message it already posted by notice id (the crash check) and nothing for another id', async () => {
    // Prepare
    const since = new Date(Date.now() - 60_000);
    await notifier().postMessage('C0PAYMENTS', message, { noticeId: 'n-1' });

    // Act
    const found = await notifier().findPosted('C0PAYMENTS', 'n-1', new Date(0));
    const other = await notifier().findPosted('C0PAYMENTS', 'n-2', since);

    // Assess
    expect(found?.ts).toBe(slack.posts[0]?.ts);
    expect(other).toBeUndefined();
  });

  it('uploads a PNG with the three files.uploadV2 steps into the thread', async () => {
    // Prepare
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
    const posted = await notifier().postMessage('C0PAYMENTS', message, { noticeId: 'n-1' });

    // Act
    await notifier().uploadImage({
      channelId: posted.channelId,
      threadTs: posted.ts,
      png,
      filename: 'chart.png',
      title: 'Payments burn-up',
    });

    // Assess
    expect(slack.calls.slice(1)).toEqual([
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    expect(slack.uploads).toEqual([
      expect.objectContaining({
        channelId: 'C0PAYMENTS',
        threadTs: posted.ts,
        filename: 'chart.png',
        isPng: true,
      }),
    ]);
  });

  it('waits out a 429 for the stated Retry-After, then delivers once', async () => {
    // Prepare
    slack.rateLimit('chat.postMessage', 1, 1);
    const started = Date.now();

    // Act
    await notifier().postMessage('C0FINANCE', message, { noticeId: 'n-1' });

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(slack.rejected).toEqual(['chat.postMessage: ratelimited']);
    expect(slack.posts).toHaveLength(1);
  });

  it('reports rate_limited when Slack keeps limiting past the retries', async () => {
    // Prepare
    slack.rateLimit('chat.postMessage', 3, 1);

    // Act
    const err = await deliveryError(
      notifier(TOKEN, 1).postMessage('C0FINANCE', message, { noticeId: 'n-1' }),
    );

    // Assess
    expect(err.code).toBe('rate_limited');
    expect(slack.posts).toHaveLength(0);
  });

  it.each([
    [
      'an unknown channel',
      () => notifier().postMessage('#no-such-channel', message, { noticeId: 'n' }),
      'channel_not_found',
      'invite the burnwatch app',
    ],
    [
      'a wrong token',
      () => notifier('xoxb-wrong').postMessage('C0FINANCE', message, { noticeId: 'n' }),
      'invalid_auth',
      'valid xoxb- token',
    ],
  ])('names %s clearly, without the token', async (_what, act, code, hint) => {
    // Act
    const err = await deliveryError(act());

    // Assess
    expect(err.code).toBe(code);
    expect(err.message).toContain(hint);
    expect(err.message).not.toContain('xoxb-wrong');
    expect(err.message).not.toContain(TOKEN);
  });

  it('reports a revoked token as token_revoked', async () => {
    // Prepare
    slack.revokeToken();

    // Act
    const err = await deliveryError(notifier().postMessage('C0FINANCE', message, { noticeId: 'n' }));

    // Assess
    expect(err.code).toBe('token_revoked');
    expect(err.message).toContain('reinstall the app');
  });

  it('refuses a message over Block Kit limits before calling Slack', async () => {
    // Prepare
    const tooMany: SlackMessage = {
      text: 'x',
      blocks: Array.from({ length: 51 }, (_, i) => section(`line ${i}`)),
    };

    // Act
    const err = await deliveryError(notifier().postMessage('C0FINANCE', tooMany, { noticeId: 'n' }));

    // Assess
    expect(err.code).toBe('invalid_blocks');
    expect(err.message).toContain('51 blocks, limit 50');
    expect(slack.calls).toEqual([]);
  });

  it('lists the members of an allowed user group', async () => {
    // Act
    const members = await notifier().groupMembers('S0FINANCE');

    // Assess
    expect(members).toEqual(['U0ANA', 'U0BO']);
  });

  it.each([
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' }))],
    ['a 151-character header', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }]],
    ['a 3,001-character section', [{ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } }]],
  ])(
    'the local Slack API itself rejects %s (so the limits are checked independently)',
    async (_what, blocks) => {
      // Act
      const err = await createSlackWebClient(TOKEN, { slackApiUrl: slack.apiUrl })
        .chat.postMessage({ channel: 'C0FINANCE', text: 'x', blocks: blocks as never })
        .catch((e: unknown) => e);

      // Assess
      expect(err).toMatchObject({ data: { error: 'invalid_blocks' } });
      expect(slack.posts).toHaveLength(0);
    },
  );
});
