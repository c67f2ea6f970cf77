import type { BurnwatchConfig } from '../config/schema.js';
import type { SlackSender } from './delivery.js';

/** Team alerts go to the team's channel and finance; org-level ones (stale data, digest) to finance. */
export function channelTargets(config: BurnwatchConfig, team: string): string[] {
  const channels: string[] = [];
  const teamChannel = config.teams.find((t) => t.id === team)?.slackChannel;
  if (teamChannel) channels.push(teamChannel);
  channels.push(config.finance.slackChannel);
  return [...new Set(channels)].map((c) => `slack:${c}`);
}

/**
 * Direct-message targets for per-person detail: the users config.privacy allows plus the members of
 * its allowed user groups, resolved once per run. A group that cannot be read is a problem to report,
 * not a reason to stop; its members simply get no direct message.
 */
export async function privateTargets(
  config: BurnwatchConfig,
  slack: SlackSender,
): Promise<{ targets: string[]; problems: string[] }> {
  const allowed = config.privacy.perPersonVisibleTo;
  const users = [...allowed.slackUserIds];
  const problems: string[] = [];
  for (const group of allowed.slackUserGroupIds) {
    try {
      users.push(...(await slack.groupMembers(group)));
    } catch (err) {
      problems.push(
        `privacy group ${group}: members not readable (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
  return { targets: [...new Set(users)].map((u) => `slack-dm:${u}`), problems };
}
