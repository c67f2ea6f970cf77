import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { keys } from '../../../functions/adapters/dynamo/keys.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay, type IsoDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { personCostsFromLines } from '../../../functions/core/person-costs.js';
import type { Store } from '../../../functions/core/ports.js';
import { detailExpiresAt } from '../../../functions/core/retention.js';
import type { VendorUsageLine } from '../../../functions/core/usage.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { streamingConnector } from '../../helpers/streaming-connector.js';

const dynamo = useLocalDynamo();
const TEAMS = ['payments', 'search', 'data'];
const configWith = (extraRules: { match: { userEmail: string }; team: string }[] = []) =>
  parseConfig({
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 1, startDay: 1 },
    teams: TEAMS.map((id) => ({ id, name: id, annualBudgetUsd: 100_000 })),
    sources: [
      {
        id: 'cursor',
        type: 'cursor',
        attribution: [
          ...extraRules,
          ...TEAMS.map((t) => ({ match: { userEmail: `*@${t}.corp.com` }, team: t })),
        ],
      },
    ],
    finance: { slackChannel: '#finance' },
  });
const config = configWith();
/** dev1 of Payments moves to Search. */
const moved = configWith([{ match: { userEmail: 'dev1@payments.corp.com' }, team: 'search' }]);
const DAYS = eachDay('2026-03-01', '2026-03-10');
const at = (day: IsoDay) => ({ now: () => new Date(`${day}T06:00:00Z`) });

/**
 * Per-person lines: four people per team (one also on a second model, one with a zero-cost detail
 * line too), and a person in no team's domain (unallocated). `revised`: dev2 of Payments is gone
 * from 5 Mar on.
 */
function linesOf(revised = false) {
  return (day: IsoDay): VendorUsageLine[] => {
    const n = Number(day.slice(8, 10));
    const out: VendorUsageLine[] = [];
    for (const team of TEAMS)
      for (let i = 0; i < 4; i++) {
        if (revised && n >= 5 && team === 'payments' && i === 2) continue;
        const email = `dev${i}@${team}.corp.com`;
        const base = {
          date: day,
          vendor: 'cursor' as const,
          identities: { userEmail: email },
          provisional: false,
        };
        out.push({ ...base, lineItem: 'claude-4.5-sonnet', costMicros: BigInt((n * 100 + i * 7) * 10_000) });
        if (i === 0) out.push({ ...base, lineItem: 'gpt-5', costMicros: BigInt(n * 33_333) });
        if (i === 3) out.push({ ...base, lineItem: 'Cursor activity', costMicros: 0n, billable: false });
      }
    out.push({
      date: day,
      vendor: 'cursor',
      identities: { userEmail: 'contractor@elsewhere.com' },
      lineItem: 'claude-4.5-sonnet',
      costMicros: 1_234_567n,
      provisional: false,
    });
    return out;
  };
}

/** Everything a reader can see of the month: totals, lines and the cap's people, per team. */
async function readable(store: Store) {
  const out: Record<string, unknown> = {};
  for (const team of [...TEAMS, 'unallocated']) {
    const totals = await store.teamDailyTotals(team, DAYS[0] ?? '', DAYS.at(-1) ?? '');
    const lines = [];
    for (const d of DAYS) lines.push(...(await store.teamLines('cursor', d, team)));
    const days = totals.filter((t) => t.activeUsers > 0);
    const people = await store.personMonthToDate(team, '2026-03', DAYS.at(-1) ?? '', days);
    out[team] = {
      totals: totals.map((t) => [t.date, t.costMicros, t.activeUsers, t.lines]),
      lines: lines.map((l) => `${l.date} ${l.identities.userEmail} ${l.lineItem} ${l.costMicros}`).sort(),
      people: [...people].map((p) => `${p.user} ${p.micros}`).sort(),
      peopleFromLines: [...(await personCostsFromLines((s, d) => store.teamLines(s, d, team))(days))]
        .map((p) => `${p.user} ${p.micros}`)
        .sort(),
    };
  }
  return out;
}

