import { parseConfig } from '../../functions/core/config/load.js';
import type { BurnwatchConfig } from '../../functions/core/config/schema.js';
import { dayOfWeek, eachDay, type IsoDay } from '../../functions/core/dates.js';
import type { Connector, UsageBatch } from '../../functions/core/ingest/connector.js';
import type { VendorUsageLine } from '../../functions/core/usage.js';

/**
 * The synthetic organisation `bench:scale` measures: 200 teams, N engineers spread evenly over them,
 * an OpenAI-shaped team-level source (one project per team) carrying the fiscal year's history, and
 * a per-user source (Cursor-shaped lines: one per engineer and day, email identity, attributed by
 * domain) that starts on 1 March. About 1.5% of engineers spend past a $1,500 monthly cap.
 */
export const TEAMS = 200;
export const PER_USER_FROM = '2026-03-01';
export const FISCAL_START = '2026-01-01';

const teamId = (t: number) => `team-${String(t).padStart(3, '0')}`;

export function scaleConfig(engineers: number, cap: boolean): BurnwatchConfig {
  return parseConfig({
    organization: { name: `Bench ${engineers}` },
    fiscalYear: { startMonth: 1, startDay: 1 },
    holidayCalendar: 'none',
    teams: Array.from({ length: TEAMS }, (_, t) => ({
      id: teamId(t),
      name: `Team ${t}`,
      annualBudgetUsd: 2_000_000 + t * 10_000,
      headcount: Math.ceil(engineers / TEAMS),
      slackChannel: '#bench',
    })),
    sources: [
      {
        id: 'openai',
        type: 'openai',
        secretName: 'bench/openai',
        attribution: Array.from({ length: TEAMS }, (_, t) => ({
          match: { project: `proj_${t}` },
          team: teamId(t),
        })),
      },
      {
        id: 'cursor',
        type: 'cursor',
        secretName: 'bench/cursor',
        attribution: Array.from({ length: TEAMS }, (_, t) => ({
          match: { userEmail: `*@team${t}.corp.example` },
          team: teamId(t),
        })),
      },
    ],
    alerts: cap ? { perEngineerMonthlyCapUsd: 1_500 } : {},
    finance: { slackChannel: '#finance' },
  });
}

/** Deterministic 0 ≤ x < 1 per (engineer, day). */
function unit(i: number, day: IsoDay): number {
  let h = 2166136261 ^ i;
  for (let k = 0; k < day.length; k++) h = Math.imul(h ^ day.charCodeAt(k), 16777619);
  return ((h >>> 0) % 1_000_000) / 1_000_000;
}

/** One engineer's line for a day: $5–25 a day, a heavy user (1.5%) $70–90. */
function engineerLine(i: number, day: IsoDay, provisional: boolean, revised: boolean): VendorUsageLine {
  const heavy = i % 67 === 0;
  const weekend = dayOfWeek(day) === 0 || dayOfWeek(day) === 6;
  const usd = (heavy ? 70 : 5) + unit(i, day) * 20;
  const cents = Math.round(usd * (weekend ? 30 : 100) * (revised ? 1.01 : 1));
  return {
    date: day,
    vendor: 'cursor',
    identities: { userEmail: `dev${i}@team${i % TEAMS}.corp.example` },
    lineItem: 'claude-4.5-sonnet',
    model: 'claude-4.5-sonnet',
    costMicros: BigInt(cents) * 10_000n,
    tokens: { input: 40_000 + (i % 997), output: 3_000 },
    provisional,
  };
}

/**
 * The per-user vendor: answers each day in pages of `pageSize` lines in day order (a streaming
 * connector), every day affirmed; nothing before 1 March. Days from `today` on are provisional;
 * `revise` raises 5% of that day's lines by 1% (late events the vendor adds a day later).
 */
export function perUserConnector(
  engineers: number,
  opts: { today: IsoDay; revise?: IsoDay; pageSize?: number },
): Connector {
  const pageSize = opts.pageSize ?? 1_000;
  const linesOf = (day: IsoDay, from: number, to: number) => {
    const out: VendorUsageLine[] = [];
    if (day < PER_USER_FROM) return out;
    for (let i = from; i < to; i++)
      out.push(engineerLine(i, day, day >= opts.today, day === opts.revise && i % 20 === 0));
    return out;
  };
  return {
    sourceId: 'cursor',
    vendor: 'cursor',
    async fetchUsage(range) {
      const days = eachDay(range.from, range.to);
      return { lines: days.flatMap((d) => linesOf(d, 0, engineers)), answeredDays: new Set(days) };
    },
    async *streamUsage(range): AsyncGenerator<UsageBatch> {
      for (const date of eachDay(range.from, range.to)) {
        if (date < PER_USER_FROM) {
          yield { date, lines: [], answered: true };
          continue;
        }
        for (let i = 0; i < engineers; i += pageSize)
          yield { date, lines: linesOf(date, i, Math.min(engineers, i + pageSize)), answered: true };
      }
    },
  };
}

/** The team-level vendor: one line per team and day, a steady growth with weekly rhythm. */
export function teamConnector(): Connector {
  return {
    sourceId: 'openai',
    vendor: 'openai',
    async fetchUsage(range) {
      const days = eachDay(range.from, range.to);
      const lines = days.flatMap((date, d) =>
        Array.from({ length: TEAMS }, (_, t): VendorUsageLine => {
          const weekend = dayOfWeek(date) === 0 || dayOfWeek(date) === 6;
          const usd = (300 + t * 5 + d * 2) * (weekend ? 0.3 : 1) * (1 + 0.1 * unit(t, date));
          return {
            date,
            vendor: 'openai',
            identities: { project: `proj_${t}` },
            lineItem: 'gpt-5',
            model: 'gpt-5',
            costMicros: BigInt(Math.round(usd * 100)) * 10_000n,
            provisional: false,
          };
        }),
      );
      return { lines, answeredDays: new Set(days) };
    },
  };
}
