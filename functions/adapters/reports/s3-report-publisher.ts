import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { IsoDay } from '../../core/dates.js';
import type { ReportPublisher } from '../../core/report/report-publisher.js';

/** Where reports live in the data bucket: one per day, and the newest as `latest.html`. */
export const REPORTS_PREFIX = 'reports/';
const dayKey = (asOf: IsoDay) => `${REPORTS_PREFIX}burnwatch-report-${asOf}.html`;

/** S3's limit for a presigned URL (SigV4): seven days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * The daily report in the stack's private data bucket (`reports/`), linked by a presigned GET. The
 * link carries the signer's credentials: with a Lambda role's session credentials it stops working
 * when that session ends, whatever `expiresInSeconds` says.
 */
export function s3ReportPublisher(client: S3Client, bucket: string): ReportPublisher {
  const put = (key: string, html: string) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: html,
        ContentType: 'text/html; charset=utf-8',
        // A browser must not keep yesterday's figures under today's link.
        CacheControl: 'no-store',
      }),
    );
  return {
    async publish(asOf, html) {
      await put(dayKey(asOf), html);
      await put(`${REPORTS_PREFIX}latest.html`, html);
      return { location: `s3://${bucket}/${dayKey(asOf)}` };
    },
    link: (asOf, expiresInSeconds) =>
      getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: dayKey(asOf) }), {
        expiresIn: Math.min(Math.max(1, Math.floor(expiresInSeconds)), MAX_PRESIGN_SECONDS),
      }),
  };
}