describe('ingest from a streaming connector (issue 14)', () => {
  it('writes each day as it completes, exactly what the same answer fetched whole writes', async () => {
    // Prepare
    const fetched = (await dynamo.newStore()).store;
    const streamed = (await dynamo.newStore({ spillAfter: 5 })).store;
    const range = { from: DAYS[0] ?? '', to: DAYS.at(-1) ?? '' };

    // Act
    const [a] = await runIngest({
      config,
      store: fetched,
      connectors: [streamingConnector('cursor', linesOf(), { stream: false })],
      range,
      clock: at('2026-03-11'),
    });
    const [b] = await runIngest({
      config,
      store: streamed,
      connectors: [streamingConnector('cursor', linesOf(), { pageSize: 4 })],
      range,
      clock: at('2026-03-11'),
    });

    // Assess
    expect(b).toMatchObject({ status: 'ok', days: 10, records: a?.records, usd: a?.usd });
    expect(b?.unallocatedUsd).toBe(a?.unallocatedUsd);
    expect(b?.topUnmatched).toEqual([{ identity: 'userEmail=contractor@elsewhere.com', usd: 12.35 }]);
    const seen = await readable(streamed);
    expect(seen).toEqual(await readable(fetched));
    for (const team of TEAMS) {
      const t = seen[team] as { people: string[]; peopleFromLines: string[] };
      expect(t.people).toEqual(t.peopleFromLines);
      expect(t.people).toHaveLength(4);
    }
  });

  it('a bad page mid-day: earlier days are stored, that day and the rest keep what they had and are failed, and the next run fills them exactly', async () => {
    // Prepare: the month as first delivered, then a revision whose stream breaks on 6 Mar's 2nd page.
    const { store } = await dynamo.newStore({ spillAfter: 5 });
    const range = { from: DAYS[0] ?? '', to: DAYS.at(-1) ?? '' };
    await runIngest({
      config,
      store,
      connectors: [streamingConnector('cursor', linesOf())],
      range,
      clock: at('2026-03-11'),
    });
    const original = await readable(store);
    const expected = (await dynamo.newStore()).store;
    await runIngest({
      config,
      store: expected,
      connectors: [streamingConnector('cursor', linesOf(true))],
      range,
      clock: at('2026-03-11'),
    });

    // Act
    const [broken] = await runIngest({
      config,
      store,
      connectors: [streamingConnector('cursor', linesOf(true), { fault: { day: '2026-03-06', page: 2 } })],
      range,
      clock: at('2026-03-12'),
    });
    const mid = await readable(store);
    const manifests = await store.sourceDays('cursor', range.from, range.to);
    const [healed] = await runIngest({
      config,
      store,
      connectors: [streamingConnector('cursor', linesOf(true))],
      clock: at('2026-03-12'),
      range,
      resumeSince: '2026-03-12T06:00:00.000Z',
    });

    // Assess
    expect(broken).toMatchObject({ status: 'failed', days: 5 });
    expect(broken?.error).toMatch(/2026-03-06 page 2: data\[1\]\.chargedCents.*5 of 10 days still due/);
    expect(manifests.filter((m) => m.error).map((m) => m.date)).toEqual(eachDay('2026-03-06', '2026-03-10'));
    const payments = (mid.payments as { totals: unknown[][] }).totals;
    // 1–5 Mar as revised (dev2 gone on 5 Mar), 6–10 Mar as first delivered (four people a day).
    expect(payments.map((t) => t[2])).toEqual([4, 4, 4, 4, 3, 4, 4, 4, 4, 4]);
    const midPayments = mid.payments as { people: string[]; peopleFromLines: string[] };
    expect(midPayments.people).toEqual(midPayments.peopleFromLines);
    expect(original).not.toEqual(mid);
    // The resumed chunk fetched only the days the broken attempt had not finished.
    expect(healed).toMatchObject({ status: 'ok', daysDue: 5, days: 5 });
    expect(await readable(store)).toEqual(await readable(expected));
  });

  it('a bad page mid-day on a first pull: the rows already sent stay invisible and are deleted by the failure record, and the next run fills the days exactly', async () => {
    // Prepare: nothing stored yet; the first pull's stream breaks on 6 Mar's 3rd page, after two
    // pages of that day's rows were written under its pending generation.
    const { store, tableName } = await dynamo.newStore();
    const doc = createDocumentClient(dynamo.client);
    const range = { from: DAYS[0] ?? '', to: DAYS.at(-1) ?? '' };
    const expected = (await dynamo.newStore()).store;
    await runIngest({
      config,
      store: expected,
      connectors: [streamingConnector('cursor', linesOf())],
      range,
      clock: at('2026-03-11'),
    });

    // Act
    const [broken] = await runIngest({
      config,
      store,
      connectors: [streamingConnector('cursor', linesOf(), { fault: { day: '2026-03-06', page: 3 } })],
      range,
      clock: at('2026-03-11'),
    });
    const items = (await doc.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    const manifests = await store.sourceDays('cursor', range.from, range.to);
    const [healed] = await runIngest({
      config,
      store,
      connectors: [streamingConnector('cursor', linesOf())],
      range,
      clock: at('2026-03-11'),
      resumeSince: '2026-03-11T06:00:00.000Z',
    });

    // Assess: 1–5 Mar stored; 6 Mar on failed, with no row of its abandoned generation left.
    expect(broken).toMatchObject({ status: 'failed', days: 5 });
    expect(manifests.filter((m) => m.error).map((m) => m.date)).toEqual(eachDay('2026-03-06', '2026-03-10'));
    expect(manifests.filter((m) => m.unfinished)).toEqual([]);
    const current = new Map(manifests.map((m) => [m.date, m.generation]));
    const stray = items.filter(
      (i) =>
        (i.type === 'line' || i.type === 'teamDay' || i.type === 'peopleDay') &&
        i.generation !== current.get(i.date),
    );
    expect(stray).toEqual([]);
    expect(items.filter((i) => i.type === 'line' && i.date === '2026-03-06')).toEqual([]);
    expect(healed).toMatchObject({ status: 'ok', daysDue: 5, days: 5 });
    expect(await readable(store)).toEqual(await readable(expected));
  });

  it('per-person lines and digests carry the TTL attribute; other lines, totals and rollups never expire', async () => {
    // Prepare
    const { store, tableName } = await dynamo.newStore();
    const doc = createDocumentClient(dynamo.client);
    const lines = (day: IsoDay): VendorUsageLine[] => [
      ...linesOf()(day),
      {
        date: day,
        vendor: 'cursor',
        identities: { account: 'build-bot' },
        lineItem: 'claude-4.5-sonnet',
        costMicros: 5_000_000n,
        provisional: false,
      },
    ];

    // Act
    await runIngest({
      config,
      store,
      connectors: [streamingConnector('cursor', lines)],
      range: { from: '2026-03-02', to: '2026-03-02' },
      clock: at('2026-03-03'),
    });
    const items = (await doc.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    const ttl = await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));

    // Assess
    const expires = detailExpiresAt('2026-03-02', 13);
    expect(new Date(expires * 1000).toISOString()).toBe('2027-04-03T00:00:00.000Z');
    const byType = (type: string) => items.filter((i) => i.type === type);
    const personLines = byType('line').filter((i) => i.identities.userEmail);
    expect(personLines).toHaveLength(19);
    expect(personLines.every((i) => i.expiresAt === BigInt(expires))).toBe(true);
    expect(
      byType('line')
        .filter((i) => !i.identities.userEmail)
        .map((i) => i.expiresAt),
    ).toEqual([undefined]);
    expect(byType('peopleDay').every((i) => i.expiresAt === BigInt(expires))).toBe(true);
    for (const type of ['teamDay', 'peopleMonth', 'sourceDay'])
      expect(
        byType(type).filter((i) => i.expiresAt !== undefined),
        type,
      ).toEqual([]);
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
  });

  it('the cap reads a rollup that names each day’s current generation; without one (data from before rollups) it reads the digests and lines, with the same answer', async () => {
    // Prepare: the month, then 5–10 Mar again with dev1 of Payments attributed to Search.
    const { store, tableName } = await dynamo.newStore();
    const doc = createDocumentClient(dynamo.client);
    const range = { from: DAYS[0] ?? '', to: DAYS.at(-1) ?? '' };
    await runIngest({
      config,
      store,
      connectors: [streamingConnector('cursor', linesOf())],
      range,
      clock: at('2026-03-11'),
    });
    await runIngest({
      config: moved,
      store,
      connectors: [streamingConnector('cursor', linesOf())],
      range: { from: '2026-03-05', to: range.to },
      clock: at('2026-03-12'),
    });

    // Act
    const rollup = (
      await doc.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: {
            ':pk': keys.teamPk('search'),
            ':sk': keys.peopleMonthSk('2026-03', 'cursor'),
          },
        }),
      )
    ).Items?.[0];
    const manifests = await store.sourceDays('cursor', range.from, range.to);
    const withRollups = await readable(store);
    for (const team of TEAMS)
      await doc.send(
        new DeleteCommand({
          TableName: tableName,
          Key: { pk: keys.teamPk(team), sk: keys.peopleMonthSk('2026-03', 'cursor') },
        }),
      );
    const withoutRollups = await readable(store);

    // Assess
    expect(rollup?.applied).toEqual(Object.fromEntries(manifests.map((m) => [m.date, m.generation])));
    // dev3's only cost-bearing line costs something; its zero-cost detail line adds nothing.
    expect(Object.keys(rollup?.people ?? {}).sort()).toEqual([
      'dev0@search.corp.com',
      'dev1@payments.corp.com',
      'dev1@search.corp.com',
      'dev2@search.corp.com',
      'dev3@search.corp.com',
    ]);
    const search = withRollups.search as { people: string[]; peopleFromLines: string[] };
    const payments = withRollups.payments as { people: string[]; peopleFromLines: string[] };
    expect(search.people).toEqual(search.peopleFromLines);
    expect(payments.people).toEqual(payments.peopleFromLines);
    // 5–10 Mar in Search: (500 + … + 1000 + 6 × 7) × $0.01; 1–4 Mar stay with Payments.
    expect(search.people).toContain('dev1@payments.corp.com 45420000');
    expect(payments.people).toContain('dev1@payments.corp.com 10280000');
    expect(withoutRollups).toEqual(withRollups);
  });
});
