import { join } from 'node:path';
import * as z from 'zod';
import { createLocalSecrets } from '../../adapters/secrets/local-secrets.js';
import { connectorFor } from '../../adapters/vendors/connectors.js';
import { usd } from '../../core/burn-text.js';
import { utcDayOf } from '../../core/dates.js';
import type { Connector } from '../../core/ingest/connector.js';
import { type IngestOutcome, runIngest } from '../../core/ingest/run-ingest.js';
import { CliUsageError, flag, parseFlags } from '../flags.js';
import { type CommandModule, progress } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';
import { renderTable } from '../table.js';

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  from: flag.day.optional(),
  to: flag.day.optional(),
  source: z.string().min(1).optional(),
});

export const ingestCommand: CommandModule = {
  summary: 'Pull vendor usage into the store (trailing window; backfills the fiscal year on first run)',
  usage: 'burnwatch ingest [--config FILE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--source ID]',
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        source: { type: 'string' },
      },
      flagsSchema,
    );
    if ((flags.from === undefined) !== (flags.to === undefined))
      throw new CliUsageError('--from and --to go together');
    if (flags.from && flags.to && flags.from > flags.to)
      throw new CliUsageError(`--from: ${flags.from} is after --to ${flags.to}`);
    const { config } = loadConfigFile(io, flags.config);
    const sources = config.sources.filter((s) => s.enabled && (!flags.source || s.id === flags.source));
    if (flags.source && sources.length === 0) {
      throw new CliUsageError(
        `--source: no enabled source "${flags.source}"; sources: ${config.sources.map((s) => s.id).join(', ')}`,
      );
    }
    const today = utcDayOf(new Date());
    const secret = createLocalSecrets(io.env, join(io.cwd, '.burnwatch', 'secrets.json'));
    // A source without a connector is reported as failed, like any other source that cannot run.
    const connectors: Connector[] = [];
    const outcomes: IngestOutcome[] = [];
    for (const s of sources) {
      try {
        connectors.push(connectorFor(s, secret, today));
      } catch (err) {
        const range = { from: flags.from ?? today, to: flags.to ?? today };
        outcomes.push({
          source: s.id,
          status: 'failed',
          range,
          days: 0,
          records: 0,
          usd: 0,
          unallocatedUsd: 0,
          unallocatedShare: 0,
          topUnmatched: [],
          provisionalDays: 0,
          error: (err as Error).message,
        });
      }
    }
    const opened = await openStore(io);
    try {
      const bars = new Map<string, ReturnType<typeof progress>>();
      outcomes.unshift(
        ...(await runIngest({
          config,
          store: opened.store,
          connectors,
          today,
          ...(flags.from && flags.to ? { range: { from: flags.from, to: flags.to } } : {}),
          onProgress: (source, done, total) => {
            const bar = bars.get(source) ?? progress(io, `Ingesting ${source}`, total);
            bars.set(source, bar);
            bar.set(done);
          },
        })),
      );
    } finally {
      await opened.close();
    }
    io.out(
      renderTable(
        ['Source', 'Status', 'Days', 'Records', 'USD', 'Unallocated', 'Provisional days', 'Error'],
        outcomes.map((o) => [
          o.source,
          o.status,
          `${o.days}`,
          `${o.records}`,
          usd(o.usd),
          `${(o.unallocatedShare * 100).toFixed(1)}%`,
          `${o.provisionalDays}`,
          o.error ?? '',
        ]),
      ),
    );
    return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
  },
};
