import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/**
 * Queues `event` for another function (or this one) with `InvocationType: 'Event'`: Lambda answers
 * 202 at once and runs it later, so the caller can answer Slack within its 3 seconds. Needs
 * `lambda:InvokeFunction` on `functionName`; `what` names the target in the error.
 */
export async function invokeAsync(
  client: LambdaClient,
  functionName: string,
  event: unknown,
  what: string,
): Promise<void> {
  const out = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  if (out.StatusCode !== 202)
    throw new Error(`async invoke of ${what} answered ${out.StatusCode ?? 'no status'}, not 202`);
}
