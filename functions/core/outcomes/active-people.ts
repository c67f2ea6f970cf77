import type { Identities } from '../usage.js';

/** Who a line names, as the outcome metrics match people: an email, a GitHub login, or both. */
export type PersonIds = Pick<Identities, 'userEmail' | 'githubLogin'>;

/**
 * The people a team's lines of one source-day name (docs/outcomes.md: any line naming an email or a
 * login is activity, at any cost), distinct by (email, login). Ingest keeps this list with each
 * day's per-person digest, so the outcome metrics read one item per team-day instead of its lines;
 * reading the lines gives the same list.
 */
export class ActivePeopleTally {
  private readonly people = new Map<string, PersonIds>();

  add(line: { readonly identities: Identities }): void {
    const { userEmail, githubLogin } = line.identities;
    if (!userEmail && !githubLogin) return;
    const id = `${userEmail ?? ''}\n${githubLogin ?? ''}`;
    if (this.people.has(id)) return;
    this.people.set(id, {
      ...(userEmail ? { userEmail } : {}),
      ...(githubLogin ? { githubLogin } : {}),
    });
  }

  list(): PersonIds[] {
    return [...this.people.values()];
  }
}

/** The people `lines` name: what a store answers from its digests, computed from the lines. */
export function activePeopleOfLines(lines: Iterable<{ readonly identities: Identities }>): PersonIds[] {
  const tally = new ActivePeopleTally();
  for (const line of lines) tally.add(line);
  return tally.list();
}
