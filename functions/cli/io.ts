/** What a command may touch of the process: injected so commands run in tests without spawning. */
export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** True when stderr is a terminal: progress bars redraw in place only then. */
  readonly interactive: boolean;
}

export interface FlagHelp {
  /** `--as-of YYYY-MM-DD`, `TEAM` */
  readonly flag: string;
  readonly meaning: string;
  /** What applies without the flag ("yesterday (UTC)"); absent for required ones. */
  readonly default?: string;
}

export interface CommandModule {
  /** One line for `burnwatch help`. */
  readonly summary: string;
  readonly usage: string;
  /** Each flag (and positional) with what it means and its default, for `--help`. */
  readonly help?: ReadonlyArray<FlagHelp>;
  /** Returns the exit code. Throwing `CliUsageError` prints it and exits 1. */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    env: process.env,
    cwd: process.cwd(),
    interactive: Boolean(process.stderr.isTTY),
  };
}

/** Progress on stderr: redraws one line on a terminal, prints every ~10% otherwise (CI logs). */
export function progress(
  io: CliIO,
  label: string,
  total: number,
): { tick(n?: number): void; set(value: number): void; done(note?: string): void } {
  let current = 0;
  let lastDecile = -1;
  const draw = () => {
    const pct = total === 0 ? 100 : Math.floor((current / total) * 100);
    if (io.interactive) {
      process.stderr.write(
        `\r${label} ${'█'.repeat(Math.floor(pct / 5)).padEnd(20, '░')} ${pct}% (${current}/${total})`,
      );
    } else if (Math.floor(pct / 10) !== lastDecile) {
      lastDecile = Math.floor(pct / 10);
      io.err(`${label} ${pct}% (${current}/${total})`);
    }
  };
  return {
    tick(n = 1) {
      current = Math.min(total, current + n);
      draw();
    },
    /** Moves to `value` (never backwards). */

    set(value) {
      current = Math.min(total, Math.max(current, value));
      draw();
    },
    done(note) {
      current = total;
      if (io.interactive) process.stderr.write('\r\x1b[2K');
      io.err(`${label} done${note ? `: ${note}` : ''}`);
    },
  };
}
