import { alertStateSchema } from '../alerts/lifecycle.js';
import { ORG_SCOPE } from '../alerts/types.js';
import type { BurnwatchConfig, IdentityKind } from '../config/schema.js';
import { addDays, eachDay, type IsoDay } from '../dates.js';
import { type Micros, microsToCentsNumber } from '../money.js';
import type { StateStore, UsageStore } from '../ports.js';
import type { OrgBurns } from '../team-reports.js';
import { identityMayNamePerson } from '../usage.js';
import type { AlertHistoryRow, ReportInput, UnmatchedSpend } from './report-html.js';

/**
 * Spend no rule matched over the last `days` days to as-of, largest first. Identities that cannot
 * name a person (a project, workspace or API key) are listed as they are; those that may
 * (`identityMayNamePerson`: a user email, a GitHub login, an account) are collapsed into one row per
 * source with the number of people and their total, since the report goes to finance and nobody
 * in `privacy.perPersonVisibleTo` has a private view of it.
 */
export async function unmatchedIdentities(
  config: BurnwatchConfig,
  store: UsageStore,
  asOf: IsoDay,
  days = 28,
): Promise<ReportInput['unmatched']> {
  const listed = new Map<string, { source: string; identity: string; micros: Micros }>();
  const people = new Map<string, { source: string; who: Set<string>; micros: Micros }>();
  for (const source of config.sources.filter((s) => s.enabled)) {
    for (const day of eachDay(addDays(asOf, -(days - 1)), asOf)) {
      for (const line of await store.teamLines(source.id, day, 'unallocated')) {
        if (line.billable === false) continue;
        const entries = (Object.entries(line.identities) as [IdentityKind, string][]).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        );
        const personal = entries.filter(([kind]) => identityMayNamePerson(kind));
        if (personal.length > 0) {
          const cur = people.get(source.id) ?? { source: source.id, who: new Set<string>(), micros: 0n };
          cur.who.add(personal.map(([k, v]) => `${k}=${v}`).join(' '));
          cur.micros += line.costMicros;
          people.set(source.id, cur);
          continue;
        }
        // An identity the vendor left empty (untagged Bedrock spend) reads as the terminal prints it.
        const identity = entries.map(([k, v]) => `${k}=${v || '(empty)'}`).join(' ') || '(no identity)';
        const key = `${source.id}|${identity}`;
        const cur = listed.get(key) ?? { source: source.id, identity, micros: 0n };
        cur.micros += line.costMicros;
        listed.set(key, cur);
      }
    }
  }
  const rows: Array<{ row: UnmatchedSpend; micros: Micros }> = [
    ...[...listed.values()].map((u) => ({
      row: { source: u.source, identity: u.identity, usd: microsToCentsNumber(u.micros) },
      micros: u.micros,
    })),
    ...[...people.values()].map((p) => ({
      row: { source: p.source, people: p.who.size, usd: microsToCentsNumber(p.micros) },
      micros: p.micros,
    })),
  ];
  return rows.sort((a, b) => (b.micros > a.micros ? 1 : b.micros < a.micros ? -1 : 0)).map((r) => r.row);
}

/** Every team's (and the org's) alert rules as stored: open level, since when, last notice. */
export async function alertHistory(config: BurnwatchConfig, store: StateStore): Promise<AlertHistoryRow[]> {
  const scopes = [
    ...config.teams.map((t) => ({ id: t.id, name: t.name })),
    { id: ORG_SCOPE, name: 'Organisation' },
  ];
  const rows: AlertHistoryRow[] = [];
  for (const scope of scopes) {
    for (const s of await store.listStates(scope.id, 'ALERT#')) {
      const parsed = alertStateSchema.safeParse(s.value);
      if (!parsed.success) continue;
      const st = parsed.data;
      if (!st.lastNotice && !st.pending && st.notified === 'ok') continue;
      rows.push({
        team: scope.id,
        teamName: scope.name,
        rule: s.key.replace(/^ALERT#/, ''),
        notified: st.notified,
        ...(st.since ? { since: st.since } : {}),
        ...(st.lastNotice ? { lastNotice: { kind: st.lastNotice.kind, asOf: st.lastNotice.asOf } } : {}),
        ...(st.pending
          ? {
              pending: {
                kind: st.pending.kind,
                asOf: st.pending.asOf,
                undelivered: st.pending.deliveries.filter((d) => d.status !== 'sent').length,
              },
            }
          : {}),
      });
    }
  }
  return rows;
}

/** Everything the report shows, read from any store. */
export async function reportInput(opts: {
  readonly config: BurnwatchConfig;
  readonly store: UsageStore & StateStore;
  readonly org: OrgBurns;
  readonly generatedAt: string;
}): Promise<ReportInput> {
  return {
    organization: opts.config.organization.name,
    asOf: opts.org.asOf,
    burns: opts.org.burns,
    coverage: opts.org.coverage,
    unmatched: await unmatchedIdentities(opts.config, opts.store, opts.org.asOf),
    unmatchedPeriod: 'the last 28 days',
    alertHistory: await alertHistory(opts.config, opts.store),
    generatedAt: opts.generatedAt,
  };
}
