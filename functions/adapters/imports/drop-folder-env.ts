import { S3Client } from '@aws-sdk/client-s3';
import type { ConnectorDeps } from '../vendors/connectors.js';
import { s3DropFolderReader } from './s3-drop-folder.js';

/**
 * The drop folder named by the environment: `BURNWATCH_IMPORT_BUCKET` (set on the ingest Lambda by
 * the stack; for the CLI, the stack output ImportBucketName) and, for tests and S3-compatible
 * stores, `BURNWATCH_S3_ENDPOINT`. Without a bucket there is no drop folder.
 */
export function dropFolderFromEnv(env: Readonly<Record<string, string | undefined>>): ConnectorDeps {
  const bucket = env.BURNWATCH_IMPORT_BUCKET;
  if (!bucket) return {};
  const endpoint = env.BURNWATCH_S3_ENDPOINT;
  const client = new S3Client(
    endpoint
      ? {
          endpoint,
          forcePathStyle: true,
          region: env.AWS_REGION ?? 'us-east-1',
          // A local S3-compatible test server takes any key; never the machine's real credentials.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  return { dropFolder: (sourceId) => s3DropFolderReader(client, bucket, sourceId) };
}
