import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createFileImportConnector,
  ImportFileError,
} from '../../../functions/adapters/vendors/file-import.js';

const dir = mkdtempSync(join(tmpdir(), 'burnwatch-import-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const range = { from: '2026-03-01', to: '2026-03-31' };

describe('CSV/JSON import', () => {
  it('reads CSV rows exactly, with identities for attribution, inside the window only', async () => {
    const path = file(
      'ok.csv',
      'date,cost_usd,project,line_item,model,input_tokens\n2026-03-02,12.345678,gemini-pay,"Gemini 2.5 Pro, output",gemini-2.5-pro,1000\n2026-03-02,0.000001,gemini-pay,"Gemini 2.5 Pro, output",gemini-2.5-pro,\n2026-04-01,99,gemini-pay,x,,\n',
    );
    const { lines, answeredDays } = await createFileImportConnector({ sourceId: 'gemini', path }).fetchUsage(
      range,
    );
    expect(lines).toHaveLength(1);
    // A file has no per-day buckets: a day it leaves out is not affirmed as zero.
    expect(answeredDays).toBeUndefined();
    expect(lines[0]).toMatchObject({
      date: '2026-03-02',
      identities: { project: 'gemini-pay' },
      lineItem: 'Gemini 2.5 Pro, output',
      costMicros: 12_345_679n,
    });
  });

  it('reads a JSON array of the same fields', async () => {
    const path = file(
      'ok.json',
      JSON.stringify([{ date: '2026-03-05', cost_usd: 7.5, user_email: 'a@corp.com' }]),
    );
    const [line] = (await createFileImportConnector({ sourceId: 'x', path }).fetchUsage(range)).lines;
    expect(line).toMatchObject({ costMicros: 7_500_000n, identities: { userEmail: 'a@corp.com' } });
  });

  it('reports every bad row by line and imports nothing', async () => {
    const path = file(
      'bad.csv',
      'date,cost_usd\n2026-03-01,5\n2026-02-30,5\n2026-03-03,-2\n2026-03-04,abc\n',
    );
    const run = createFileImportConnector({ sourceId: 'x', path }).fetchUsage(range);
    await expect(run).rejects.toBeInstanceOf(ImportFileError);
    await expect(createFileImportConnector({ sourceId: 'x', path }).fetchUsage(range)).rejects.toThrow(
      /3 bad row\(s\)[\s\S]*line 3: date: must be a calendar day[\s\S]*line 4: cost_usd: must be a non-negative amount[\s\S]*line 5: cost_usd/,
    );
  });
});
