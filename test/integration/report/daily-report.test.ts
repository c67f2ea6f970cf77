import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ReportPublisher } from '../../../functions/adapters/reports/s3-report-publisher.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { eachDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import type { ReportPublisher } from '../../../functions/core/report/report-publisher.js';
import { startFakeS3 } from '../../fixtures/s3/fake-s3-server.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { replaceDays } from '../../helpers/store-reads.js';
import { RecordingSlack } from '../../unit/alerts/fakes.js';

/**
 * The daily report as the stack publishes it: the daily job on DynamoDB Local renders the report,
 * puts it in a local S3 (path-style, the wire format S3 speaks) and links it from the digest with a
 * presigned URL that opens it.
 */
const dynamo = useLocalDynamo();
const BUCKET = 'burnwatch-data';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 240_000, slackChannel: 'C0PAYMENTS' },
    { id: 'search', name: 'Search', annualBudgetUsd: 900_000 },
  ],
  sources: [{ id: 'anthropic', type: 'anthropic', secretName: 'burnwatch/anthropic' }],
  finance: { slackChannel: 'C0FINANCE', digestWeekday: 'tuesday', reportLinkExpiryHours: 48 },
});
let s3: Awaited<ReturnType<typeof startFakeS3>>;
let client: S3Client;

beforeAll(async () => {
  s3 = await startFakeS3({ bucket: BUCKET });
  client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

async function seeded() {
  const { store } = await dynamo.newStore();
  const days = eachDay('2026-01-01', '2026-03-29');
  await replaceDays(
    store,
    'anthropic',
    days,
    days.map((date) => aRecord({ date, costMicros: usdToMicros(2_000) })),
  );
  return store;
}

describe('the daily report, published and linked from the digest', () => {
  it('publishes the day and latest.html, and the digest links the day with a presigned URL that opens it', async () => {
    // Prepare: the run of Tuesday 31 March (as of Monday 30), the digest day.
    const store = await seeded();
    const slack = new RecordingSlack();

    // Act
    const result = await runDailyJob(
      {
        config,
        store,
        slack,
        clock: { now: () => new Date('2026-03-31T06:30:00Z') },
        reports: s3ReportPublisher(client, BUCKET),
      },
      '2026-03-30',
    );

    // Assess
    expect(result.alerts.problems).toEqual([]);
    const day = s3.objects.get('reports/burnwatch-report-2026-03-30.html');
    expect(day?.contentType).toBe('text/html; charset=utf-8');
    expect(day?.body).toContain('Payments');
    expect(day?.body).toContain('Search');
    expect(s3.objects.get('reports/latest.html')?.body).toBe(day?.body);
    const digest = slack.posts.find((p) => p.noticeId.includes('DIGEST'));
    const button = digest?.message.blocks
      .flatMap((b) => (b.type === 'actions' ? b.elements : []))
      .find((e) => 'url' in e);
    const url = new URL(button && 'url' in button ? button.url : '');
    expect(url.pathname).toBe(`/${BUCKET}/reports/burnwatch-report-2026-03-30.html`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(48 * 3600));
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const opened = await fetch(url);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toBe(day?.body);
    expect(JSON.stringify(digest?.message)).toContain('The link works for 48 hours at most');
  });

  it('still sends the alerts and the digest, without a link, when the report cannot be published', async () => {
    // Prepare
    const store = await seeded();
    const slack = new RecordingSlack();
    const broken: ReportPublisher = {
      publish: async () => {
        throw new Error('AccessDenied');
      },
      link: async () => 'https://never',
    };

    // Act
    const result = await runDailyJob(
      { config, store, slack, clock: { now: () => new Date('2026-03-31T06:30:00Z') }, reports: broken },
      '2026-03-30',
    );

    // Assess
    expect(result.alerts.problems).toEqual(['report: not published (AccessDenied)']);
    const digest = slack.posts.find((p) => p.noticeId.includes('DIGEST'));
    expect(digest).toBeDefined();
    expect(JSON.stringify(digest?.message)).not.toContain('Open the full report');
    expect(slack.posts.some((p) => p.channel === 'C0PAYMENTS')).toBe(true);
  });
});
