import type { FocusRow } from './check.js';

/**
 * A cell as RFC 4180 writes it: quoted when it holds a comma, quote or line break, or starts or ends
 * with a space (readers that trim unquoted fields keep a vendor's spacing then); null is empty.
 */
function cell(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The rows as CSV with a header row (CRLF line ends, as RFC 4180 has them). */
export function toCsv(header: readonly string[], rows: readonly FocusRow[]): string {
  const lines = [header.join(','), ...rows.map((r) => header.map((h) => cell(r[h] ?? null)).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** CSV text back into rows (an empty cell reads as null): what a FinOps tool reading the file sees. */
export function fromCsv(text: string): { header: string[]; rows: FocusRow[] } {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    record.push(wasQuoted || field !== '' ? field : '\u0000');
    field = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') endField();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endField();
      records.push(record);
      record = [];
    } else field += ch;
  }
  if (field !== '' || record.length) {
    endField();
    records.push(record);
  }
  const [header = [], ...body] = records;
  const names = header.map((h) => (h === '\u0000' ? '' : h));
  return {
    header: names,
    rows: body.map((r) =>
      Object.fromEntries(
        names.map((h, j) => [h, r[j] === undefined || r[j] === '\u0000' ? null : (r[j] ?? null)]),
      ),
    ),
  };
}
