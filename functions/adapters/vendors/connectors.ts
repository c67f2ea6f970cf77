import { resolve } from 'node:path';
import type { BurnwatchConfig, SourceConfig } from '../../core/config/schema.js';
import type { Connector } from '../../core/ingest/connector.js';
import { createSeatHistory, type SeatHistory } from '../../core/ingest/seat-history.js';
import { loadIdentityResolver } from '../../core/outcomes/collect.js';
import { createIdentityResolver, type IdentityResolver } from '../../core/outcomes/identity.js';
import { createMemberDirectory, type MemberDirectory } from '../../core/outcomes/member-directory.js';
import type { StateStore, UsageStore } from '../../core/ports.js';
import { localImportReader } from '../imports/local-files.js';
import { createAnthropicConnector } from './anthropic.js';
import { costExplorerClient, createBedrockConnector } from './bedrock.js';
import { createCopilotConnector } from './copilot.js';
import { createCopilotMetricsConnector } from './copilot-metrics.js';
import { createCursorConnector } from './cursor.js';
import { createFileImportConnector, type ImportReader } from './file-import.js';
import { createGithubConnector } from './github.js';
import { createOpenAiConnector } from './openai.js';

export class MissingSecretNameError extends Error {
  override readonly name = 'MissingSecretNameError';
  readonly code = 'SECRET_NAME_MISSING';
}

export class MissingDropFolderError extends Error {
  override readonly name = 'MissingDropFolderError';
  readonly code = 'DROP_FOLDER_MISSING';
}

export interface ConnectorDeps {
  /** The stack's drop folder of an import source (`drop: true`); absent where there is no bucket. */
  readonly dropFolder?: (sourceId: string) => ImportReader;
  /** Burnwatch's stored seat snapshots of a Copilot source (exact seat history from install on). */
  readonly seatHistory?: (sourceId: string) => SeatHistory;
  /** What a relative import `path` is relative to (the CLI's working directory). @default process.cwd() */
  readonly cwd?: string;
  /** Outcomes: where a `github` source keeps the organization's members (logins, emails, teams). */
  readonly memberDirectory?: (sourceId: string) => MemberDirectory;
  /** Outcomes: one person across vendors (config identities, GitHub member emails). */
  readonly identityResolver?: () => Promise<IdentityResolver>;
}

/** A connector for one configured source, its key read through `secret` when first needed. */
export function connectorFor(
  source: SourceConfig,
  secret: (name: string) => Promise<string>,
  today: string,
  deps: ConnectorDeps = {},
): Connector {
  const key = () => {
    if (!source.secretName)
      throw new MissingSecretNameError(`source "${source.id}": secretName is required to call the vendor`);
    return secret(source.secretName);
  };
  switch (source.type) {
    case 'import': {
      const read = source.path
        ? localImportReader(source.id, resolve(deps.cwd ?? process.cwd(), source.path))
        : deps.dropFolder?.(source.id);
      if (!read)
        throw new MissingDropFolderError(
          `source "${source.id}": drop: true reads the stack's import bucket; set BURNWATCH_IMPORT_BUCKET (the stack output ImportBucketName) or give a path`,
        );
      return createFileImportConnector({ sourceId: source.id, vendor: source.vendor, read });
    }
    case 'anthropic':
      return createAnthropicConnector({
        sourceId: source.id,
        apiKey: key,
        baseUrl: source.baseUrl,
        today,
        includeClaudeCode: source.includeClaudeCode,
        costSource: source.costSource,
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
        aiCreditsFrom: source.aiCreditsFrom,
        aiCreditsPerUser: source.aiCreditsPerUser,
        ...(deps.seatHistory ? { seatHistory: deps.seatHistory(source.id) } : {}),
        token: key,
        baseUrl: source.baseUrl,
        today,
      });
    case 'cursor':
      return createCursorConnector({
        sourceId: source.id,
        apiKey: key,
        baseUrl: source.baseUrl,
        today,
        // Its member list, kept daily, is what idle Cursor seats are counted from (outcomes).
        ...(deps.seatHistory ? { seatHistory: deps.seatHistory(source.id) } : {}),
      });
    case 'github':
      return createGithubConnector({
        sourceId: source.id,
        organization: source.organization,
        token: key,
        baseUrl: source.baseUrl,
        today,
        attribution: source.attribution,
        rules: { aiMarkers: source.aiMarkers, aiAuthors: source.aiAuthors, aiLabels: source.aiLabels },
        memberEmails: source.memberEmails,
        resolver: resolverOf(deps),
        ...(deps.memberDirectory ? { directory: deps.memberDirectory(source.id) } : {}),
      });
    case 'copilot-metrics':
      return createCopilotMetricsConnector({
        sourceId: source.id,
        organization: source.organization,
        token: key,
        baseUrl: source.baseUrl,
        today,
        attribution: source.attribution,
        resolver: resolverOf(deps),
      });
    case 'openai':
      return createOpenAiConnector({ sourceId: source.id, apiKey: key, baseUrl: source.baseUrl, today });
  }
}

/** The resolver the deps give, or one that knows only what the lines say (no config, no GitHub emails). */
function resolverOf(deps: ConnectorDeps): () => Promise<IdentityResolver> {
  return deps.identityResolver ?? (async () => createIdentityResolver({ people: [], githubLoginRules: [] }));
}

/**
 * What connectors keep in the state store, for the CLI and the ingest Lambda alike: Copilot seat and
 * Cursor member snapshots, the GitHub member directory, and the identity resolver built from the
 * config and that directory (read once per run).
 */
export function stateDeps(
  config: BurnwatchConfig,
  store: UsageStore & StateStore,
): Pick<ConnectorDeps, 'seatHistory' | 'memberDirectory' | 'identityResolver'> {
  let resolver: Promise<IdentityResolver> | undefined;
  return {
    seatHistory: (id) => createSeatHistory(store, id),
    memberDirectory: (id) => createMemberDirectory(store, id),
    identityResolver: () => {
      resolver ??= loadIdentityResolver(config, store);
      return resolver;
    },
  };
}
