import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { type LimitRequest, limitRequestSchema } from '../../core/limits/limit-requests.js';
import { invokeAsync } from './async-invoke.js';

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
    await invokeAsync(client, functionName, event, 'the limits function');
  };
}
