import * as z from 'zod';
import { runForecastJob } from '../../core/daily-job.js';
import { addDays, utcDayOf } from '../../core/dates.js';
import { systemClock } from '../../core/ports.js';
import { engineForecaster } from '../../core/team-reports.js';
import { COMMON_HELP, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';
import { renderBurnTable, renderDataNotes } from '../table.js';

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  'as-of': flag.day.optional(),
  json: z.boolean().optional(),
});

export const forecastCommand: CommandModule = {
  summary: 'Forecast every team from the store; store the snapshots and the summaries /burn reads',
  usage: 'burnwatch forecast [--config FILE] [--as-of YYYY-MM-DD] [--json]',
  help: [
    COMMON_HELP.config,
    COMMON_HELP.asOf,
    { flag: '--json', meaning: 'print the forecast contract per team as JSON', default: 'a table' },
  ],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      { config: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean' } },
      flagsSchema,
    );
    const { config } = loadConfigFile(io, flags.config);
    // Today is still being written by vendors; yesterday is the last whole day.
    const asOf = flags['as-of'] ?? addDays(utcDayOf(systemClock.now()), -1);
    const opened = await openStore(io, { quiet: flags.json });
    try {
      // The daily job's forecast half: what the forecast Lambda stores, by the same rules.
      const { burns } = await runForecastJob(
        { config, store: opened.store, clock: systemClock, forecaster: engineForecaster(config) },
        asOf,
      );
      if (flags.json) {
        io.out(
          JSON.stringify(
            burns.map((b) => ({
              team: b.report.team,
              budgetUsd: b.report.budgetUsd,
              asOf,
              spentToDateUsd: b.report.spentToDateUsd,
              yearEndUsd: b.report.outlook.yearEndUsd,
              exhaustionDate: b.report.outlook.exhaustionDate,
              probabilityOfExhaustion: b.report.outlook.probabilityOfExhaustion,
              status: b.report.outlook.status,
              confidence: b.report.outlook.confidence,
              // 'trailing-run-rate' without a budget or when the forecast failed (then why): no band.
              method: b.report.outlook.method,
              ...(b.forecastProblem ? { forecastProblem: b.forecastProblem } : {}),
              dataStatus: b.report.dataStatus,
              sources: b.report.sources,
            })),
            null,
            2,
          ),
        );
      } else {
        io.out(renderBurnTable(burns.map((b) => b.report)));
        const notes = renderDataNotes(burns.map((b) => b.report));
        if (notes.length) io.out(`\nEstimated data:\n  ${notes.join('\n  ')}`);
        io.out(
          `\nStored ${burns.length} team summaries and ${burns.filter((b) => b.report.budgetUsd !== null).length} forecast snapshots as of ${asOf}.`,
        );
      }
      return 0;
    } finally {
      await opened.close();
    }
  },
};
