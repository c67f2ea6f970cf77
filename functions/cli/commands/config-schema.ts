import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { configSchema } from '../../core/config/schema.js';
import { parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';

/** The JSON Schema editors use to autocomplete and check burnwatch.config.json. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'burnwatch config',
    description:
      'burnwatch.config.json — teams, budgets, vendor sources, attribution rules and alert settings.',
  };
}

export const configSchemaCommand: CommandModule = {
  summary: 'Print (or write with --out) the JSON Schema of burnwatch.config.json',
  usage: 'burnwatch config-schema [--out FILE]',
  help: [{ flag: '--out FILE', meaning: 'write the JSON Schema to FILE', default: 'print it' }],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      { out: { type: 'string' } },
      z.object({ out: z.string().min(1).optional() }),
    );
    const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (flags.out) {
      writeFileSync(resolve(io.cwd, flags.out), text);
      io.err(`wrote ${flags.out}`);
    } else io.out(text);
    return 0;
  },
};
