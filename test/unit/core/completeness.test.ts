import { describe, expect, it } from 'vitest';
import { assessCompleteness } from '../../../functions/core/completeness.js';
import { eachDay } from '../../../functions/core/dates.js';
import { summarizeCoverage } from '../../../functions/core/ingest/coverage.js';
import { aTotal, deliveredDays } from '../../helpers/builders.js';

const SETTINGS = { incompleteAfterDays: 3, materialSourceShare: 0.1 };
const range = { from: '2026-03-01', to: '2026-03-31' };

describe('estimated days', () => {
  it('estimates a silent source from the team’s own recent level with it, working days and weekends apart', () => {
    // Prepare: OpenAI delivered through 27 Mar: $100 a working day, $20 on weekends. Cursor is complete.
    const openaiDays = eachDay('2026-03-01', '2026-03-27');
    const weekend = (d: string) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
    const totals = [
      ...openaiDays.map((d) => aTotal(d, weekend(d) ? 20 : 100, { vendor: 'openai' })),
      ...eachDay('2026-03-01', '2026-03-31').map((d) => aTotal(d, 50, { vendor: 'cursor' })),
    ];
    const coverage = [
      {
        ...summarizeCoverage('openai', deliveredDays('openai', '2026-03-01', '2026-03-27'), range),
        vendor: 'openai',
      },
      {
        ...summarizeCoverage('cursor', deliveredDays('cursor', '2026-03-01', '2026-03-31'), range),
        vendor: 'cursor',
      },
    ];

    // Act
    const c = assessCompleteness({
      totals,
      coverage,
      asOf: '2026-03-31',
      holidays: new Set(),
      settings: SETTINGS,
    });

    // Assess: 28–31 Mar are Sat, Sun, Mon, Tue: 20 + 20 + 100 + 100.
    expect(c.sources).toEqual([
      expect.objectContaining({
        source: 'openai',
        completeThrough: '2026-03-27',
        estimatedDays: 4,
        estimatedUsd: 240,
      }),
      expect.objectContaining({
        source: 'cursor',
        completeThrough: '2026-03-31',
        estimatedDays: 0,
        estimatedUsd: 0,
      }),
    ]);
    expect([...c.estimatedDaily]).toEqual([
      ['2026-03-28', 20],
      ['2026-03-29', 20],
      ['2026-03-30', 100],
      ['2026-03-31', 100],
    ]);
    // OpenAI is material (well over 10% of the team's spend) and 4 days behind, more than 3.
    expect(c.status).toBe('incomplete');
    expect(c.estimateSdUsd).toBeGreaterThan(0);
  });

  it('a source behind by no more than the allowance, or not material, is estimated but not incomplete', () => {
    const totals = [
      ...eachDay('2026-03-01', '2026-03-29').map((d) => aTotal(d, 2, { vendor: 'openai' })),
      ...eachDay('2026-03-01', '2026-03-31').map((d) => aTotal(d, 100, { vendor: 'cursor' })),
    ];
    const coverage = [
      {
        ...summarizeCoverage('openai', deliveredDays('openai', '2026-03-01', '2026-03-20'), range),
        vendor: 'openai',
      },
      {
        ...summarizeCoverage('cursor', deliveredDays('cursor', '2026-03-01', '2026-03-31'), range),
        vendor: 'cursor',
      },
    ];
    const c = assessCompleteness({
      totals,
      coverage,
      asOf: '2026-03-31',
      holidays: new Set(),
      settings: SETTINGS,
    });
    expect(c.sources[0]).toMatchObject({ estimatedDays: 11, material: false });
    expect(c.status).toBe('estimated');
  });

  it('a source that has delivered nothing this fiscal year is unknown spend, not $0: the team is incomplete', () => {
    // Prepare: the year began 1 Jan; OpenAI has failed every day since (an expired key), Cursor is fine.
    const year = { from: '2026-01-01', to: '2026-01-10' };
    const totals = eachDay(year.from, year.to).map((d) => aTotal(d, 50, { vendor: 'cursor' }));
    const coverage = [
      { ...summarizeCoverage('openai', [], year), vendor: 'openai' },
      { ...summarizeCoverage('cursor', deliveredDays('cursor', year.from, year.to), year), vendor: 'cursor' },
    ];

    // Act
    const c = assessCompleteness({
      totals,
      coverage,
      asOf: year.to,
      holidays: new Set(),
      settings: SETTINGS,
    });

    // Assess
    expect(c.status).toBe('incomplete');
    expect(c.sources.find((s) => s.source === 'openai')).toMatchObject({
      estimatedDays: 10,
      estimatedUsd: 0,
      material: true,
    });
  });

  it('a source that delivers but that the team never spends with does not count for it', () => {
    const year = { from: '2026-01-01', to: '2026-01-10' };
    const totals = eachDay(year.from, year.to).map((d) => aTotal(d, 50, { vendor: 'cursor' }));
    const coverage = [
      {
        ...summarizeCoverage('openai', deliveredDays('openai', year.from, '2026-01-05'), year),
        vendor: 'openai',
      },
      { ...summarizeCoverage('cursor', deliveredDays('cursor', year.from, year.to), year), vendor: 'cursor' },
    ];
    const c = assessCompleteness({
      totals,
      coverage,
      asOf: year.to,
      holidays: new Set(),
      settings: SETTINGS,
    });
    expect(c.status).toBe('complete');
    expect(c.sources.map((s) => s.source)).toEqual(['cursor']);
  });
});
