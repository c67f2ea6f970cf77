import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { MarshalledItem } from './attribute-values.js';

/** Characters of spilled items gathered before they are appended to the scratch file. */
const FLUSH_CHARS = 1 << 20;
/**
 * Items (in DynamoDB's wire form: strings all the way down, so a line of the scratch file is plain
 * JSON) held until a day's last page has been read (so the day's content hash is known before
 * anything is written): in memory up to `memoryItems`, then appended to a scratch file in the
 * system's temp directory (Lambda's `/tmp`) and read back page by page, so a day of any size costs
 * bounded memory. `close()` removes the file.
 */
export class SpillBuffer {
  private readonly memory: MarshalledItem[] = [];
  private file: { dir: string; path: string; fd: number } | undefined;
  private spilled = 0;
  private pending = '';

  constructor(private readonly memoryItems = 10_000) {}

  get size(): number {
    return this.memory.length + this.spilled;
  }

  push(item: MarshalledItem): void {
    if (!this.file && this.memory.length < this.memoryItems) {
      this.memory.push(item);
      return;
    }
    if (!this.file) {
      const dir = mkdtempSync(join(tmpdir(), 'burnwatch-day-'));
      const path = join(dir, 'rows.jsonl');
      this.file = { dir, path, fd: openSync(path, 'w') };
    }
    this.pending += `${JSON.stringify(item)}\n`;
    this.spilled++;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
  }

  /** Appends what is buffered to the scratch file (one write per ~1 MB, not one per item). */
  private flush(): void {
    if (!this.file || !this.pending) return;
    writeSync(this.file.fd, this.pending);
    this.pending = '';
  }

  /** Whether every item is in memory (small days are written together with other days). */
  get inMemory(): boolean {
    return !this.file;
  }

  /** The items in memory (all of them when `inMemory`). */
  held(): readonly MarshalledItem[] {
    return this.memory;
  }

  /** Every item, in pages of at most `size`, in the order pushed. */
  async *pages(size: number): AsyncGenerator<MarshalledItem[]> {
    for (let i = 0; i < this.memory.length; i += size) yield this.memory.slice(i, i + size);
    if (!this.file) return;
    this.flush();
    closeSync(this.file.fd);
    this.file.fd = -1;
    let page: MarshalledItem[] = [];
    const lines = createInterface({
      input: createReadStream(this.file.path),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (!line) continue;
      page.push(JSON.parse(line) as MarshalledItem);
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
