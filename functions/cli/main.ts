import { ConfigError } from '../core/config/load.js';
import { commands } from './commands/registry.js';
import { CliUsageError } from './flags.js';
import type { CliIO, CommandModule } from './io.js';

/** Runs one CLI invocation and returns its exit code (used by tests without spawning). */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(await helpText());
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    io.err(`burnwatch: unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}`);
    return 1;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.summary}\n\nUsage: ${command.usage}${flagTable(command.help)}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`burnwatch ${name}: ${err.message}\nUsage: ${command.usage}`);
      return 1;
    }
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

/** The flags of a command as aligned lines: flag, meaning, default. */
export function flagTable(help: CommandModule['help']): string {
  if (!help?.length) return '';
  const width = Math.max(...help.map((h) => h.flag.length));
  const lines = help.map(
    (h) => `  ${h.flag.padEnd(width)}  ${h.meaning}${h.default ? ` (default: ${h.default})` : ''}`,
  );
  return `\n\nFlags:\n${lines.join('\n')}`;
}

async function helpText(): Promise<string> {
  const lines = [
    'burnwatch — AI spend governance: burn to date, year-end forecast, alerts.',
    '',
    'Commands:',
  ];
  for (const [name, load] of Object.entries(commands)) {
    lines.push(`  ${name.padEnd(16)} ${(await load()).summary}`);
  }
  lines.push('', 'Run `burnwatch COMMAND --help` for its flags.');
  return lines.join('\n');
}
