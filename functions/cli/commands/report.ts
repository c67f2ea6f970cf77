import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { addDays, utcDayOf } from '../../core/dates.js';
import { systemClock } from '../../core/ports.js';
import { reportInput } from '../../core/report/report-data.js';
import { renderReportHtml } from '../../core/report/report-html.js';
import { computeTeamBurns, engineForecaster } from '../../core/team-reports.js';
import { COMMON_HELP, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { loadConfigFile, noteEmptyStore, openStore } from '../runtime.js';

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  'as-of': flag.day.optional(),
  out: z.string().min(1, 'must name a directory').optional(),
});

export const reportCommand: CommandModule = {
  summary: 'Write the HTML report (every team, org totals, charts, freshness, alert history) from the store',
  usage: [
    'burnwatch report [--as-of YYYY-MM-DD] [--out DIR] [--config FILE]',
    '',
    'Reads any store (DynamoDB Local after the demo or an ingest, or BURNWATCH_DYNAMODB_ENDPOINT);',
    'writes nothing to it. One self-contained file: opens offline, no scripts.',
  ].join('\n'),
  help: [
    COMMON_HELP.asOf,
    { flag: '--out DIR', meaning: 'the directory index.html is written to', default: 'burnwatch-report' },
    COMMON_HELP.config,
  ],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      { config: { type: 'string' }, 'as-of': { type: 'string' }, out: { type: 'string' } },
      flagsSchema,
    );
    const { config } = loadConfigFile(io, flags.config);
    const asOf = flags['as-of'] ?? addDays(utcDayOf(systemClock.now()), -1);
    const outDir = resolve(io.cwd, flags.out ?? 'burnwatch-report');
    const opened = await openStore(io);
    try {
      const org = await computeTeamBurns({
        config,
        store: opened.store,
        asOf,
        now: systemClock.now(),
        forecaster: engineForecaster(config),
      });
      for (const p of org.problems) io.err(`burnwatch report: ${p}`);
      noteEmptyStore(io, opened, org);
      const html = renderReportHtml(
        await reportInput({ config, store: opened.store, org, generatedAt: systemClock.now().toISOString() }),
      );
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, 'index.html');
      writeFileSync(file, html);
      io.out(`Report as of ${asOf}: ${file}`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};
