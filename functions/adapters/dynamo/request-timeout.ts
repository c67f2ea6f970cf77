/**
 * Request-handler options that fail a DynamoDB request left unanswered for `ms` (the SDK retries it,
 * then throws). The SDK's default is no limit: a hung connection would hold its caller, and whoever
 * queues behind it, until the process dies. Without `throwOnRequestTimeout` the SDK only warns.
 */
export function requestTimeout(ms: number): { requestTimeout: number; throwOnRequestTimeout: true } {
  return { requestTimeout: ms, throwOnRequestTimeout: true };
}
