import type { SourceConfig } from '../../core/config/schema.js';
import type { Connector } from '../../core/ingest/connector.js';
import { createAnthropicConnector } from './anthropic.js';
import { costExplorerClient, createBedrockConnector } from './bedrock.js';
import { createCopilotConnector } from './copilot.js';
import { createCursorConnector } from './cursor.js';
import { createFileImportConnector } from './file-import.js';
import { createOpenAiConnector } from './openai.js';

export class MissingSecretNameError extends Error {
  override readonly name = 'MissingSecretNameError';
  readonly code = 'SECRET_NAME_MISSING';
}

/** A connector for one configured source, its key read through `secret` when first needed. */
export function connectorFor(
  source: SourceConfig,
  secret: (name: string) => Promise<string>,
  today: string,
): Connector {
  const key = () => {
    if (!source.secretName)
      throw new MissingSecretNameError(`source "${source.id}": secretName is required to call the vendor`);
    return secret(source.secretName);
  };
  switch (source.type) {
    case 'import':
      return createFileImportConnector({ sourceId: source.id, path: source.path });
    case 'anthropic':
      return createAnthropicConnector({
        sourceId: source.id,
        apiKey: key,
        baseUrl: source.baseUrl,
        today,
        includeClaudeCode: source.includeClaudeCode,
      });
    case 'bedrock':
      // AWS credentials come from the environment (Lambda role, CLI profile), not a secret.
      return createBedrockConnector({
        sourceId: source.id,
        tagKey: source.tagKey,
        services: source.services,
        client: costExplorerClient(source.region, { endpoint: source.baseUrl }),
        today,
      });
    case 'copilot':
      return createCopilotConnector({
        sourceId: source.id,
        organization: source.organization,
        seatPriceUsdPerMonth: source.seatPriceUsdPerMonth,
        token: key,
        baseUrl: source.baseUrl,
        today,
      });
    case 'cursor':
      return createCursorConnector({ sourceId: source.id, apiKey: key, baseUrl: source.baseUrl, today });
    case 'openai':
      return createOpenAiConnector({ sourceId: source.id, apiKey: key, baseUrl: source.baseUrl, today });
  }
}
