import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'burnwatch-fs-'));
function csv(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
const days = Array.from({ length: 120 }, (_, i) => {
  const d = new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
  return `${d},${(1000 + (i % 7) * 37.5).toFixed(2)}`;
});
const good = csv('good.csv', `date,cost_usd\n${[...days].reverse().join('\n')}\n`);
const base = ['forecast-series', '--budget', '300000', '--fy-start', '2026-01-01'];

describe('burnwatch forecast-series', () => {
  it('prints one contract object per as-of date, in the order given', async () => {
    const { code, out } = await runCliCaptured([
      ...base,
      '--csv',
      good,
      '--as-of',
      '2026-04-01,2026-02-01',
      '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.map((f: { asOf: string }) => f.asOf)).toEqual(['2026-04-01', '2026-02-01']);
    expect(Object.keys(result[0]).slice(0, 6)).toEqual([
      'asOf',
      'spentToDateUsd',
      'yearEndUsd',
      'exhaustionDate',
      'probabilityOfExhaustion',
      'status',
    ]);
    expect(result[1].spentToDateUsd).toBeCloseTo(
      days.slice(0, 32).reduce((a, l) => a + Number(l.split(',')[1]), 0),
      2,
    );
  });

  it('ignores rows after the as-of date: the answer is byte-identical', async () => {
    const changed = csv(
      'changed.csv',
      `date,cost_usd\n${days.map((l, i) => (i > 60 ? `${l.split(',')[0]},99999.00` : l)).join('\n')}\n`,
    );
    const a = await runCliCaptured([...base, '--csv', good, '--as-of', '2026-03-01', '--json']);
    const b = await runCliCaptured([...base, '--csv', changed, '--as-of', '2026-03-01', '--json']);
    expect(b.out).toBe(a.out);
  });

  it('refuses a fiscal year starting on Feb 29 as a bad --fy-start (exit 1), not a crash', async () => {
    const { code, err } = await runCliCaptured([
      'forecast-series',
      '--budget',
      '100000',
      '--fy-start',
      '2024-02-29',
      '--csv',
      good,
      '--as-of',
      '2024-03-01',
    ]);
    expect(code).toBe(1);
    expect(err).toContain('--fy-start: a fiscal year cannot start on Feb 29');
  });

  it.each(['2026-02-30', '2026-13-01', 'next-year'])(
    'says only that --fy-start %s is not a calendar day, not that it is Feb 29',
    async (fyStart) => {
      const { code, err } = await runCliCaptured([
        'forecast-series',
        '--budget',
        '100000',
        '--fy-start',
        fyStart,
        '--csv',
        good,
        '--as-of',
        '2026-03-01',
      ]);
      expect(code).toBe(1);
      expect(err).toContain('--fy-start: must be a calendar day written YYYY-MM-DD');
      expect(err).not.toContain('Feb 29');
    },
  );

  it('reports every bad line with its number and exits 1', async () => {
    const bad = csv(
      'bad.csv',
      [
        'date,cost_usd',
        '2026-01-01,10',
        '2026-13-01,5',
        '2026-01-03,-4',
        '2026-01-04,abc',
        '2026-01-01,7',
        '2026-01-06',
      ].join('\n'),
    );
    const { code, err } = await runCliCaptured([...base, '--csv', bad, '--as-of', '2026-02-01']);
    expect(code).toBe(1);
    expect(err).toContain('line 3: date "2026-13-01" is not a calendar day');
    expect(err).toContain('line 4: cost_usd -4 is negative');
    expect(err).toContain('line 5: cost_usd "abc" is not a number');
    expect(err).toContain('line 6: date 2026-01-01 appears again (first on line 2)');
    expect(err).toContain('line 7: expected 2 columns');
  });

  it('reads amounts written with an exponent, as scripts write scaled values', async () => {
    const plain = csv('plain.csv', 'date,cost_usd\n2026-01-01,1500\n2026-01-02,0.0015\n2026-01-03,250\n');
    const sci = csv('sci.csv', 'date,cost_usd\n2026-01-01,1.5e3\n2026-01-02,1.5E-3\n2026-01-03,.25e3\n');
    const a = await runCliCaptured([...base, '--csv', plain, '--as-of', '2026-01-03', '--json']);
    const b = await runCliCaptured([...base, '--csv', sci, '--as-of', '2026-01-03', '--json']);
    expect(b.code).toBe(0);
    expect(b.out).toBe(a.out);
  });

  it('reads lines ended by CR alone, as Excel for Mac saves "CSV (Macintosh)", and numbers them alike', async () => {
    const unix = csv('unix.csv', 'date,cost_usd\n2026-01-01,1500\n2026-01-02,250\n');
    const mac = csv('mac.csv', 'date,cost_usd\r2026-01-01,1500\r2026-01-02,250\r');
    const a = await runCliCaptured([...base, '--csv', unix, '--as-of', '2026-01-02', '--json']);
    const b = await runCliCaptured([...base, '--csv', mac, '--as-of', '2026-01-02', '--json']);
    expect(b.code).toBe(0);
    expect(b.out).toBe(a.out);
    const bad = csv('mac-bad.csv', 'date,cost_usd\r2026-01-01,1500\r2026-01-02,x\r');
    expect((await runCliCaptured([...base, '--csv', bad, '--as-of', '2026-01-02'])).err).toContain(
      'line 3: cost_usd "x" is not a number',
    );
  });

  it('refuses an amount too large to be a number rather than reading it as $0', async () => {
    const huge = csv('huge.csv', 'date,cost_usd\n2026-01-01,1e400\n2026-01-02,250\n');
    const { code, err } = await runCliCaptured([...base, '--csv', huge, '--as-of', '2026-01-02', '--json']);
    expect(code).toBe(1);
    expect(err).toContain('line 2: cost_usd 1e400 is too large');
  });

  it('says on stderr which days have no row and count as $0, leaving the contract on stdout as it was', async () => {
    // Rows for Jan 1–120 with Feb 10–14 and Mar 1 left out (a source that did not deliver).
    const holes = days.filter((l) => {
      const d = l.split(',')[0] ?? '';
      return !(d >= '2026-02-10' && d <= '2026-02-14') && d !== '2026-03-01';
    });
    const gappy = csv('gappy.csv', `date,cost_usd\n${holes.join('\n')}\n`);
    const zeros = csv(
      'zeros.csv',
      `date,cost_usd\n${days.map((l) => (holes.includes(l) ? l : `${l.split(',')[0]},0`)).join('\n')}\n`,
    );
    const gap = await runCliCaptured([...base, '--csv', gappy, '--as-of', '2026-03-15,2026-02-01', '--json']);
    const zero = await runCliCaptured([
      ...base,
      '--csv',
      zeros,
      '--as-of',
      '2026-03-15,2026-02-01',
      '--json',
    ]);
    expect(gap.code).toBe(0);
    expect(gap.err).toContain('6 days up to 2026-03-15 have no row (2026-02-10 → 2026-02-14, 2026-03-01)');
    expect(gap.err).toContain('count as $0 spend');
    expect(gap.out).toBe(zero.out);
    expect(zero.err).not.toContain('no row');
    // Gaps after the last as-of date are not this forecast's business.
    const early = await runCliCaptured([...base, '--csv', gappy, '--as-of', '2026-02-01', '--json']);
    expect(early.err).not.toContain('no row');
  });

  it('reads a file whose every field is quoted, as R write.csv and pandas QUOTE_ALL write it', async () => {
    const plain = csv('plain-q.csv', 'date,cost_usd\n2026-01-01,1500\n2026-01-02,250.5\n');
    const quoted = csv('quoted.csv', '"date","cost_usd"\n"2026-01-01","1500"\n"2026-01-02",250.5\n');
    const a = await runCliCaptured([...base, '--csv', plain, '--as-of', '2026-01-02', '--json']);
    const b = await runCliCaptured([...base, '--csv', quoted, '--as-of', '2026-01-02', '--json']);
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    expect(b.out).toBe(a.out);
  });

  it('names a quoted amount with a thousands separator as the bad cost, not as a third column', async () => {
    const grouped = csv('grouped.csv', 'date,cost_usd\n2026-01-01,"1,234.50"\n');
    const { code, err } = await runCliCaptured([...base, '--csv', grouped, '--as-of', '2026-01-02']);
    expect(code).toBe(1);
    expect(err).toContain('line 2: cost_usd "1,234.50" is not a number such as 1234.56');
  });

  it('says on stderr when an as-of day has no row in the fiscal year at all, so its $0 is not silent', async () => {
    // Prepare: a file with the header only, and one whose rows start in March
    const empty = csv('header-only.csv', 'date,cost_usd\n');
    const march = csv(
      'march.csv',
      `date,cost_usd\n${days.filter((l) => l.startsWith('2026-03')).join('\n')}\n`,
    );
    // Act
    const none = await runCliCaptured([...base, '--csv', empty, '--as-of', '2026-02-15', '--json']);
    const early = await runCliCaptured([
      ...base,
      '--csv',
      march,
      '--as-of',
      '2026-02-15,2026-03-31',
      '--json',
    ]);
    // Assess
    expect(none.code).toBe(0);
    expect(none.err).toContain(
      'note: no row from 2026-01-01 to 2026-02-15 (the file has no rows), so the forecast as of 2026-02-15 is $0',
    );
    expect(early.code).toBe(0);
    expect(early.err).toContain(
      'note: no row from 2026-01-01 to 2026-02-15 (its first row is 2026-03-01), so the forecast as of 2026-02-15 is $0',
    );
    expect(early.err).not.toContain('as of 2026-03-31 is $0');
  });

  it('counts only days of the fiscal year as having no row, not the gap before it', async () => {
    // Prepare: last year's last fiscal quarter sampled once, then every day of this year so far
    const twoYears = csv('two-years.csv', `date,cost_usd\n2025-10-01,900\n${days.join('\n')}\n`);
    // Act
    const { code, err } = await runCliCaptured([
      ...base,
      '--csv',
      twoYears,
      '--as-of',
      '2026-03-01',
      '--json',
    ]);
    // Assess
    expect(code).toBe(0);
    expect(err).not.toContain('no row');
  });

  it("still counts the first days of the fiscal year as having no row when last year's rows run up to it", async () => {
    // Prepare: every day of last December, then this year from Jan 5: Jan 1–4 are read as $0.
    const december = Array.from({ length: 31 }, (_, i) => `2025-12-${String(i + 1).padStart(2, '0')},900`);
    const late = csv(
      'late-start.csv',
      `date,cost_usd\n${december.join('\n')}\n${days.slice(4).join('\n')}\n`,
    );
    // Act
    const { code, err } = await runCliCaptured([...base, '--csv', late, '--as-of', '2026-03-01', '--json']);
    // Assess
    expect(code).toBe(0);
    expect(err).toContain('4 days up to 2026-03-01 have no row (2026-01-01 → 2026-01-04)');
  });

  it('rejects a file without the header', async () => {
    const headless = csv('headless.csv', '2026-01-01,10\n');
    const { code, err } = await runCliCaptured([...base, '--csv', headless, '--as-of', '2026-02-01']);
    expect(code).toBe(1);
    expect(err).toContain('line 1: expected the header "date,cost_usd"');
  });

  it.each([
    [['--as-of', '2026-02-30'], /--as-of: must be days written YYYY-MM-DD/],
    [['--as-of', '2027-03-01'], /--as-of: 2027-03-01 outside the fiscal year 2026-01-01 → 2026-12-31/],
    [['--as-of', '2026-02-01', '--budget=-5'], /--budget: must be a positive amount in USD/],
    [['--as-of', '2026-02-01', '--budget', '-5'], /--budget: its value starts with "-"/],
    [['--as-of', '2026-02-01', '--csv', join(dir, 'none.csv')], /--csv: cannot read/],
    [['--as-of', '2026-02-01', '--holidays', 'uk'], /--holidays: must be one of us, none/],
  ])('names the flag for %j', async (extra, expected) => {
    const argv = [...base, '--csv', good, ...extra];
    const { code, err } = await runCliCaptured(argv);
    expect(code).toBe(1);
    expect(err).toMatch(expected);
  });

  it('expects the US holidays left in the year unless told --holidays none', async () => {
    const run = async (extra: string[]) => {
      const { code, out } = await runCliCaptured([
        ...base,
        '--csv',
        good,
        '--as-of',
        '2026-04-30',
        '--json',
        ...extra,
      ]);
      expect(code).toBe(0);
      return JSON.parse(out)[0].yearEndUsd.p50 as number;
    };
    const us = await run([]);
    const none = await run(['--holidays', 'none']);
    // Eight weekday holidays from May to December (this team barely rests at weekends): some less.
    expect(none - us).toBeGreaterThan(500);
    expect(none - us).toBeLessThan(8 * 1_200);
  });
});
