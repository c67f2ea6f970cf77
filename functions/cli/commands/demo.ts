import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { BLOCK_KIT_CSS } from '../../core/alerts/block-kit-html.js';
import { outlookSentence, usd } from '../../core/burn-text.js';
import { parseConfigText } from '../../core/config/load.js';
import { addDays, diffDays } from '../../core/dates.js';
import { fiscalYearOf } from '../../core/fiscal-calendar.js';
import { runIngest } from '../../core/ingest/run-ingest.js';
import { forecastTeamBurns, storeTeamBurns } from '../../core/team-reports.js';
import { renderReportHtml } from '../../demo/report-html.js';
import { SyntheticOrg } from '../../demo/synthetic-org.js';
import { flag, parseFlags } from '../flags.js';
import { type CommandModule, progress } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';
import { renderBurnTable } from '../table.js';
import { noticeText, previewAlerts } from './alerts.js';

/** The demo's fixed as-of date: end of Q1 of the synthetic year, when the payments surge is weeks from exhausting its budget. */
export const DEMO_AS_OF = '2026-03-31';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../burnwatch.config.example.json', import.meta.url));

const flagsSchema = z.object({
  'as-of': flag.day.optional(),
  out: z.string().min(1, 'must name a directory').optional(),
  config: z.string().min(1).optional(),
  seed: flag.positiveInt.optional(),
});

export const demoCommand: CommandModule = {
  summary: 'Run the whole job on embedded defaults: DynamoDB Local, a synthetic org, a local HTML report',
  usage: 'burnwatch demo [--as-of YYYY-MM-DD] [--out DIR] [--config FILE] [--seed N]',
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      {
        'as-of': { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
        seed: { type: 'string' },
      },
      flagsSchema,
    );
    const asOf = flags['as-of'] ?? DEMO_AS_OF;
    const outDir = resolve(io.cwd, flags.out ?? 'burnwatch-report');
    const config = flags.config
      ? loadConfigFile(io, flags.config).config
      : parseConfigText(readFileSync(EXAMPLE_CONFIG, 'utf8'), EXAMPLE_CONFIG);
    const fy = fiscalYearOf(config.fiscalYear, asOf);
    io.err(
      `burnwatch demo: ${config.organization.name}, ${fy.label} (${fy.start} → ${fy.end}), as of ${asOf}`,
    );

    const opened = await openStore(io);
    try {
      const org = new SyntheticOrg({ config, seed: flags.seed });
      // Through the same ingest runner real vendors use: fetch a month, attribute, replace those days.
      const connectors = org.connectors();
      const days = diffDays(fy.start, asOf) + 1;
      const bar = progress(io, 'Loading synthetic vendor data', connectors.length * days);
      const sources = await runIngest({
        config,
        store: opened.store,
        connectors,
        range: { from: fy.start, to: asOf },
        today: addDays(asOf, 1),
        onProgress: (source, daysDone) =>
          bar.set(connectors.findIndex((c) => c.sourceId === source) * days + daysDone),
      });
      bar.done(
        `${sources.reduce((a, s) => a + s.records, 0).toLocaleString('en-US')} line items from ${sources.length} sources`,
      );
      const failed = sources.filter((s) => s.status === 'failed');
      if (failed.length)
        throw new Error(
          `synthetic ingest failed: ${failed.map((f) => `${f.source}: ${f.error}`).join('; ')}`,
        );
      // Last week's forecasts too, as the daily job would have stored them, so the digest can show
      // the change since last week.
      const weekAgo = addDays(asOf, -7);
      if (weekAgo >= fy.start)
        await storeTeamBurns(opened.store, await forecastTeamBurns(config, opened.store, weekAgo), weekAgo);
      const burns = await forecastTeamBurns(config, opened.store, asOf);
      await storeTeamBurns(opened.store, burns, asOf);

      io.out('');
      io.out(renderBurnTable(burns.map((b) => b.report)));
      const method =
        burns[0]?.report.outlook.method === 'forecast' ? 'forecast P50' : 'trailing 28-day run-rate';
      io.out(`\nOutlook: ${method}.`);
      for (const b of burns.filter((x) => x.report.outlook.status === 'critical'))
        io.out(`! ${outlookSentence(b.report)}`);

      const unmatched = sources
        .flatMap((s) => s.topUnmatched.map((u) => ({ source: s.source, ...u })))
        .sort((a, b) => b.usd - a.usd);
      const unallocated = sources.reduce((a, s) => a + s.unallocatedUsd, 0);
      const total = sources.reduce((a, s) => a + s.usd, 0);
      io.out(
        `Unallocated: ${usd(unallocated)} (${total > 0 ? ((unallocated / total) * 100).toFixed(1) : '0'}% of spend) matched no attribution rule` +
          (unmatched.length
            ? `; largest: ${unmatched
                .slice(0, 3)
                .map((u) => `${u.source} ${u.identity}`)
                .join(', ')}`
            : ''),
      );

      // Alerts as the forecast+alert job would send them; with no Slack token they are printed and
      // rendered into the report instead of posted.
      const preview = await previewAlerts({ config, store: opened.store, asOf });
      io.out(
        `\nAlerts (${preview.notices.length}; no Slack token, so shown here and in the report instead of sent):`,
      );
      for (const n of preview.notices) io.out(noticeText(n, { preview: true }));

      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, 'index.html');
      writeFileSync(
        file,
        renderReportHtml({
          organization: config.organization.name,
          asOf,
          burns,
          unmatched,
          sections: [{ title: 'Alerts as they would look in Slack', html: preview.html, css: BLOCK_KIT_CSS }],
          generatedAt: new Date().toISOString(),
        }),
      );
      io.out(`\nReport: ${file}`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};
