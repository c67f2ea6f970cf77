import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { outlookSentence, usd } from '../../core/burn-text.js';
import { parseConfigText } from '../../core/config/load.js';
import type { BurnwatchConfig } from '../../core/config/schema.js';
import { runForecastJob } from '../../core/daily-job.js';
import { addDays, type IsoDay } from '../../core/dates.js';
import { fiscalYearOf } from '../../core/fiscal-calendar.js';
import { runIngest } from '../../core/ingest/run-ingest.js';
import { createSeatHistory } from '../../core/ingest/seat-history.js';
import { type Clock, systemClock } from '../../core/ports.js';
import { unmatchedIdentities } from '../../core/report/report-data.js';
import { renderReportHtml } from '../../core/report/report-html.js';
import { engineForecaster } from '../../core/team-reports.js';
import { type SyntheticFaults, SyntheticOrg } from '../../demo/synthetic-org.js';
import { flag, parseFlags } from '../flags.js';
import { type CommandModule, progress } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';
import { renderBurnTable, renderDataNotes } from '../table.js';
import { noticeText, previewAlerts } from './alerts.js';
import { renderStatusTable, sourceStatuses } from './ingest.js';

/** The demo's fixed as-of date: end of Q1 of the synthetic year, when the payments surge is weeks from exhausting its budget. */
export const DEMO_AS_OF = '2026-03-31';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../burnwatch.config.example.json', import.meta.url));

const flagsSchema = z.object({
  'as-of': flag.day.optional(),
  out: z.string().min(1, 'must name a directory').optional(),
  config: z.string().min(1).optional(),
  seed: flag.positiveInt.optional(),
  'allow-remote': z.boolean().optional(),
  persist: z.boolean().optional(),
});

/**
 * The demo's data-completeness story: OpenAI has delivered nothing for the last five days (an outage
 * at the vendor), and Anthropic's first backfill hits a truncated page in its third month.
 */
export function demoFaults(config: BurnwatchConfig, asOf: IsoDay): SyntheticFaults {
  const sources = config.sources.filter((s) => s.enabled);
  const openai = sources.find((s) => s.type === 'openai');
  const anthropic = sources.find((s) => s.type === 'anthropic');
  const fy = fiscalYearOf(config.fiscalYear, asOf);
  const third = addDays(fy.start, 62);
  return {
    ...(openai ? { outage: { source: openai.id, from: addDays(asOf, -4), to: asOf } } : {}),
    ...(anthropic && third < asOf ? { truncatedOnce: { source: anthropic.id, day: third } } : {}),
  };
}

/** One progress bar over all sources' days (each source reports its own done/total). */
function progressOver(bar: ReturnType<typeof progress>, sources: number) {
  const shares = new Map<string, number>();
  return (source: string, done: number, total: number) => {
    shares.set(source, total > 0 ? done / total : 1);
    bar.set(Math.round((100 * [...shares.values()].reduce((a, b) => a + b, 0)) / sources));
  };
}

