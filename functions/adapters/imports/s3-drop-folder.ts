import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type ImportDocument, ImportFileError, type ImportReader } from '../vendors/file-import.js';

/** Where an import source's files are dropped in the stack's import bucket. */
export const dropFolderPrefix = (sourceId: string) => `imports/${sourceId}/`;

/**
 * The drop folder of one import source: every `.csv` and `.json` object under
 * `imports/<source id>/` in the bucket (listed page by page, read in key order). A file that cannot
 * be listed or read fails the source, so nothing of a half-read folder is stored.
 */
export function s3DropFolderReader(client: S3Client, bucket: string, sourceId: string): ImportReader {
  const prefix = dropFolderPrefix(sourceId);
  return async () => {
    const keys: string[] = [];
    try {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key && /\.(csv|json)$/i.test(o.Key)) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw new ImportFileError(
        `${sourceId}: cannot list s3://${bucket}/${prefix} (${(err as Error).message})`,
        {
          cause: err,
        },
      );
    }
    const docs: ImportDocument[] = [];
    for (const key of keys.sort()) {
      const name = `s3://${bucket}/${key}`;
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        docs.push({ name, text: (await res.Body?.transformToString('utf8')) ?? '' });
      } catch (err) {
        throw new ImportFileError(`${sourceId}: cannot read ${name} (${(err as Error).message})`, {
          cause: err,
        });
      }
    }
    return docs;
  };
}
