import { describe, expect, it } from 'vitest';
import {
  chunkRuns,
  dayAnswers,
  dayWrite,
  dueDays,
  failedDayWrite,
  summarizeCoverage,
} from '../../../functions/core/ingest/coverage.js';
import { aManifest, aRecord, deliveredDays } from '../../helpers/builders.js';

const AT = '2026-03-11T06:00:00.000Z';
const NEXT_DAY = '2026-03-12T06:00:00.000Z';

describe('what a vendor answer means for a stored day', () => {
  it('lines replace the day; an explicit empty bucket replaces it with nothing', () => {
    // Act
    const rows = dayWrite(
      aManifest('openai', '2026-03-02'),
      '2026-03-02',
      { kind: 'rows', records: [aRecord()] },
      AT,
    );
    const zero = dayWrite(aManifest('openai', '2026-03-02'), '2026-03-02', { kind: 'zero' }, AT);

    // Assess
    expect(rows).toMatchObject({ rows: [aRecord()], coverage: { status: 'complete', answer: 'rows' } });
    expect(zero).toMatchObject({ rows: [], coverage: { status: 'complete', answer: 'zero' } });
  });

  it('"nothing" over stored spend keeps the rows as suspect; the same answer on a later day confirms it', () => {
    // Prepare
    const held = aManifest('cursor', '2026-03-02', { records: 4 });

    // Act
    const first = dayWrite(held, '2026-03-02', { kind: 'nothing' }, AT);
    const sameDay = dayWrite({ ...held, ...first.coverage }, '2026-03-02', { kind: 'nothing' }, AT);
    const later = dayWrite({ ...held, ...first.coverage }, '2026-03-02', { kind: 'nothing' }, NEXT_DAY);

    // Assess
    expect(first).toMatchObject({ rows: 'keep', coverage: { status: 'suspect', emptySince: AT } });
    expect(sameDay).toMatchObject({ rows: 'keep', coverage: { status: 'suspect', emptySince: AT } });
    expect(later).toMatchObject({ rows: [], coverage: { status: 'complete', answer: 'nothing' } });
  });

  it('"nothing" for a day never stored is unconfirmed until a later run says the same', () => {
    const first = dayWrite(undefined, '2026-03-02', { kind: 'nothing' }, AT);
    const stored = aManifest('cursor', '2026-03-02', { generation: null, records: 0, ...first.coverage });
    expect(first.coverage.status).toBe('unconfirmed');
    expect(dayWrite(stored, '2026-03-02', { kind: 'nothing' }, NEXT_DAY).coverage.status).toBe('complete');
  });

  it('no bucket keeps what is stored; a failure marks only days without rows as failed', () => {
    expect(dayWrite(aManifest('openai', '2026-03-02'), '2026-03-02', { kind: 'absent' }, AT)).toMatchObject({
      rows: 'keep',
      coverage: { status: 'complete' },
    });
    expect(dayWrite(undefined, '2026-03-02', { kind: 'absent' }, AT).coverage.status).toBe('missing');
    expect(failedDayWrite(undefined, '2026-03-02', 'HTTP 500', AT).coverage).toMatchObject({
      status: 'failed',
      error: 'HTTP 500',
    });
    expect(
      failedDayWrite(aManifest('openai', '2026-03-02'), '2026-03-02', 'HTTP 500', AT).coverage,
    ).toMatchObject({ status: 'complete', error: 'HTTP 500' });
  });

  it('classifies each day of a fetch from its lines and buckets, and refuses lines outside the days asked', () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
    const answers = dayAnswers(
      days,
      [aRecord({ date: '2026-03-01' })],
      new Set(['2026-03-01', '2026-03-02']),
    );
    expect([...answers.values()].map((a) => a.kind)).toEqual(['rows', 'zero', 'absent']);
    expect([...dayAnswers(days, [], undefined).values()].map((a) => a.kind)).toEqual([
      'nothing',
      'nothing',
      'nothing',
    ]);
    expect(() => dayAnswers(days, [aRecord({ date: '2026-03-09' })], undefined)).toThrow(/outside the days/);
  });
});

describe('complete through, holes and what a run fetches', () => {
  const range = { from: '2026-01-01', to: '2026-03-10' };

  it('is the end of the unbroken run of delivered days from the start, however fresh later days are', () => {
    // Prepare: an interrupted backfill: January delivered, then only the last 3 days.
    const manifests = [
      ...deliveredDays('s', '2026-01-01', '2026-01-31'),
      ...deliveredDays('s', '2026-03-08', '2026-03-10'),
    ];

    // Act
    const c = summarizeCoverage('s', manifests, range);

    // Assess
    expect(c.completeThrough).toBe('2026-01-31');
    expect(c.holes).toEqual([{ from: '2026-02-01', to: '2026-03-07' }]);
    expect(c.missingDays).toBe(35);
  });

  it('fetches every hole and the trailing days not yet fetched today, oldest first, in runs of at most 31 days', () => {
    // Prepare
    const manifests = [
      ...deliveredDays('s', '2026-01-01', '2026-01-31'),
      ...deliveredDays('s', '2026-03-08', '2026-03-10').map((m) => ({
        ...m,
        attemptedAt: '2026-03-11T05:00:00Z',
      })),
    ];

    // Act
    const due = dueDays({ manifests, window: range, trailingDays: 7, today: '2026-03-11' });

    // Assess: the hole Feb 1 – Mar 7; the trailing days already fetched today are left alone.
    expect(chunkRuns(due, 31)).toEqual([
      { from: '2026-02-01', to: '2026-03-03' },
      { from: '2026-03-04', to: '2026-03-07' },
    ]);
  });

  it('fetches again a delivered day whose last attempt failed, even when that attempt was today', () => {
    // Prepare: January delivered; 10 Jan's re-pull failed this morning (its old rows are kept).
    const manifests = deliveredDays('s', '2026-01-01', '2026-01-31').map((m) =>
      m.date === '2026-01-10' ? { ...m, attemptedAt: '2026-02-01T05:00:00Z', error: 'HTTP 500' } : m,
    );

    // Act
    const due = dueDays({
      manifests,
      window: { from: '2026-01-01', to: '2026-01-31' },
      trailingDays: 1,
      today: '2026-02-01',
    });

    // Assess
    expect(due).toEqual(['2026-01-10', '2026-01-31']);
  });
});
