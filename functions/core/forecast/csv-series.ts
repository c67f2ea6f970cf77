import { eachDay, type IsoDay, isIsoDay } from '../dates.js';
import type { DailySpend } from './types.js';

/** One bad line of a spend CSV, numbered as an editor shows it (header = line 1). */
export interface CsvProblem {
  readonly line: number;
  readonly message: string;
}

export class SpendCsvError extends Error {
  override readonly name = 'SpendCsvError';
  readonly code = 'SPEND_CSV_INVALID';
  constructor(
    readonly source: string,
    readonly problems: readonly CsvProblem[],
  ) {
    super(
      `${source}: ${problems.length} bad line${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')}`,
    );
  }
}

/** 1234, 1234.56, or with an exponent as spreadsheets and scripts write small or scaled values (1.5e-3). */
const AMOUNT = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The trimmed cells of one CSV line, a field quoted or not as RFC 4180 has it (`""` inside quotes is
 * a quote, a comma inside is text): R's write.csv and pandas' QUOTE_ALL quote every field, and a
 * spreadsheet quotes an amount written 1,234.50. Undefined when a quote is left open.
 */
function csvCells(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (quoted) {
      if (c !== '"') cell += c;
      else if (line[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === ',') {
      cells.push(cell.trim());
      cell = '';
    } else if (c === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else cell += c;
  }
  if (quoted) return undefined;
  cells.push(cell.trim());
  return cells;
}

/**
 * Parses `date,cost_usd` rows (any order). Every bad line is reported with its number: an
 * unparseable date, a negative, non-numeric or infinite cost, a duplicate date, a wrong column
 * count; a missing or wrong header is line 1. Blank lines are skipped.
 */
export function parseSpendCsv(text: string, source = 'CSV'): DailySpend[] {
  // CRLF (Windows), LF, or CR alone (Excel for Mac's "CSV (Macintosh)").
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const problems: CsvProblem[] = [];
  const header = (csvCells(lines[0] ?? '') ?? []).map((c) => c.toLowerCase().replace(/\s+/g, '')).join(',');
  if (header !== 'date,cost_usd') {
    problems.push({
      line: 1,
      message: `expected the header "date,cost_usd", got ${JSON.stringify(lines[0] ?? '')}`,
    });
  }
  const seen = new Map<string, number>();
  const rows: DailySpend[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '') continue;
    const line = i + 1;
    const cells = csvCells(raw);
    if (cells === undefined) {
      problems.push({ line, message: 'a quote (") is opened and not closed' });
      continue;
    }
    if (cells.length !== 2) {
      problems.push({ line, message: `expected 2 columns (date,cost_usd), got ${cells.length}` });
      continue;
    }
    const [date = '', cost = ''] = cells;
    let ok = true;
    if (!isIsoDay(date)) {
      problems.push({
        line,
        message: `date ${JSON.stringify(date)} is not a calendar day written YYYY-MM-DD`,
      });
      ok = false;
    }
    if (cost.startsWith('-') && AMOUNT.test(cost.slice(1))) {
      problems.push({ line, message: `cost_usd ${cost} is negative; spend cannot be below 0` });
      ok = false;
    } else if (!AMOUNT.test(cost)) {
      problems.push({ line, message: `cost_usd ${JSON.stringify(cost)} is not a number such as 1234.56` });
      ok = false;
    } else if (!Number.isFinite(Number(cost))) {
      // 1e400 passes the pattern but is Infinity, which the engine skips as no spend: say so instead.
      problems.push({ line, message: `cost_usd ${cost} is too large to be an amount in USD` });
      ok = false;
    }
    const first = seen.get(date);
    if (ok && first !== undefined) {
      problems.push({ line, message: `date ${date} appears again (first on line ${first})` });
      ok = false;
    }
    if (ok) {
      seen.set(date, line);
      rows.push({ date, usd: Number(cost) });
    }
  }
  if (problems.length > 0) throw new SpendCsvError(source, problems);
  return rows;
}

/**
 * Days from the first row (or from `since`, when a row is earlier) to `to` that have no row, as runs
 * of consecutive days. The engine counts an absent day as $0, which is right for a day nobody spent
 * and wrong for one whose data has not arrived: the caller says so, so a gap never passes silently as
 * zero spend. `since` is the fiscal year's first day: days before it are never read, but with rows
 * from the year before, the year's own first days without a row are read as $0.
 */
export function daysWithoutRow(
  rows: readonly DailySpend[],
  to: IsoDay,
  since?: IsoDay,
): Array<{ readonly from: IsoDay; readonly to: IsoDay; readonly days: number }> {
  const dated = new Set(rows.map((r) => r.date));
  const first = rows.reduce<IsoDay | undefined>(
    (min, r) => (min === undefined || r.date < min ? r.date : min),
    undefined,
  );
  if (first === undefined) return [];
  const start = since !== undefined && first < since ? since : first;
  if (start > to) return [];
  const runs: Array<{ from: IsoDay; to: IsoDay; days: number }> = [];
  let open: { from: IsoDay; to: IsoDay; days: number } | undefined;
  for (const day of eachDay(start, to)) {
    if (dated.has(day)) open = undefined;
    else if (open) {
      open.to = day;
      open.days += 1;
    } else {
      open = { from: day, to: day, days: 1 };
      runs.push(open);
    }
  }
  return runs;
}
