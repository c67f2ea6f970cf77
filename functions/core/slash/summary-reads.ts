import { batchedReads } from '../batched-reads.js';
import type { SlashDeps } from './burn-command.js';

const ORG = 'org';

/**
 * `/burn`'s summary reads, batched (core/batched-reads.ts): the team summaries asked for by a burst of
 * concurrent askers go out as one BatchGetItem, and their org-summary reads as one GetItem, each read
 * starting after its askers asked. For a server answering many at once (serve-slack); the Lambda,
 * one request per container, reads without it.
 */
export function batchedSummaries(summaries: SlashDeps['summaries']): SlashDeps['summaries'] {
  const teams = batchedReads((keys: readonly string[]) => summaries.getTeamSummaries(keys));
  const getOrg = summaries.getOrgSummary?.bind(summaries);
  if (!getOrg) return { getTeamSummaries: teams };
  const org = batchedReads(async () => new Map([[ORG, await getOrg()]]));
  return { getTeamSummaries: teams, getOrgSummary: async () => (await org([ORG])).get(ORG) };
}
