import type { CliIO } from '../../functions/cli/io.js';
import { runCli } from '../../functions/cli/main.js';

/** Runs the CLI in-process with captured output. */
export async function runCliCaptured(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => {
      out += t.endsWith('\n') ? t : `${t}\n`;
    },
    err: (t) => {
      err += t.endsWith('\n') ? t : `${t}\n`;
    },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    interactive: false,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}
