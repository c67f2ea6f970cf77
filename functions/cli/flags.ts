import { parseArgs } from 'node:util';
import * as z from 'zod';
import { isIsoDay } from '../core/dates.js';

/** A bad command line: the message names the flag and the fix. Exit code 1. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  readonly code = 'CLI_USAGE';
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * Parse argv with node's parseArgs, then validate the values with zod. Every problem is reported as
 * `--flag: message`; unknown flags and missing values are named too.
 */
export function parseFlags<S extends z.ZodType>(
  argv: readonly string[],
  spec: FlagSpec,
  schema: S,
  opts: { positionals?: { min?: number; max?: number; names?: string } } = {},
): { flags: z.infer<S>; positionals: string[] } {
  // An argument such as "-30% from 2027-01-15" (a plan's TEXT) is no flag: parseArgs would read it as
  // short options ("-3: unknown flag"). Such arguments stand in as placeholders and are put back after.
  // One right after a flag that takes a value is left alone: that flag then asks for --flag=VALUE.
  const negatives: string[] = [];
  const args = argv.map((arg, i) => {
    const before = argv[i - 1];
    const takesValue =
      before?.startsWith('--') && !before.includes('=') && spec[before.slice(2)]?.type === 'string';
    if (!/^-\d/.test(arg) || takesValue) return arg;
    negatives.push(arg);
    return `\u0000${negatives.length - 1}`;
  });
  const restore = (arg: string) =>
    arg.startsWith('\u0000') ? (negatives[Number(arg.slice(1))] ?? arg) : arg;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: spec, allowPositionals: true, strict: true });
    parsed.positionals = parsed.positionals.map(restore);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) {
      const known = Object.keys(spec)
        .map((k) => `--${k}`)
        .join(', ');
      throw new CliUsageError(`${unknown[1]}: unknown flag; this command takes ${known || 'no flags'}`);
    }
    const ambiguous = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(msg);
    if (ambiguous) {
      throw new CliUsageError(
        `${ambiguous[1]}: its value starts with "-"; write ${ambiguous[1]}=VALUE if that is meant`,
      );
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(msg);
    if (missing) throw new CliUsageError(`${missing[1]}: needs a value (e.g. ${missing[1]} VALUE)`);
    throw new CliUsageError(msg);
  }
  const { min = 0, max = 0, names = 'arguments' } = opts.positionals ?? {};
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new CliUsageError(
      max === 0
        ? `unexpected argument "${parsed.positionals[0]}"; this command takes only flags`
        : `expected ${min === max ? min : `${min} to ${max}`} ${names}, got ${parsed.positionals.length}`,
    );
  }
  const result = schema.safeParse(parsed.values, { reportInput: true });
  if (!result.success) {
    throw new CliUsageError(
      result.error.issues
        .map((i) => {
          const name = `--${i.path.map(String).join('.') || '?'}`;
          // A missing flag reads "expected string, received undefined" in zod's words: say what to do.
          if (i.code === 'invalid_type' && i.input === undefined)
            return `${name}: is required (e.g. ${name} ${spec[String(i.path[0])]?.type === 'boolean' ? '' : 'VALUE'})`.replace(
              ' )',
              ')',
            );
          return `${name}: ${i.message}`;
        })
        .join('\n'),
    );
  }
  return { flags: result.data, positionals: parsed.positionals };
}

/** Reusable flag value schemas. */
export const flag = {
  day: z.string().refine(isIsoDay, 'must be a calendar day written YYYY-MM-DD (e.g. 2026-03-15)'),
  positiveUsd: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive amount in USD such as 240000')
    .transform(Number)
    .refine((n) => n > 0, 'must be greater than 0'),
  positiveInt: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n > 0, 'must be greater than 0'),
} as const;

/** `--help` lines shared by the commands that take these flags. */
export const COMMON_HELP = {
  config: {
    flag: '--config FILE',
    meaning: 'the config file',
    default: 'burnwatch.config.json in the current directory',
  },
  asOf: {
    flag: '--as-of YYYY-MM-DD',
    meaning: 'the day to report as of (UTC)',
    default: 'yesterday, the last whole day',
  },
} as const;

/**
 * What each action of a command with actions (`limits list|apply…`) reads: the flags only some
 * actions read, and how many positionals (the action included) each takes. A flag or argument an
 * action would ignore is a usage error, so `limits list --by ann` does not look as if it did something.
 */
export interface ActionShape {
  readonly positionals: number;
  readonly flags?: readonly string[];
}

export function checkActionArgs(
  command: string,
  action: string | undefined,
  shapes: Readonly<Record<string, ActionShape>>,
  given: Readonly<Record<string, unknown>>,
  positionals: readonly string[],
): void {
  const shape = action === undefined ? undefined : shapes[action];
  if (!shape) return; // the command names the unknown action itself
  const scoped = new Set(Object.values(shapes).flatMap((s) => s.flags ?? []));
  for (const name of Object.keys(given)) {
    if (given[name] === undefined || !scoped.has(name) || shape.flags?.includes(name)) continue;
    const readers = Object.entries(shapes)
      .filter(([, s]) => s.flags?.includes(name))
      .map(([a]) => a);
    throw new CliUsageError(
      `--${name}: goes with ${command} ${readers.join(' or ')}, not ${command} ${action}; leave it out`,
    );
  }
  const extra = positionals.slice(shape.positionals);
  if (extra.length)
    throw new CliUsageError(
      `${command} ${action}: takes ${shape.positionals - 1} argument${shape.positionals === 2 ? '' : 's'} after the action; unexpected ${extra.map((a) => `"${a}"`).join(' ')}`,
    );
}
