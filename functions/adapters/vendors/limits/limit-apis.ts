import type { LimitsConfig } from '../../../core/config/schema.js';
import type { VendorLimitApis } from '../../../core/limits/vendor-limit-api.js';
import type { HttpOptions } from '../http.js';
import { createAnthropicLimitApi } from './anthropic-limits.js';
import { createCopilotLimitApi } from './copilot-limits.js';
import { createCursorLimitApi } from './cursor-limits.js';

/**
 * The limit API of each vendor `limits` configures, each reading its own admin key (a secret apart
 * from the usage keys) only when a limit is actually read or changed.
 */
export function limitApisFor(
  limits: LimitsConfig,
  secret: (name: string) => Promise<string>,
  http: HttpOptions = {},
): VendorLimitApis {
  const cursor = limits.cursor;
  const copilot = limits.copilot;
  const anthropic = limits.anthropic;
  const apis = {
    cursor: cursor
      ? createCursorLimitApi({
          ...http,
          apiKey: () => secret(cursor.adminSecretName),
          baseUrl: cursor.baseUrl,
        })
      : undefined,
    copilot: copilot
      ? createCopilotLimitApi({
          ...http,
          organization: copilot.organization,
          token: () => secret(copilot.adminSecretName),
          baseUrl: copilot.baseUrl,
        })
      : undefined,
    anthropic: anthropic
      ? createAnthropicLimitApi({
          ...http,
          apiKey: () => secret(anthropic.adminSecretName),
          baseUrl: anthropic.baseUrl,
          workspaceLimitIds: Object.fromEntries(
            Object.values(anthropic.workspaces).flatMap((w) =>
              w.spendLimitId ? [[w.workspaceId, w.spendLimitId]] : [],
            ),
          ),
        })
      : undefined,
  };
  return (vendor) => apis[vendor];
}
