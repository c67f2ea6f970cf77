import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { isIsoDay } from '../../core/dates.js';
import type { Connector, DayRange, UsageFetch } from '../../core/ingest/connector.js';
import { usdStringToMicros } from '../../core/money.js';
import { type Identities, lineKey, type VendorUsageLine } from '../../core/usage.js';

/**
 * Spend from any other vendor, from a CSV or JSON file (docs/ingest.md). Columns / fields:
 * `date` (YYYY-MM-DD, UTC), `cost_usd` (a decimal amount, read exactly), and optionally `workspace`,
 * `project`, `api_key`, `user_email`, `tag`, `github_team`, `account` (identities for the attribution
 * rules), `line_item`, `model`, `input_tokens`, `output_tokens`. Every bad row is reported, by line.
 */
const amount = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative amount such as 12.50'));
const count = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : Number(v)))
  .pipe(z.number().int().nonnegative().optional());
const text = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const row = z.object({
  date: z.string().refine(isIsoDay, 'must be a calendar day written YYYY-MM-DD'),
  cost_usd: amount,
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
});

export class ImportFileError extends Error {
  override readonly name = 'ImportFileError';
  readonly code = 'IMPORT_INVALID';
}

/** CSV with a header row; quoted cells may contain commas. */
function parseCsv(text: string): Array<{ line: number; values: Record<string, string> }> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const split = (l: string) =>
    [...l.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)]
      .map((m) =>
        (m[1] ?? '')
          .replace(/^"(.*)"$/, '$1')
          .replace(/""/g, '"')
          .trim(),
      )
      .slice(0, -1);
  const header = split(lines[0] ?? '').map((h) => h.toLowerCase());
  const out: Array<{ line: number; values: Record<string, string> }> = [];
  for (let i = 1; i < lines.length; i++) {
    if ((lines[i] ?? '').trim() === '') continue;
    const cells = split(lines[i] ?? '');
    out.push({ line: i + 1, values: Object.fromEntries(header.map((h, j) => [h, cells[j] ?? ''])) });
  }
  return out;
}

export function createFileImportConnector(opts: { sourceId: string; path: string }): Connector {
  return {
    sourceId: opts.sourceId,
    vendor: 'other',
    async fetchUsage(range: DayRange): Promise<UsageFetch> {
      const raw = await readFile(opts.path, 'utf8').catch((err: Error) => {
        throw new ImportFileError(`${opts.sourceId}: cannot read ${opts.path} (${err.message})`);
      });
      const isJson = /\.json$/i.test(opts.path) || raw.trimStart().startsWith('[');
      let rows: Array<{ line: number; values: unknown }>;
      if (isJson) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch (err) {
          throw new ImportFileError(`${opts.path}: not valid JSON (${(err as Error).message})`);
        }
        if (!Array.isArray(parsed)) throw new ImportFileError(`${opts.path}: expected a JSON array of rows`);
        rows = parsed.map((values, i) => ({ line: i, values }));
      } else rows = parseCsv(raw);
      const problems: string[] = [];
      const byKey = new Map<string, VendorUsageLine>();
      for (const r of rows) {
        const result = row.safeParse(r.values);
        const where = isJson ? `[${r.line}]` : `line ${r.line}`;
        if (!result.success) {
          for (const issue of result.error.issues)
            problems.push(`${where}: ${issue.path.join('.') || 'row'}: ${issue.message}`);
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
          vendor: 'other',
          identities,
          lineItem: v.line_item ?? v.model ?? 'imported',
          ...(v.model ? { model: v.model } : {}),
          costMicros: usdStringToMicros(v.cost_usd),
          tokens: { input: v.input_tokens ?? 0, output: v.output_tokens ?? 0 },
          provisional: false,
        };
        const k = `${v.date}|${lineKey(line)}`;
        const prev = byKey.get(k);
        byKey.set(k, prev ? { ...prev, costMicros: prev.costMicros + line.costMicros } : line);
      }
      if (problems.length)
        throw new ImportFileError(`${opts.path}: ${problems.length} bad row(s)\n  ${problems.join('\n  ')}`);
      // A file lists the days it has; a day it leaves out is "nothing returned", not proof of zero.
      return { lines: [...byKey.values()] };
    },
  };
}
