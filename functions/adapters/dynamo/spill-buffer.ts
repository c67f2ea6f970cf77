import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Tag of a bigint in the spill file's JSON (a key no stored attribute uses). */
const BIGINT_TAG = '\u0000bigint';

const encode = (item: unknown) =>
  JSON.stringify(item, (_k, v) => (typeof v === 'bigint' ? { [BIGINT_TAG]: v.toString() } : v));
const decode = (line: string): Record<string, unknown> =>
  JSON.parse(line, (_k, v) =>
    v !== null && typeof v === 'object' && typeof v[BIGINT_TAG] === 'string' ? BigInt(v[BIGINT_TAG]) : v,
  );

/**
 * Items held until a day's last page has been read (so the day's content hash is known before
 * anything is written): in memory up to `memoryItems`, then appended to a scratch file in the
 * system's temp directory (Lambda's `/tmp`) and read back page by page, so a day of any size costs
 * bounded memory. `close()` removes the file.
 */
export class SpillBuffer {
  private readonly memory: Record<string, unknown>[] = [];
  private file: { dir: string; path: string; fd: number } | undefined;
  private spilled = 0;

  constructor(private readonly memoryItems = 10_000) {}

  get size(): number {
    return this.memory.length + this.spilled;
  }

  push(item: Record<string, unknown>): void {
    if (!this.file && this.memory.length < this.memoryItems) {
      this.memory.push(item);
      return;
    }
    if (!this.file) {
      const dir = mkdtempSync(join(tmpdir(), 'burnwatch-day-'));
      const path = join(dir, 'rows.jsonl');
      this.file = { dir, path, fd: openSync(path, 'w') };
    }
    writeSync(this.file.fd, `${encode(item)}\n`);
    this.spilled++;
  }

  /** Whether every item is in memory (small days are written together with other days). */
  get inMemory(): boolean {
    return !this.file;
  }

  /** The items in memory (all of them when `inMemory`). */
  held(): readonly Record<string, unknown>[] {
    return this.memory;
  }

  /** Every item, in pages of at most `size`, in the order pushed. */
  async *pages(size: number): AsyncGenerator<Record<string, unknown>[]> {
    for (let i = 0; i < this.memory.length; i += size) yield this.memory.slice(i, i + size);
    if (!this.file) return;
    closeSync(this.file.fd);
    this.file.fd = -1;
    let page: Record<string, unknown>[] = [];
    const lines = createInterface({
      input: createReadStream(this.file.path),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (!line) continue;
      page.push(decode(line));
      if (page.length >= size) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }

  close(): void {
    if (!this.file) return;
    if (this.file.fd >= 0) closeSync(this.file.fd);
    rmSync(this.file.dir, { recursive: true, force: true });
    this.file = undefined;
  }
}
