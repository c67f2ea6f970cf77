import type { z } from 'zod';
import { locateJsonSyntaxError } from '../json-syntax.js';
import { type BurnwatchConfig, configSchema, crossReferenceProblems } from './schema.js';

/** One problem with a config, as `path: message` (e.g. `teams[2].annualBudgetUsd: must be a positive number`). */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `${source} is not a valid burnwatch config:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
}

/** `['teams', 2, 'annualBudgetUsd']` → `teams[2].annualBudgetUsd`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** zod issues → one readable problem each, naming the field and, where zod knows it, what is expected. */
export function problemsFromZod(error: z.ZodError): ConfigProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: 'is not a known field (check the spelling; see burnwatch.config.schema.json)',
      }));
    }
    return [{ path: formatPath(issue.path), message: humanMessage(issue) }];
  });
}

function humanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    // Needs `reportInput: true` on the parse, or every wrong type would read as missing.
    if (issue.input === undefined) return `is required (expected ${issue.expected})`;
    return issue.message.startsWith('Invalid input')
      ? `must be a ${issue.expected}, got ${typeof issue.input}`
      : issue.message;
  }
  return issue.message;
}

/** Validate parsed JSON; throws `ConfigError` listing every problem. */
export function parseConfig(raw: unknown, source = 'config'): BurnwatchConfig {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    // zod skips whole-object checks when a field fails; run them on the raw input so one pass lists all.
    const problems = problemsFromZod(result.error);
    for (const p of crossReferenceProblems(raw)) {
      const path = formatPath(p.path);
      if (!problems.some((q) => q.path === path)) problems.push({ path, message: p.message });
    }
    throw new ConfigError(source, problems);
  }
  return result.data;
}

/** Parse config text (JSON). A syntax error is reported with its position. */
export function parseConfigText(text: string, source = 'config'): BurnwatchConfig {
  // Named by position, never quoted: Node's JSON.parse message would quote the text around it.
  const problem = locateJsonSyntaxError(text);
  if (problem)
    throw new ConfigError(source, [
      {
        path: '(file)',
        message: `is not valid JSON at line ${problem.line}, column ${problem.column}: ${problem.message}`,
      },
    ]);
  return parseConfig(JSON.parse(text), source);
}
