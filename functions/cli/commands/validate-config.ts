import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { ConfigError, parseConfigText } from '../../core/config/load.js';
import { parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';

export const validateConfigCommand: CommandModule = {
  summary: 'Check a config file; list every problem as `path: message`',
  usage: 'burnwatch validate-config FILE',
  help: [
    { flag: 'FILE', meaning: 'the config file to check; exits 1 listing every problem as path: message' },
  ],
  async run(argv, io) {
    const { positionals } = parseFlags(argv, {}, z.object({}), {
      positionals: { min: 1, max: 1, names: 'FILE' },
    });
    const file = resolve(io.cwd, positionals[0] ?? '');
    if (!existsSync(file)) {
      io.err(`${file}: no such file`);
      return 1;
    }
    if (statSync(file).isDirectory()) {
      io.err(`${file}: is a folder; name the config file in it (e.g. ${file}/burnwatch.config.json)`);
      return 1;
    }
    try {
      const config = parseConfigText(readFileSync(file, 'utf8'), file);
      const budget = config.teams.reduce((sum, t) => sum + t.annualBudgetUsd, 0);
      const start = `${String(config.fiscalYear.startMonth).padStart(2, '0')}-${String(config.fiscalYear.startDay).padStart(2, '0')}`;
      io.out(
        `OK ${file}: ${config.organization.name}, ${config.teams.length} teams, $${budget.toLocaleString('en-US')} total annual budget, ` +
          `${config.sources.length} sources (${config.sources.map((s) => s.id).join(', ') || 'none'}), fiscal year starts ${start}`,
      );
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.err(`${file}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}`);
      for (const p of err.problems) io.err(`${p.path}: ${p.message}`);
      return 1;
    }
  },
};
