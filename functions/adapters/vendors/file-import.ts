import * as z from 'zod';
import { isIsoDay } from '../../core/dates.js';
import type { Connector, DayRange, UsageFetch } from '../../core/ingest/connector.js';
import { locateJsonSyntaxError } from '../../core/json-syntax.js';
import { usdStringToMicros } from '../../core/money.js';
import {
  addTokenCounts,
  type ChargeKind,
  type Identities,
  lineKey,
  type VendorUsageLine,
} from '../../core/usage.js';
import type { Vendor } from '../../core/vendors.js';

/**
 * Spend from any other vendor, from CSV or JSON files (docs/ingest.md). Columns / fields:
 * `date` (YYYY-MM-DD, UTC), `cost_usd` (a decimal amount, read exactly), and optionally `charge`
 * (`usage`, the default; `credit` or `refund` for a negative amount), `workspace`, `project`,
 * `api_key`, `user_email`, `tag`, `github_team`, `account` (identities for the attribution rules),
 * `line_item`, `model`, `input_tokens`, `output_tokens`. Every bad row of every file is reported, by
 * file and line, and nothing is stored while any row is bad.
 */
const DECIMAL = /^-?\d+(\.\d+)?$/;
const amount = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(DECIMAL, 'must be a decimal amount such as 12.50 (or -12.50 for a credit)'));
const count = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : Number(v)))
  .pipe(z.number().int().nonnegative().optional());
const text = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const row = z
  .object({
    date: z.string().refine(isIsoDay, 'must be a calendar day written YYYY-MM-DD'),
    cost_usd: amount,
    charge: z
      .enum(['', 'usage', 'credit', 'refund'], { error: 'must be usage, credit or refund' })
      .optional()
      .transform((v) => (v === 'credit' || v === 'refund' ? v : undefined)),
    workspace: text,
    project: text,
    api_key: text,
    user_email: text,
    tag: text,
    github_team: text,
    account: text,
    line_item: text,
    model: text,
    input_tokens: count,
    output_tokens: count,
  })
  .superRefine((r, ctx) => {
    const negative = r.cost_usd.startsWith('-') && /[1-9]/.test(r.cost_usd);
    if (negative && !r.charge)
      ctx.addIssue({
        code: 'custom',
        path: ['cost_usd'],
        message: `${r.cost_usd} is negative: mark the line charge=credit or charge=refund, or give the amount as spent`,
      });
    if (r.charge && !negative)
      ctx.addIssue({
        code: 'custom',
        path: ['cost_usd'],
        message: `a ${r.charge} must be a negative amount such as -12.50 (got ${r.cost_usd})`,
      });
  });

export class ImportFileError extends Error {
  override readonly name = 'ImportFileError';
  readonly code = 'IMPORT_INVALID';
}

/** One file of an import: its name (for error messages: a path, or `s3://bucket/key`) and its text. */
export interface ImportDocument {
  readonly name: string;
  readonly text: string;
}

/** Reads every file an import source has now (a local file or folder, or the stack's drop folder). */
export type ImportReader = () => Promise<ImportDocument[]>;

/** One row of a document: where it is, its fields, and why it cannot be read as a row at all. */
interface DocumentRow {
  readonly where: string;
  readonly values: unknown;
  readonly problem?: string;
}

interface CsvRow {
  readonly line: number;
  readonly values: Record<string, string>;
  readonly problem?: string;
}

/** CSV with a header row (RFC 4180 cells: see `csvRecords`); each row names the line it starts on. */
function parseCsv(text: string): CsvRow[] {
  const [head, ...body] = csvRecords(text.replace(/^\uFEFF/, ''));
  if (head?.problem) return [{ line: head.line, values: {}, problem: head.problem }];
  const header = (head?.cells ?? []).map((h) => h.toLowerCase());
  const out: CsvRow[] = [];
  for (const { line, cells, problem } of body) {
    if (problem) {
      out.push({ line, values: {}, problem });
      continue;
    }
    if (cells.length === 1 && cells[0] === '') continue; // a blank line
    const values = Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
    // Cells past the header are not ignored: an unquoted "1,234.50" would otherwise store $1 and
    // shift every later cell into the wrong column. Empty ones are (spreadsheets pad rows with commas).
    const extra = cells.slice(header.length).some((c) => c.trim() !== '')
      ? `${cells.length} cells, but the header names ${header.length} columns (quote a cell that holds a comma; write amounts without thousands separators, such as 1234.50)`
      : undefined;
    out.push({ line, values, ...(extra ? { problem: extra } : {}) });
  }
  return out;
}