export const demoCommand: CommandModule = {
  summary: 'Run the whole job on embedded defaults: DynamoDB Local, a synthetic org, a local HTML report',
  usage:
    'burnwatch demo [--as-of YYYY-MM-DD] [--out DIR] [--config FILE] [--seed N] [--persist] [--allow-remote]',
  help: [
    { flag: '--as-of YYYY-MM-DD', meaning: 'the day the synthetic year is shown as of', default: DEMO_AS_OF },
    { flag: '--out DIR', meaning: 'where the report (index.html) is written', default: 'burnwatch-report' },
    {
      flag: '--config FILE',
      meaning: 'an org to simulate instead of the example',
      default: 'burnwatch.config.example.json',
    },
    { flag: '--seed N', meaning: 'the synthetic data seed (same seed, same numbers)', default: '42' },
    {
      flag: '--persist',
      meaning:
        'keep the store in .burnwatch/dynamodb so burn, report and alerts can query it afterwards (takes a few minutes: DynamoDB Local writes slowly to disk)',
      default: 'in memory, about half a minute',
    },
    {
      flag: '--allow-remote',
      meaning:
        'run against a non-local BURNWATCH_DYNAMODB_ENDPOINT; the demo resets the table named by BURNWATCH_TABLE, which must then be set',
      default: 'DynamoDB Local only',
    },
  ],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      {
        'as-of': { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
        seed: { type: 'string' },
        'allow-remote': { type: 'boolean' },
        persist: { type: 'boolean' },
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
      `burnwatch demo: ${config.organization.name}, ${fy.label} (${fy.start} → ${fy.end}), as of ${asOf}. ${flags.persist ? 'With --persist it takes a few minutes (DynamoDB Local on disk).' : 'It takes about half a minute (a minute on a busy 2-core machine).'}`,
    );

    // In memory unless asked: DynamoDB Local's on-disk store writes about ten times slower.
    const opened = await openStore(io, { inMemory: !flags.persist });
    try {
      // The demo replays the same story every time: it starts from an empty local table.
      await opened.reset({ allowRemote: flags['allow-remote'] === true });
      const clock = (hhmm: string): Clock => ({ now: () => new Date(`${addDays(asOf, 1)}T${hhmm}:00Z`) });
      const org = new SyntheticOrg({ config, seed: flags.seed, faults: demoFaults(config, asOf) });
      // The Copilot and Cursor sources keep their seat lists, as the real connectors do (idle seats).
      const connectors = org.connectors({
        seatHistory: (id) => createSeatHistory(opened.store, id),
        today: addDays(asOf, 1),
      });
      // The first run of the daily ingest, on the morning after as-of: every source backfills the
      // fiscal year through the same runner real vendors use (fetch a month, attribute, write).
      const bar = progress(io, 'Ingesting synthetic vendor data (first run: backfill)', 100);
      const first = await runIngest({
        config,
        store: opened.store,
        connectors,
        clock: clock('06:00'),
        onProgress: progressOver(bar, connectors.length),
      });
      bar.done(
        `${first.reduce((a, s) => a + s.records, 0).toLocaleString('en-US')} line items from ${first.length} sources`,
      );
      for (const f of first.filter((o) => o.status === 'failed'))
        io.out(`! ${f.source}: backfill interrupted after ${f.days} of ${f.daysDue} days: ${f.error}`);
      // A retry half an hour later (the Lambda's own retry, or the next schedule) resumes where the
      // backfill stopped: only the days still missing are fetched.
      const retry = await runIngest({ config, store: opened.store, connectors, clock: clock('06:30') });
      for (const r of retry.filter((o) => o.healedDays > 0))
        io.out(`✓ ${r.source}: resumed and healed ${r.healedDays} missing days`);
      const failed = retry.filter((s) => s.status === 'failed');
      if (failed.length)
        throw new Error(
          `synthetic ingest failed: ${failed.map((f) => `${f.source}: ${f.error}`).join('; ')}`,
        );
      const sources = first.map((o) => {
        const again = retry.find((r) => r.source === o.source);
        return {
          ...o,
          records: o.records + (again?.records ?? 0),
          usd: o.usd + (again?.usd ?? 0),
          unallocatedUsd: o.unallocatedUsd + (again?.unallocatedUsd ?? 0),
          topUnmatched: [...o.topUnmatched, ...(again?.topUnmatched ?? [])],
        };
      });
      const statuses = await sourceStatuses(
        config,
        opened.store,
        config.sources.filter((s) => s.enabled),
        clock('07:00'),
      );
      io.out('');
      io.out(renderStatusTable(statuses));

      // The forecast half of the daily job, a week ago (so the digest can show the change since last
      // week) and today, storing what /burn reads.
      const job = {
        config,
        store: opened.store,
        clock: clock('07:00'),
        forecaster: engineForecaster(config),
      };
      const weekAgo = addDays(asOf, -7);
      if (weekAgo >= fy.start) await runForecastJob(job, weekAgo);
      const { burns, coverage } = await runForecastJob(job, asOf);

      io.out('');
      io.out(renderBurnTable(burns.map((b) => b.report)));
      const notes = renderDataNotes(burns.map((b) => b.report));
      if (notes.length)
        io.out(`\nEstimated data (not yet delivered, never counted as zero):\n  ${notes.join('\n  ')}`);
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
      const preview = await previewAlerts({ config, store: opened.store, asOf, now: clock('07:00').now() });
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
          coverage,
          // What the deployed report shows: people as a count per source, never by name.
          unmatched: await unmatchedIdentities(config, opened.store, asOf),
          unmatchedPeriod: 'the last 28 days',
          sections: [{ title: 'Alerts as they would look in Slack', html: preview.html }],
          generatedAt: systemClock.now().toISOString(),
        }),
      );
      io.out(`\nReport: ${file}`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};
