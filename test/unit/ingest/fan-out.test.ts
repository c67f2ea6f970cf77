import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import {
  chunkRange,
  chunksInFlight,
  configuredHeadcount,
  dailyRunFansOut,
  planSourceChunks,
} from '../../../functions/core/ingest/fan-out.js';

const configWith = (headcounts: number[], ingest?: Record<string, number>) =>
  parseConfig({
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 4, startDay: 1 },
    teams: headcounts.map((h, i) => ({ id: `t${i}`, name: `T${i}`, annualBudgetUsd: 1000, headcount: h })),
    sources: [
      { id: 'cursor', type: 'cursor', secretName: 'c' },
      { id: 'oa', type: 'openai', secretName: 'o', maxConcurrentChunks: 5 },
    ],
    finance: { slackChannel: '#finance' },
    ...(ingest ? { ingest } : {}),
  });

describe('the fan-out plan (issue 14)', () => {
  it('cuts a window into chunks that cover every day once, the last one shorter', () => {
    expect(chunkRange({ from: '2026-02-26', to: '2026-03-10' }, 7)).toEqual([
      { from: '2026-02-26', to: '2026-03-04' },
      { from: '2026-03-05', to: '2026-03-10' },
    ]);
    expect(chunkRange({ from: '2026-03-01', to: '2026-03-14' }, 7)).toHaveLength(2);
    expect(chunkRange({ from: '2026-03-01', to: '2026-03-01' }, 7)).toEqual([
      { from: '2026-03-01', to: '2026-03-01' },
    ]);
    // A fiscal year from April: 53 weekly chunks, the last of one day.
    const year = chunkRange({ from: '2026-04-01', to: '2027-03-31' }, 7);
    expect(year).toHaveLength(53);
    expect(year.at(-1)).toEqual({ from: '2027-03-31', to: '2027-03-31' });
    expect(() => chunkRange({ from: '2026-03-01', to: '2026-03-02' }, 0)).toThrow(/chunkDays/);
  });

  it('plans a backfill in ingest.chunkDays chunks and the daily run as one item asking for what is due', () => {
    const config = configWith([10], { chunkDays: 10 });
    expect(planSourceChunks(config, 'cursor', { from: '2026-03-01', to: '2026-03-25' })).toEqual([
      { source: 'cursor', from: '2026-03-01', to: '2026-03-10' },
      { source: 'cursor', from: '2026-03-11', to: '2026-03-20' },
      { source: 'cursor', from: '2026-03-21', to: '2026-03-25' },
    ]);
    expect(planSourceChunks(config, 'cursor')).toEqual([{ source: 'cursor' }]);
    expect(() => planSourceChunks(config, 'gone')).toThrow(/no source "gone"/);
  });

  it('runs a source’s chunks at its vendor’s default concurrency unless the config says', () => {
    const [cursor, openai] = configWith([10]).sources;
    expect(cursor && chunksInFlight(cursor)).toBe(1);
    expect(openai && chunksInFlight(openai)).toBe(5);
  });

  it('moves the daily run onto the state machine only above the configured headcount', () => {
    expect(configuredHeadcount(configWith([12_000, 8_000]))).toBe(20_000);
    expect(dailyRunFansOut(configWith([12_000, 8_000]))).toBe(false);
    expect(dailyRunFansOut(configWith([12_000, 8_001]))).toBe(true);
    expect(dailyRunFansOut(configWith([300], { fanOutAboveHeadcount: 299 }))).toBe(true);
  });
});
