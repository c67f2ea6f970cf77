import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { shortDate, usd } from '../../core/burn-text.js';
import { isIsoDay } from '../../core/dates.js';
import { fiscalCalendarProblem, fiscalYearFromStart } from '../../core/fiscal-calendar.js';
import { daysWithoutRow, parseSpendCsv, SpendCsvError } from '../../core/forecast/csv-series.js';
import { forecastSpend } from '../../core/forecast/engine.js';
import { companyHolidays, HOLIDAY_CALENDARS } from '../../core/holidays.js';
import { CliUsageError, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { renderTable } from '../table.js';

const flagsSchema = z.object({
  csv: z.string({ error: 'is required: a date,cost_usd file' }).min(1),
  budget: flag.positiveUsd,
  // A first day every year has: not Feb 29 (it would not exist three years in four). Asked of calendar
  // days only: zod runs every check, and a day that is not one already has flag.day's message.
  'fy-start': flag.day.refine(
    (d) =>
      !isIsoDay(d) ||
      fiscalCalendarProblem({ startMonth: Number(d.slice(5, 7)), startDay: Number(d.slice(8, 10)) }) === null,
    'a fiscal year cannot start on Feb 29 (it would not exist three years in four); use 02-28 or 03-01',
  ),
  'as-of': z
    .string({ error: 'is required: one or more days, comma-separated' })
    .transform((s) => s.split(',').map((d) => d.trim()))
    .refine(
      (days) => days.length > 0 && days.every(isIsoDay),
      'must be days written YYYY-MM-DD, comma-separated',
    ),
  holidays: z
    .enum(HOLIDAY_CALENDARS, { error: `must be one of ${HOLIDAY_CALENDARS.join(', ')}` })
    .default('us'),
  json: z.boolean().optional(),
});

export const forecastSeriesCommand: CommandModule = {
  summary: 'Forecast a date,cost_usd CSV as of one or more dates (the forecast JSON contract)',
  usage:
    'burnwatch forecast-series --csv FILE --budget USD --fy-start YYYY-MM-DD --as-of D1[,D2,...] [--holidays us|none] [--json]',
  help: [
    { flag: '--csv FILE', meaning: 'a date,cost_usd file, one row per day' },
    { flag: '--budget USD', meaning: 'the annual budget' },
    { flag: '--fy-start YYYY-MM-DD', meaning: 'the first day of the fiscal year' },
    {
      flag: '--as-of D1[,D2,...]',
      meaning: 'the days to forecast as of (each uses only rows on or before it)',
    },
    { flag: '--holidays us|none', meaning: 'the holiday calendar treated like weekends', default: 'us' },
    { flag: '--json', meaning: 'print the forecast contract, one object per as-of day', default: 'a table' },
  ],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      {
        csv: { type: 'string' },
        budget: { type: 'string' },
        'fy-start': { type: 'string' },
        'as-of': { type: 'string' },
        holidays: { type: 'string' },
        json: { type: 'boolean' },
      },
      flagsSchema,
    );
    const fy = fiscalYearFromStart(flags['fy-start']);
    const outside = flags['as-of'].filter((d) => d < fy.start || d > fy.end);
    if (outside.length > 0) {
      throw new CliUsageError(
        `--as-of: ${outside.join(', ')} outside the fiscal year ${fy.start} → ${fy.end}`,
      );
    }
    const file = resolve(io.cwd, flags.csv);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CliUsageError(`--csv: cannot read ${file}`);
    }
    let daily: ReturnType<typeof parseSpendCsv>;
    try {
      daily = parseSpendCsv(text, file);
    } catch (err) {
      if (!(err instanceof SpendCsvError)) throw err;
      io.err(err.message);
      return 1;
    }
    // An absent day is read as $0: right for a day without spend, wrong for one not delivered yet.
    // Say so on stderr (stdout stays the contract), counting only days the forecasts read: of the
    // fiscal year (a row from the year before would count its whole gap; the year's own first days
    // without a row still count) and on or before the last as-of.
    const lastAsOf = [...flags['as-of']].sort().at(-1) ?? fy.start;
    const gaps = daysWithoutRow(
      daily.filter((d) => d.date <= lastAsOf),
      lastAsOf,
      fy.start,
    );
    if (gaps.length > 0) {
      const total = gaps.reduce((n, g) => n + g.days, 0);
      const shown = gaps
        .slice(0, 3)
        .map((g) => (g.days === 1 ? g.from : `${g.from} → ${g.to}`))
        .join(', ');
      io.err(
        `note: ${total} day${total === 1 ? '' : 's'} up to ${lastAsOf} ha${total === 1 ? 's' : 've'} no row (${shown}${gaps.length > 3 ? `, and ${gaps.length - 3} more gaps` : ''}) and count as $0 spend; write a 0 row for a day without spend, or forecast as of a day whose data is complete`,
      );
    }
    // The gaps above run from the first row: an as-of day before any row of the fiscal year would
    // forecast $0 with nothing said (a header-only file, a wrong --fy-start or --as-of).
    const firstRow = daily
      .filter((d) => d.date >= fy.start)
      .map((d) => d.date)
      .sort()[0];
    for (const asOf of flags['as-of'].filter((d) => firstRow === undefined || firstRow > d)) {
      io.err(
        `note: no row from ${fy.start} to ${asOf} (${firstRow ? `its first row is ${firstRow}` : daily.length ? 'the file has no rows in this fiscal year' : 'the file has no rows'}), so the forecast as of ${asOf} is $0; check --fy-start and --as-of against the file's dates`,
      );
    }
    // The built-in calendar's holidays (default `us`) dip like weekends; `--holidays none` for none.
    const holidays = companyHolidays(flags.holidays, fy.start, fy.end);
    const forecasts = flags['as-of'].map((asOf) => {
      const f = forecastSpend(
        { daily, budgetUsd: flags.budget, fiscalYear: fy, asOf, holidays },
        { band: false },
      );
      return {
        asOf: f.asOf,
        spentToDateUsd: f.spentToDateUsd,
        yearEndUsd: f.yearEndUsd,
        exhaustionDate: f.exhaustionDate,
        probabilityOfExhaustion: f.probabilityOfExhaustion,
        status: f.status,
        confidence: f.confidence,
      };
    });
    if (flags.json) {
      io.out(JSON.stringify(forecasts));
      return 0;
    }
    io.out(
      renderTable(
        [
          'As of',
          'Spent',
          'Year-end P50',
          'P10–P90',
          'Runs out P50',
          'P10–P90 dates',
          'P(exhaust)',
          'Status',
        ],
        forecasts.map((f) => [
          f.asOf,
          usd(f.spentToDateUsd),
          usd(f.yearEndUsd.p50),
          `${usd(f.yearEndUsd.p10)}–${usd(f.yearEndUsd.p90)}`,
          f.exhaustionDate.p50 ? shortDate(f.exhaustionDate.p50, f.asOf) : '—',
          f.exhaustionDate.p10
            ? `${shortDate(f.exhaustionDate.p10, f.asOf)}–${f.exhaustionDate.p90 ? shortDate(f.exhaustionDate.p90, f.asOf) : 'after year end'}`
            : '—',
          `${Math.round(f.probabilityOfExhaustion * 100)}%`,
          f.status + (f.confidence === 'low' ? ' (low confidence)' : ''),
        ]),
      ),
    );
    return 0;
  },
};
