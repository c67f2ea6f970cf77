import type { TestProject } from 'vitest/node';
import { startLocalDynamo } from '../../functions/adapters/dynamo/local-dynamodb.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's DynamoDB Local, shared by every file of the project (each test has its own table). */
    dynamoEndpoint?: string;
  }
}

/**
 * One DynamoDB Local for the whole run instead of one per test file: a JVM start costs about 3 s and
 * its first requests run cold, which summed over the integration files was a third of `npm test`.
 * Files stay apart by table: `useLocalDynamo().newStore()` names a fresh one per test.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const local = await startLocalDynamo();
  project.provide('dynamoEndpoint', local.endpoint);
  return () => local.stop();
}