/**
 * The records of a CSV text as spreadsheets write them (RFC 4180): a quoted cell may hold commas,
 * line breaks and doubled quotes (`""`), and may have spaces around it; every cell is trimmed. A line
 * ends with CRLF, LF or CR alone (Excel for Mac's "CSV (Macintosh)"). A record split at each line
 * break instead would store half a quoted cell and misread the rest.
 */
function csvRecords(text: string): Array<{ line: number; cells: string[]; problem?: string }> {
  const out: Array<{ line: number; cells: string[]; problem?: string }> = [];
  let line = 1;
  let start = 1;
  let opened = 0;
  let quoted = false;
  let cells: string[] = [];
  let cell = '';
  const endCell = () => {
    cells.push(cell.trim());
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        // CRLF, LF or CR alone (Excel for Mac's "CSV (Macintosh)") is one line break.
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        cell += c;
      }
    } else if (c === '"' && cell.trim() === '') {
      cell = '';
      quoted = true;
      opened = line;
    } else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      // CRLF, LF or CR alone (Excel for Mac's "CSV (Macintosh)") ends a record.
      if (c === '\r' && text[i + 1] === '\n') i++;
      endCell();
      out.push({ line: start, cells });
      cells = [];
      start = ++line;
    } else cell += c;
  }
  if (quoted) out.push({ line: opened, cells: [], problem: 'a quoted cell opened here is never closed' });
  else if (cell !== '' || cells.length > 0) {
    endCell();
    out.push({ line: start, cells });
  }
  return out;
}

/** The rows of one document, each with where it is (`file line 3`, `file [2]`). */
function rowsOf(doc: ImportDocument): DocumentRow[] {
  const isJson = /\.json$/i.test(doc.name) || doc.text.trimStart().startsWith('[');
  if (!isJson)
    return parseCsv(doc.text).map(({ line, ...r }) => ({ ...r, where: `${doc.name} line ${line}` }));
  // Node's JSON.parse message quotes the text around the error (people's emails): name the position.
  const problem = locateJsonSyntaxError(doc.text);
  if (problem)
    throw new ImportFileError(
      `${doc.name}: not valid JSON at line ${problem.line}, column ${problem.column} (${problem.message})`,
    );
  const parsed: unknown = JSON.parse(doc.text);
  if (!Array.isArray(parsed)) throw new ImportFileError(`${doc.name}: expected a JSON array of rows`);
  return parsed.map((values, i) => ({ where: `${doc.name} [${i}]`, values }));
}

const CHARGE_LINE_ITEM: Record<ChargeKind, string> = { credit: 'Credit', refund: 'Refund' };

/**
 * The store keys a line by its identities and line item (`lineKey`) after a generation of about 20
 * characters, in a DynamoDB sort key of 1,024 bytes at most: a longer one fails the day's write with
 * no row named, so such a row is a bad row here.
 */
const MAX_LINE_KEY_BYTES = 960;

/**
 * The cell of a row's line key with the most bytes: an identity column, or the one that names the
 * line item (`line_item`, else `model` when the model names it).
 */
function longestKeyCell(v: z.infer<typeof row>, lineItem: string): [column: string, bytes: number] {
  const itemColumn = v.line_item === undefined && !v.charge && v.model !== undefined ? 'model' : 'line_item';
  const cells: Array<[string, string | undefined]> = [
    [itemColumn, lineItem],
    ['workspace', v.workspace],
    ['project', v.project],
    ['api_key', v.api_key],
    ['user_email', v.user_email],
    ['tag', v.tag],
    ['github_team', v.github_team],
    ['account', v.account],
  ];
  let best: [string, number] = [itemColumn, 0];
  for (const [column, value] of cells) {
    const bytes = value === undefined ? 0 : Buffer.byteLength(value, 'utf8');
    if (bytes > best[1]) best = [column, bytes];
  }
  return best;
}

