import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Writes one object (a whole file: S3 replaces it atomically, so readers see the old or the new). */
export function s3ObjectWriter(client: S3Client, bucket: string) {
  return async (key: string, body: string, contentType: string): Promise<void> => {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
    );
  };
}
