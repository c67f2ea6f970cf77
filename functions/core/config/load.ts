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

/** What a field must be, for the JSON types zod names. */
const EXPECTED: Readonly<Record<string, string>> = {
  object: 'an object ({ … })',
  array: 'an array ([ … ])',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** What a wrong value is, in JSON's words: typeof calls an array and null "object". */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'a number';
  if (typeof value === 'boolean') return String(value);
  return typeof value;
}

/** Is this zod's own wording (not a message the schema wrote)? */
const zodWording = (message: string) => /^(Invalid input|Invalid option|Too small|Too big)\b/.test(message);

function humanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    // Needs `reportInput: true` on the parse, or every wrong type would read as missing.
    if (issue.input === undefined) return `is required (expected ${issue.expected})`;
    return zodWording(issue.message)
      ? `must be ${EXPECTED[issue.expected] ?? `a ${issue.expected}`}, got ${describeValue(issue.input)}`
      : issue.message;
  }
  if (!zodWording(issue.message)) return issue.message;
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
    const inclusive = issue.inclusive !== false;
    if (issue.origin === 'number' || issue.origin === 'int')
      return issue.code === 'too_small'
        ? `must be ${inclusive ? 'at least' : 'greater than'} ${bound}`
        : `must be ${inclusive ? 'at most' : 'less than'} ${bound}`;
    if (issue.origin === 'string' && issue.code === 'too_small' && bound === '1') return 'must not be empty';
    const unit = issue.origin === 'string' ? 'characters' : 'items';
    return `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} ${unit}`;
  }
  if (issue.code === 'invalid_value')
    return issue.values.length === 1
      ? `must be ${JSON.stringify(issue.values[0])}`
      : `must be one of ${issue.values.map(String).join(', ')}`;
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
