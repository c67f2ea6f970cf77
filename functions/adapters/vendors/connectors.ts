import type { SourceConfig } from '../../core/config/schema.js';
import type { Connector } from '../../core/ingest/connector.js';
import { createAnthropicConnector } from './anthropic.js';
import { createCopilotConnector } from './copilot.js';
import { createCursorConnector } from './cursor.js';
import { createFileImportConnector } from './file-import.js';
import { createOpenAiConnector } from './openai.js';

/** Source types with a connector in this version; the others are reported, not silently skipped. */
export const SUPPORTED_SOURCE_TYPES = ['anthropic', 'openai', 'cursor', 'copilot', 'import'] as const;

export class UnsupportedSourceError extends Error {
  override readonly name = 'UnsupportedSourceError';
  readonly code = 'SOURCE_UNSUPPORTED';
}

/** A connector for one configured source, its key read through `secret` when first needed. */
export function connectorFor(
  source: SourceConfig,
  secret: (name: string) => Promise<string>,
  today: string,
): Connector {
  const key = () => {
    if (!source.secretName)
      throw new UnsupportedSourceError(`sources.${source.id}.secretName is required to call the vendor`);
    return secret(source.secretName);
  };
  switch (source.type) {
    case 'import':
      return createFileImportConnector({ sourceId: source.id, path: source.path });
    case 'anthropic':
      return createAnthropicConnector({ sourceId: source.id, apiKey: key, baseUrl: source.baseUrl, today });
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
    default:
      throw new UnsupportedSourceError(
        `source "${source.id}" (type ${source.type}) has no connector yet; supported: ${SUPPORTED_SOURCE_TYPES.join(', ')}`,
      );
  }
}
