import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { type DeferredRequest, deferredRequestSchema } from '../../core/slash/handle-request.js';
import { invokeAsync } from './async-invoke.js';

/** The event the slash function sends itself: the request it could not answer in time. */
export const deferredEventSchema = z.object({ burnwatchDeferred: deferredRequestSchema }).strict();
export type DeferredEvent = z.infer<typeof deferredEventSchema>;

/**
 * Hands a `/burn` request to another invocation of the same function, asynchronously
 * (`InvocationType: 'Event'`: Lambda queues it and answers 202 at once). Needs
 * `lambda:InvokeFunction` on the function itself.
 */
export function createSelfInvoker(client: LambdaClient, functionName: string) {
  return async (request: DeferredRequest): Promise<void> => {
    const event: DeferredEvent = { burnwatchDeferred: request };
    await invokeAsync(client, functionName, event, 'the slash function itself');
  };
}
