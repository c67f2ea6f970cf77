/**
 * Runs a Lambda handler module in this (child) process the way the Lambda runtime would, for tests
 * that need every byte a handler writes: `tsx test/helpers/invoke-handler.ts MODULE EVENT_JSON [--each]`
 * (`--each`: EVENT_JSON is an array, invoked one after another in the same process, as warm
 * invocations of one container). Prints each result as `RESULT <json>` on stdout; on failure prints
 * the error as the runtime logs it (`errorType`, `errorMessage`, `stack`, and the whole error
 * inspected) on stderr and exits 1.
 */

import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';

const [modulePath, eventJson = '{}', mode] = process.argv.slice(2);
if (!modulePath) throw new Error('usage: invoke-handler.ts MODULE [EVENT_JSON] [--each]');
const mod = (await import(pathToFileURL(modulePath).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
const context = { getRemainingTimeInMillis: () => 600_000, functionName: 'test', awsRequestId: 'req-1' };
const events: unknown[] = mode === '--each' ? (JSON.parse(eventJson) as unknown[]) : [JSON.parse(eventJson)];
try {
  for (const event of events) {
    const result = await mod.handler(event, context);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  }
} catch (err) {
  const e = err as Error;
  process.stderr.write(`${JSON.stringify({ errorType: e.name, errorMessage: e.message, stack: e.stack })}\n`);
  process.stderr.write(`${inspect(err, { depth: 20 })}\n`);
  process.exitCode = 1;
}
