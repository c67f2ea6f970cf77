import { dayOfWeek, diffDays, type IsoDay, toDayNumber } from '../core/dates.js';
import type { SeatAssignment } from '../core/ingest/seat-history.js';
import { hashSeed, mulberry32 } from '../core/random.js';
import type { VendorUsageLine } from '../core/usage.js';

/**
 * What the synthetic org's spend buys (issue 17): merged pull requests per author and day, Copilot
 * usage-metrics rows per active user and day, and who holds a Copilot or Cursor seat. Realistic on
 * purpose, and pure functions of (seed, team, person, day) like the spend:
 *
 * - merged PRs follow each team's size and the weekday rhythm, and stay flat for Payments while its
 *   spend surges (its spend per merged PR climbs);
 * - the AI-assisted share of merged PRs rises through the quarter as adoption grows;
 * - Mobile holds a Copilot seat for every engineer but half of them never use it (idle seats), Web
 *   keeps six Cursor seats nobody has used;
 * - one Search contractor's GitHub login follows no naming rule (an unmatched identity).
 *
 * People: `dev07@payments.acme.example` in Cursor and Claude Code is `payments-dev07` on GitHub;
 * the example config's `identities.githubLoginRules` say so.
 */
export interface OutcomeProfile {
  readonly team: string;
  readonly engineers: number;
  readonly domain: string;
  readonly githubTeam: string;
}

/** Merged PRs per engineer per working day. */
const PRS_PER_ENGINEER = 0.22;
/** The share of people in a team that use Copilot; Mobile's other half keeps idle seats. */
const copilotUsers = (p: OutcomeProfile) => (p.team === 'mobile' ? Math.ceil(p.engineers / 2) : p.engineers);
/** Cursor members beyond its active users: seats nobody uses. */
const idleCursorSeats = (p: OutcomeProfile) => (p.team === 'web' ? 6 : 0);
/** The contractor whose login no rule maps (Search). */
export const CONTRACTOR_LOGIN = 'kim-contractor';

export const loginOf = (p: OutcomeProfile, i: number) => `${p.domain}-dev${String(i).padStart(2, '0')}`;
export const emailOf = (p: Pick<OutcomeProfile, 'domain'>, i: number) =>
  `dev${String(i).padStart(2, '0')}@${p.domain}.acme.example`;

const rhythmOf = (day: IsoDay, holidays: ReadonlySet<string>) =>
  holidays.has(day) ? 0.2 : dayOfWeek(day) === 0 || dayOfWeek(day) === 6 ? 0.1 : 1;

/** Merged PRs of one team on one day: one line per author (`billable: false`, no cost). */
export function mergedPrLines(
  p: OutcomeProfile,
  day: IsoDay,
  fiscalDay: number,
  holidays: ReadonlySet<string>,
  seed: number,
): VendorUsageLine[] {
  const rand = mulberry32(hashSeed(seed, p.team, day, 'merged-prs'));
  const expected = p.engineers * PRS_PER_ENGINEER * rhythmOf(day, holidays);
  const merged = Math.max(0, Math.round(expected * (0.75 + 0.5 * rand())));
  // AI-assisted share: a quarter of PRs in January, about half by the end of March.
  const aiShare = Math.min(0.7, 0.25 + 0.3 * (fiscalDay / 90));
  const byAuthor = new Map<string, { merged: number; ai: number }>();
  for (let k = 0; k < merged; k++) {
    const contractor = p.team === 'search' && rand() < 0.05;
    const login = contractor ? CONTRACTOR_LOGIN : loginOf(p, 1 + Math.floor(rand() * p.engineers));
    const a = byAuthor.get(login) ?? { merged: 0, ai: 0 };
    a.merged += 1;
    if (rand() < aiShare) a.ai += 1;
    byAuthor.set(login, a);
  }
  return [...byAuthor].map(([login, a]) => ({
    date: day,
    vendor: 'github',
    identities: { githubLogin: login, githubTeam: p.githubTeam },
    lineItem: 'Merged pull requests',
    costMicros: 0n,
    outcomes: { mergedPullRequests: a.merged, aiAssistedPullRequests: a.ai },
    provisional: false,
    billable: false,
  }));
}

/** Copilot usage-metrics rows of one team on one day: one line per person active that day. */
export function copilotActivityLines(
  p: OutcomeProfile,
  day: IsoDay,
  holidays: ReadonlySet<string>,
  seed: number,
): VendorUsageLine[] {
  const lines: VendorUsageLine[] = [];
  const chance = 0.15 * rhythmOf(day, holidays);
  const people = Array.from({ length: copilotUsers(p) }, (_, i) => loginOf(p, i + 1));
  if (p.team === 'search') people.push(CONTRACTOR_LOGIN);
  for (const login of people) {
    const rand = mulberry32(hashSeed(seed, login, day, 'copilot'));
    // Everyone who uses Copilot uses it at least once a week (on their own day), some days more.
    const weekly = (toDayNumber(day) + hashSeed(login)) % 7 === 0;
    if (rand() >= chance && !weekly) continue;
    const suggested = 40 + Math.floor(rand() * 160);
    const accepted = Math.round(suggested * (0.25 + 0.2 * rand()));
    lines.push({
      date: day,
      vendor: 'copilot',
      identities: { githubLogin: login, githubTeam: p.githubTeam },
      lineItem: 'Copilot activity',
      costMicros: 0n,
      outcomes: {
        linesSuggested: suggested,
        linesAccepted: accepted,
        acceptances: Math.round(accepted / 4),
        // Copilot shows about three and a half suggestions for each one taken.
        suggestionsShown: Math.round((accepted / 4) * 3.5),
        requests: 3 + Math.floor(rand() * 12),
      },
      provisional: false,
      billable: false,
    });
  }
  return lines;
}

/** Copilot seats held by the team: one per engineer, assigned by the team before the year began. */
export function copilotSeats(p: OutcomeProfile, fyStart: IsoDay): SeatAssignment[] {
  const seats: SeatAssignment[] = Array.from({ length: p.engineers }, (_, i) => ({
    login: loginOf(p, i + 1),
    team: p.githubTeam,
    createdOn: fyStart,
  }));
  if (p.team === 'search') seats.push({ login: CONTRACTOR_LOGIN, team: p.githubTeam, createdOn: fyStart });
  return seats;
}

/** Cursor members of the team: its active users, and for Web six more who never open it. */
export function cursorMembers(p: OutcomeProfile, activeUsers: number): SeatAssignment[] {
  return Array.from({ length: activeUsers + idleCursorSeats(p) }, (_, i) => ({
    login: emailOf(p, i + 1),
    team: null,
    createdOn: '1970-01-01',
  }));
}

/** Days since the fiscal year began, for the AI-assisted ramp. */
export const fiscalDayOf = (fyStart: IsoDay, day: IsoDay) => diffDays(fyStart, day);
