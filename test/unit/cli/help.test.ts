import { describe, expect, it } from 'vitest';
import { commands } from '../../../functions/cli/commands/registry.js';
import { runCliCaptured } from '../../helpers/cli.js';

describe('burnwatch COMMAND --help', () => {
  // The README: "Every command takes `--help`, which lists each flag with its default." Found by a new
  // user: export and serve-slack printed their usage with no flag list (export's --from/--to/--out
  // defaults were only in prose, serve-slack's --port and --config not at all).
  it.each(Object.keys(commands))('%s lists every flag of its usage in its flag table', async (name) => {
    // Act
    const { code, out } = await runCliCaptured([name, '--help']);
    // Assess
    expect(code).toBe(0);
    const [usage = '', table = ''] = out.split('\nFlags:\n');
    const usageLines = usage.split('\n\n')[1] ?? usage;
    const named = new Set(usageLines.match(/--[a-z][a-z-]*/g) ?? []);
    expect(table, `${name} --help has no Flags: section`).not.toBe('');
    // The flag column of each line: up to the two spaces before its meaning.
    const columns = table.split('\n').map((line) => line.trim().split('  ')[0] ?? '');
    const listed = new Set(columns.join(' ').match(/--[a-z][a-z-]*/g) ?? []);
    expect([...named].filter((f) => !listed.has(f))).toEqual([]);
  });
});
