import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ImportFileError, type ImportReader } from '../vendors/file-import.js';

/** An import `path`: one CSV/JSON file, or a folder whose `.csv` and `.json` files are read in name order. */
export function localImportReader(sourceId: string, path: string): ImportReader {
  const fail = (err: Error) => {
    throw new ImportFileError(`${sourceId}: cannot read ${path} (${err.message})`);
  };
  return async () => {
    const info = await stat(path).catch(fail);
    const files = info.isDirectory()
      ? (await readdir(path).catch(fail))
          .filter((f) => /\.(csv|json)$/i.test(f))
          .sort()
          .map((f) => join(path, f))
      : [path];
    return Promise.all(files.map(async (name) => ({ name, text: await readFile(name, 'utf8').catch(fail) })));
  };
}
