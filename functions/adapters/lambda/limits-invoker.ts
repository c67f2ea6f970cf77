import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { type LimitRequest, limitRequestSchema } from '../../core/limits/limit-requests.js';

/** The event the slash function sends the limits function: one approved Approve or Undo. */
export const limitsEventSchema = z.object({ burnwatchLimits: limitRequestSchema }).strict();
export type LimitsEvent = z.infer<typeof limitsEventSchema>;

/**
 * Hands an approved limit press to the limits function, asynchronously (`InvocationType: 'Event'`),
 * so the slash function answers Slack at once and never holds the admin keys. Needs
 * `lambda:InvokeFunction` on that function.
 */
export function createLimitsInvoker(client: LambdaClient, functionName: string) {
  return async (request: LimitRequest): Promise<void> => {
    const event: LimitsEvent = { burnwatchLimits: request };
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (out.StatusCode !== 202)
      throw new Error(
        `async invoke of the limits function answered ${out.StatusCode ?? 'no status'}, not 202`,
      );
  };
}
