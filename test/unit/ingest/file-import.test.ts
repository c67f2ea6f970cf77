import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localImportReader } from '../../../functions/adapters/imports/local-files.js';
import {
  createFileImportConnector,
  ImportFileError,
} from '../../../functions/adapters/vendors/file-import.js';
import { sumMicros } from '../../../functions/core/money.js';

const dir = mkdtempSync(join(tmpdir(), 'burnwatch-import-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const range = { from: '2026-03-01', to: '2026-03-31' };
const importer = (path: string, vendor?: string) =>
  createFileImportConnector({
    sourceId: 'x',
    read: localImportReader('x', path),
    ...(vendor ? { vendor } : {}),
  });

describe('CSV/JSON import', () => {
  it('reads CSV rows exactly, with identities for attribution, inside the window only', async () => {
    const path = file(
      'ok.csv',
      'date,cost_usd,project,line_item,model,input_tokens\n2026-03-02,12.345678,gemini-pay,"Gemini 2.5 Pro, output",gemini-2.5-pro,1000\n2026-03-02,0.000001,gemini-pay,"Gemini 2.5 Pro, output",gemini-2.5-pro,\n2026-04-01,99,gemini-pay,x,,\n',
    );
    const { lines, answeredDays } = await importer(path).fetchUsage(range);
    expect(lines).toHaveLength(1);
    // A file has no per-day buckets: a day it leaves out is not affirmed as zero.
    expect(answeredDays).toBeUndefined();
    expect(lines[0]).toMatchObject({
      date: '2026-03-02',
      vendor: 'other',
      identities: { project: 'gemini-pay' },
      lineItem: 'Gemini 2.5 Pro, output',
      costMicros: 12_345_679n,
    });
  });

  it('adds up the cost and the tokens of rows with the same day, identity and line item', async () => {
    const path = file(
      'merge.csv',
      'date,cost_usd,project,model,input_tokens,output_tokens\n2026-03-02,1.00,proj_a,gemini-2.5-pro,1000,100\n2026-03-02,2.00,proj_a,gemini-2.5-pro,2000,200\n',
    );
    const { lines } = await importer(path).fetchUsage(range);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.costMicros).toBe(3_000_000n);
    expect(lines[0]?.tokens).toMatchObject({ input: 3000, output: 300 });
  });

  it('reads a JSON array of the same fields', async () => {
    const path = file(
      'ok.json',
      JSON.stringify([{ date: '2026-03-05', cost_usd: 7.5, user_email: 'a@corp.com' }]),
    );
    const [line] = (await importer(path).fetchUsage(range)).lines;
    expect(line).toMatchObject({ costMicros: 7_500_000n, identities: { userEmail: 'a@corp.com' } });
  });

  it('puts the configured vendor on every line (issue 16: a Gemini import is not "Other")', async () => {
    const path = file('gemini.csv', 'date,cost_usd,project\n2026-03-02,10,gemini-pay\n');
    const connector = importer(path, 'gemini');
    const { lines } = await connector.fetchUsage(range);
    expect(connector.vendor).toBe('gemini');
    expect(lines.map((l) => l.vendor)).toEqual(['gemini']);
  });

  it('keeps a refund and a credit as negative lines of their own that reduce the day exactly', async () => {
    const path = file(
      'refund.csv',
      'date,cost_usd,charge,project,line_item\n2026-03-02,100.00,,p,Gemini API\n2026-03-02,-12.34,refund,p,Gemini API\n2026-03-02,-0.01,credit,p,\n',
    );
    const { lines } = await importer(path, 'gemini').fetchUsage(range);
    expect(lines.map((l) => [l.lineItem, l.charge, l.costMicros])).toEqual([
      ['Gemini API', undefined, 100_000_000n],
      ['Gemini API', 'refund', -12_340_000n],
      ['Credit', 'credit', -10_000n],
    ]);
    expect(sumMicros(lines.map((l) => l.costMicros))).toBe(87_650_000n);
  });

  it('reads every CSV and JSON file of a folder, in name order, naming the file of each bad row', async () => {
    const folder = join(dir, 'drop');
    mkdirSync(folder);
    writeFileSync(join(folder, '2026-03.csv'), 'date,cost_usd\n2026-03-01,5\n');
    writeFileSync(join(folder, '2026-04.json'), JSON.stringify([{ date: '2026-03-09', cost_usd: 'x' }]));
    writeFileSync(join(folder, 'README.txt'), 'not read');
    await expect(importer(folder).fetchUsage(range)).rejects.toThrow(
      /1 bad row\(s\)\n {2}.*2026-04\.json \[0\]: cost_usd: must be a decimal amount/,
    );
  });

  it('reports every bad row by line and imports nothing', async () => {
    const path = file(
      'bad.csv',
      'date,cost_usd,charge\n2026-03-01,5,\n2026-02-30,5,\n2026-03-03,-2,\n2026-03-04,abc,\n2026-03-05,3,refund\n2026-03-06,-1,rebate\n',
    );
    await expect(importer(path).fetchUsage(range)).rejects.toBeInstanceOf(ImportFileError);
    await expect(importer(path).fetchUsage(range)).rejects.toThrow(
      /5 bad row\(s\)[\s\S]*line 3: date: must be a calendar day[\s\S]*line 4: cost_usd: -2 is negative: mark the line charge=credit or charge=refund[\s\S]*line 5: cost_usd[\s\S]*line 6: cost_usd: a refund must be a negative amount[\s\S]*line 7: charge: must be usage, credit or refund/,
    );
  });

  it('refuses a CSV row with more cells than the header instead of shifting its amount away', async () => {
    // An unquoted thousands separator splits $1,234.50 into "1" and "234.50": read by position, the
    // row would store $1 with a workspace of "234.50" and drop its last cell.
    const path = file(
      'extra.csv',
      'date,cost_usd,workspace\n2026-03-02,1,234.50,wrkspc_a\n2026-03-03,2,wrkspc_a\n',
    );
    await expect(importer(path).fetchUsage(range)).rejects.toThrow(
      /1 bad row\(s\)\n {2}.*extra\.csv line 2: row: 4 cells, but the header names 3 columns/,
    );
  });

  it('reads a row padded with empty cells past the header (as spreadsheets write it) as the row', async () => {
    // Prepare
    const path = file('padded.csv', 'date,cost_usd,workspace\n2026-03-02,12.5,wrkspc_a,,\n');
    // Act
    const { lines } = await importer(path).fetchUsage(range);
    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]?.costMicros).toBe(12_500_000n);
  });

  it('refuses rows of one line item that name different models instead of adding one model to the other', async () => {
    // Summed into one line, the flash row's $1 would be reported (by model, in FOCUS) as gemini-2.5-pro.
    const path = file(
      'models.csv',
      'date,cost_usd,line_item,model\n2026-03-02,5,Gemini API,gemini-2.5-pro\n2026-03-02,1,Gemini API,gemini-2.5-flash\n',
    );
    await expect(importer(path).fetchUsage(range)).rejects.toThrow(
      /1 bad row\(s\)\n {2}.*models\.csv line 3: model: gemini-2\.5-flash, but .*models\.csv line 2 has the same day, identities and line_item with model gemini-2\.5-pro/,
    );
  });

  it('reads quoted cells as CSV writes them: line breaks and doubled quotes inside, spaces around', async () => {
    // A spreadsheet writes a line item holding a line break across two lines, inside quotes.
    const path = file(
      'quoted.csv',
      'date,cost_usd,line_item,project\r\n2026-03-02,5.00,"Gemini API\r\n(March, ""batch"")",p1\r\n2026-03-03, "1234.50" ,"x, y",p1\r\n2026-03-04,oops,y,p1\r\n',
    );
    await expect(importer(path).fetchUsage(range)).rejects.toThrow(
      /1 bad row\(s\)\n {2}.*quoted\.csv line 5: cost_usd: must be a decimal amount/,
    );
    writeFileSync(
      path,
      'date,cost_usd,line_item,project\n2026-03-02,5.00,"Gemini API\n(March, ""batch"")",p1\n2026-03-03, "1234.50" ,"x, y",p1\n',
    );
    const { lines } = await importer(path).fetchUsage(range);
    expect(lines.map((l) => [l.date, l.lineItem, l.costMicros, l.identities])).toEqual([
      ['2026-03-02', 'Gemini API\n(March, "batch")', 5_000_000n, { project: 'p1' }],
      ['2026-03-03', 'x, y', 1_234_500_000n, { project: 'p1' }],
    ]);
  });

  it('reads a CSV whose lines end with CR alone (Excel for Mac "CSV (Macintosh)"), numbering its lines', async () => {
    // Such a file was one record (its header) and imported nothing, without a word; forecast-series
    // reads it (babde76), and so must the import.
    const path = file(
      'mac.csv',
      'date,cost_usd,project,line_item\r2026-03-02,12.50,p1,"two\rlines"\r2026-03-03,1.00,p1,x\r',
    );
    const { lines } = await importer(path).fetchUsage(range);
    expect(lines.map((l) => [l.date, l.lineItem, l.costMicros])).toEqual([
      ['2026-03-02', 'two\rlines', 12_500_000n],
      ['2026-03-03', 'x', 1_000_000n],
    ]);
    writeFileSync(path, 'date,cost_usd,project\r2026-03-02,12.50,p1\r2026-03-03,oops,p1\r');
    await expect(importer(path).fetchUsage(range)).rejects.toThrow(
      /mac\.csv line 3: cost_usd: must be a decimal/,
    );
  });

  it('names the line of a quoted cell that is never closed', async () => {
    const path = file('open.csv', 'date,cost_usd,line_item\n2026-03-02,5,"Gemini API\n2026-03-03,5,x\n');
    await expect(importer(path).fetchUsage(range)).rejects.toThrow(
      /open\.csv line 2: row: a quoted cell opened here is never closed/,
    );
  });

  it('refuses a line that two files both hold (an export dropped again, renamed) instead of counting it twice', async () => {
    // Prepare: the first half of March, then the whole month re-exported beside it.
    const folder = join(dir, 'again');
    mkdirSync(folder);
    writeFileSync(join(folder, 'march-1-15.csv'), 'date,cost_usd,project\n2026-03-02,10.00,p1\n');
    writeFileSync(
      join(folder, 'march.csv'),
      'date,cost_usd,project\n2026-03-02,10.00,p1\n2026-03-02,1.00,p2\n2026-03-20,4.00,p1\n',
    );
    // Act / Assess
    await expect(importer(folder).fetchUsage(range)).rejects.toThrow(
      /1 bad row\(s\)\n {2}.*march\.csv line 2: row: the same day, identities and line_item as .*march-1-15\.csv line 2/,
    );
  });

  it('names the fix for two files that split a day\'s spend between them (per region), not only "remove the older export"', async () => {
    // Prepare: one export per region, same project and no line_item: summed until 338d96d, now refused;
    // removing either file would lose its spend, so the message must say how to keep both.
    const folder = join(dir, 'regions');
    mkdirSync(folder);
    writeFileSync(join(folder, 'eu.csv'), 'date,cost_usd,project\n2026-03-02,10.00,p1\n');
    writeFileSync(join(folder, 'us.csv'), 'date,cost_usd,project\n2026-03-02,25.00,p1\n');
    // Act / Assess
    await expect(importer(folder).fetchUsage(range)).rejects.toThrow(
      /us\.csv line 2: row: the same day, identities and line_item as .*eu\.csv line 2: .*remove the older export.*or, if the two files hold different spend, give each file's rows its own line_item/,
    );
  });

  it('refuses a row whose line item and identities are too long to key a stored line', async () => {
    // The store keys each line by its identities and line item (a DynamoDB sort key: 1,024 bytes at
    // most); past that the write fails mid-ingest with no row named.
    const path = file(
      'long.csv',
      `date,cost_usd,project,line_item\n2026-03-02,5,p1,${'é'.repeat(500)}\n2026-03-03,5,p1,ok\n`,
    );
    await expect(importer(path).fetchUsage(range)).rejects.toThrow(
      /1 bad row\(s\)\n {2}.*long\.csv line 2: line_item: with the identities, \d+ bytes; at most 960/,
    );
  });

  it('names the long cell, not the line_item, when an identity makes the line key too long', async () => {
    // Prepare: a cost-allocation tag of 1,000 characters; the row has no line_item at all.
    const path = file(
      'long-tag.csv',
      `date,cost_usd,tag,model\n2026-03-02,5,${'t'.repeat(1000)},gemini-2.5-pro\n`,
    );
    // Act / Assess
    await expect(importer(path).fetchUsage(range)).rejects.toThrow(
      /long-tag\.csv line 2: tag: with the other identities and line_item, \d+ bytes; at most 960: shorten the tag \(1000 bytes\)/,
    );
  });
});
