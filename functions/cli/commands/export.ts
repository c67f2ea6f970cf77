import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { utcDayOf } from '../../core/dates.js';
import { exportFocus } from '../../core/focus/export.js';
import { coverageWindow } from '../../core/ingest/run-ingest.js';
import { systemClock } from '../../core/ports.js';
import { CliUsageError, COMMON_HELP, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';

const flagsSchema = z.object({
  format: z.literal('focus', { error: 'must be focus (FOCUS 1.2 CSV; the only format)' }),
  from: flag.day.optional(),
  to: flag.day.optional(),
  out: z.string().min(1).optional(),
  config: z.string().min(1).optional(),
});

export const exportCommand: CommandModule = {
  summary: 'Write stored spend as FOCUS 1.2 rows (CSV) for FinOps tools',
  usage: [
    'burnwatch export --format focus [--from YYYY-MM-DD --to YYYY-MM-DD] [--out FILE] [--config FILE]',
    '',
    'FinOps Open Cost and Usage Specification 1.2 rows of every source’s billable lines: one row per',
    'source, day, team, sub-account (workspace, project, organization), charge and model, with the',
    'consumed quantity and unit (tokens, seats, credits), SKU and model details and team tags. The rows',
    'are checked against the spec’s column rules before anything is written. Without --from/--to: the',
    'fiscal year to yesterday. Without --out: standard output.',
  ].join('\n'),
  help: [
    { flag: '--format focus', meaning: 'the export format (required; FOCUS 1.2 CSV is the only one)' },
    {
      flag: '--from YYYY-MM-DD --to YYYY-MM-DD',
      meaning: 'the days to export, both included',
      default: 'the fiscal year to yesterday',
    },
    { flag: '--out FILE', meaning: 'write the CSV to FILE', default: 'standard output' },
    COMMON_HELP.config,
  ],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      {
        format: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
      },
      flagsSchema,
    );
    if ((flags.from === undefined) !== (flags.to === undefined))
      throw new CliUsageError('--from and --to go together');
    if (flags.from && flags.to && flags.from > flags.to)
      throw new CliUsageError(`--from: ${flags.from} is after --to ${flags.to}`);
    const { config } = loadConfigFile(io, flags.config);
    const now = systemClock.now();
    const range =
      flags.from && flags.to ? { from: flags.from, to: flags.to } : coverageWindow(config, utcDayOf(now));
    const opened = await openStore(io, { quiet: !flags.out });
    try {
      const result = await exportFocus(opened.store, config, range, { now });
      if (result.fromTotals.length)
        io.err(
          `${result.fromTotals.length} source-day(s) past retention.personDetailMonths (${config.retention.personDetailMonths}) written from the team-day totals, by model`,
        );
      if (flags.out) {
        writeFileSync(resolve(io.cwd, flags.out), result.csv);
        io.err(`Wrote ${result.rows} FOCUS 1.2 rows (${range.from} to ${range.to}) to ${flags.out}`);
      } else io.out(result.csv.trimEnd());
      return 0;
    } finally {
      await opened.close();
    }
  },
};