export function createFileImportConnector(opts: {
  sourceId: string;
  /** The vendor the configured `vendor` names (`gemini`); every line carries it. @default 'other' */
  vendor?: Vendor;
  read: ImportReader;
}): Connector {
  const vendor = opts.vendor ?? 'other';
  return {
    sourceId: opts.sourceId,
    vendor,
    async fetchUsage(range: DayRange): Promise<UsageFetch> {
      const docs = await opts.read();
      const problems: string[] = [];
      const byKey = new Map<string, { line: VendorUsageLine; where: string; file: string }>();
      for (const r of docs.flatMap((doc) => rowsOf(doc).map((row) => ({ ...row, file: doc.name })))) {
        if (r.problem) {
          problems.push(`${r.where}: row: ${r.problem}`);
          continue;
        }
        const result = row.safeParse(r.values);
        if (!result.success) {
          for (const issue of result.error.issues)
            problems.push(`${r.where}: ${issue.path.join('.') || 'row'}: ${issue.message}`);
          continue;
        }
        const v = result.data;
        if (v.date < range.from || v.date > range.to) continue;
        const identities: Identities = Object.fromEntries(
          Object.entries({
            workspace: v.workspace,
            project: v.project,
            apiKey: v.api_key,
            userEmail: v.user_email,
            tag: v.tag,
            githubTeam: v.github_team,
            account: v.account,
          }).filter(([, x]) => x !== undefined),
        );
        const line: VendorUsageLine = {
          date: v.date,
          vendor,
          identities,
          lineItem: v.line_item ?? (v.charge ? CHARGE_LINE_ITEM[v.charge] : (v.model ?? 'imported')),
          ...(v.model ? { model: v.model } : {}),
          ...(v.charge ? { charge: v.charge } : {}),
          costMicros: usdStringToMicros(v.cost_usd),
          tokens: { input: v.input_tokens ?? 0, output: v.output_tokens ?? 0 },
          provisional: false,
        };
        const keyBytes = Buffer.byteLength(lineKey(line), 'utf8');
        if (keyBytes > MAX_LINE_KEY_BYTES) {
          // Name the cell that makes it long: a tag or project can be, and a row may have no line_item.
          const [column, bytes] = longestKeyCell(v, line.lineItem);
          problems.push(
            column === 'line_item'
              ? `${r.where}: line_item: with the identities, ${keyBytes} bytes; at most ${MAX_LINE_KEY_BYTES}: shorten the line_item`
              : `${r.where}: ${column}: with the other identities and line_item, ${keyBytes} bytes; at most ${MAX_LINE_KEY_BYTES}: shorten the ${column} (${bytes} bytes)`,
          );
          continue;
        }
        const k = `${v.date}|${lineKey(line)}`;
        const prev = byKey.get(k);
        if (!prev) {
          byKey.set(k, { line, where: r.where, file: r.file });
          continue;
        }
        // Rows of one file add up (a file may split a day's line); the same line in two files is an
        // export dropped again (renamed, or a longer period over a shorter one): summed, it would
        // count that spend twice on every run. Files that split spend (one per region) were summed
        // before and cannot be told from that, so the message names their fix too.
        if (prev.file !== r.file) {
          problems.push(
            `${r.where}: row: the same day, identities and line_item as ${prev.where}: a day's line may come from one file only: remove the older export if it is one, or, if the two files hold different spend, give each file's rows its own line_item`,
          );
          continue;
        }
        // One stored line has one model: summing another model's row into it would report that
        // spend under the first model (by model, FOCUS).
        if (prev.line.model !== line.model) {
          problems.push(
            `${r.where}: model: ${line.model ?? '(none)'}, but ${prev.where} has the same day, identities and line_item with model ${prev.line.model ?? '(none)'}: give each model its own line_item, or leave line_item empty so the model names the line`,
          );
          continue;
        }
        prev.line = {
          ...prev.line,
          costMicros: prev.line.costMicros + line.costMicros,
          tokens: addTokenCounts(prev.line.tokens, line.tokens ?? {}),
        };
      }
      if (problems.length)
        throw new ImportFileError(
          `${opts.sourceId}: ${problems.length} bad row(s)\n  ${problems.join('\n  ')}`,
        );
      // A file lists the days it has; a day it leaves out is "nothing returned", not proof of zero.
      return { lines: [...byKey.values()].map((x) => x.line) };
    },
  };
}
