import { join } from 'node:path';
import * as z from 'zod';
import { dropFolderFromEnv } from '../../adapters/imports/drop-folder-env.js';
import { createLocalSecrets } from '../../adapters/secrets/local-secrets.js';
import { connectorFor, stateDeps } from '../../adapters/vendors/connectors.js';
import { shortDate, usd } from '../../core/burn-text.js';
import type { BurnwatchConfig } from '../../core/config/schema.js';
import { addDays, type IsoDay, utcDayOf } from '../../core/dates.js';
import type { Connector, DayRange } from '../../core/ingest/connector.js';
import { type SourceCoverage, summarizeCoverage } from '../../core/ingest/coverage.js';
import {
  coverageWindow,
  failedOutcome,
  type IngestOutcome,
  runIngest,
} from '../../core/ingest/run-ingest.js';
import { type Clock, systemClock, type UsageStore } from '../../core/ports.js';
import { vendorOfSource } from '../../core/team-reports.js';
import { CliUsageError, COMMON_HELP, flag, parseFlags } from '../flags.js';
import { type CommandModule, progress } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';
import { renderTable } from '../table.js';

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  from: flag.day.optional(),
  to: flag.day.optional(),
  source: z.string().min(1).optional(),
  status: z.boolean().optional(),
  json: z.boolean().optional(),
  'as-of': flag.day.optional(),
});

/** What `ingest --status --json` prints per source. */
export interface SourceStatus {
  readonly source: string;
  readonly vendor: string;
  readonly range: DayRange;
  readonly completeThrough: IsoDay | null;
  readonly missingDays: number;
  readonly holes: readonly DayRange[];
  readonly provisionalDays: readonly IsoDay[];
  readonly suspectDays: readonly IsoDay[];
  readonly lastFetchedAt: string | null;
  readonly lastError: SourceCoverage['lastError'];
}

/** Coverage of each source over the fiscal year to yesterday: what `ingest --status` shows. */
export async function sourceStatuses(
  config: BurnwatchConfig,
  store: UsageStore,
  sources: BurnwatchConfig['sources'],
  clock: Clock,
  asOf?: IsoDay,
): Promise<SourceStatus[]> {
  const range = coverageWindow(config, asOf ? addDays(asOf, 1) : utcDayOf(clock.now()));
  const out: SourceStatus[] = [];
  for (const s of sources) {
    const c = summarizeCoverage(s.id, await store.sourceDays(s.id, range.from, range.to), range);
    out.push({
      source: s.id,
      vendor: vendorOfSource(s),
      range,
      completeThrough: c.completeThrough,
      missingDays: c.missingDays,
      holes: c.holes,
      provisionalDays: c.provisionalDays,
      suspectDays: c.suspectDays,
      lastFetchedAt: c.lastFetchedAt,
      lastError: c.lastError,
    });
  }
  return out;
}

const span = (r: DayRange) => (r.from === r.to ? r.from : `${r.from}…${r.to}`);
const listed = (items: readonly string[], max = 3) =>
  items.length === 0
    ? '—'
    : `${items.slice(0, max).join(', ')}${items.length > max ? ` +${items.length - max}` : ''}`;

export function renderStatusTable(statuses: readonly SourceStatus[]): string {
  return renderTable(
    ['Source', 'Complete through', 'Missing', 'Holes', 'Provisional', 'Suspect', 'Last fetch', 'Last error'],
    statuses.map((s) => [
      s.source,
      s.completeThrough ?? 'none',
      `${s.missingDays}`,
      listed(s.holes.map(span)),
      listed(s.provisionalDays),
      listed(s.suspectDays),
      s.lastFetchedAt?.slice(0, 16).replace('T', ' ') ?? 'never',
      s.lastError ? `${s.lastError.date}: ${s.lastError.message}`.slice(0, 120) : '',
    ]),
  );
}

export const ingestCommand: CommandModule = {
  summary:
    'Pull vendor usage into the store: fills every day of the fiscal year not yet delivered, re-pulls the trailing window',
  usage: [
    'burnwatch ingest [--config FILE] [--from YYYY-MM-DD --to YYYY-MM-DD] [--source ID]',
    'burnwatch ingest --status [--json] [--as-of YYYY-MM-DD] [--config FILE] [--source ID]',
    '',
    'Without --from/--to each source fetches, oldest first, every day of the fiscal year to',
    'yesterday it has not delivered (first run: the whole year; after an outage: the gap), plus its',
    'trailingDays (default 7) unless today’s run already fetched them. --from/--to re-pull that range.',
    '--status shows per source, over the fiscal year to yesterday (or to --as-of): complete through,',
    'holes, provisional and suspect days, last fetch, last error; it exits 2 when a source has',
    'missing or suspect days (for monitoring), 0 when every source is complete.',
  ].join('\n'),
  help: [
    COMMON_HELP.config,
    {
      flag: '--from YYYY-MM-DD --to YYYY-MM-DD',
      meaning: 're-pull exactly this range',
      default: 'every day not yet delivered, plus the trailing window',
    },
    { flag: '--source ID', meaning: 'one source only', default: 'every enabled source' },
    { flag: '--status', meaning: 'show coverage per source instead of ingesting', default: 'ingest' },
    { flag: '--json', meaning: 'with --status: print it as JSON', default: 'a table' },
    {
      flag: '--as-of YYYY-MM-DD',
      meaning: 'with --status: coverage of the fiscal year up to this day',
      default: 'yesterday',
    },
  ],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        source: { type: 'string' },
        status: { type: 'boolean' },
        json: { type: 'boolean' },
        'as-of': { type: 'string' },
      },
      flagsSchema,
    );
    if ((flags.from === undefined) !== (flags.to === undefined))
      throw new CliUsageError('--from and --to go together');
    if (flags.from && flags.to && flags.from > flags.to)
      throw new CliUsageError(`--from: ${flags.from} is after --to ${flags.to}`);
    if (flags.json && !flags.status) throw new CliUsageError('--json: goes with --status');
    if (flags['as-of'] && !flags.status) throw new CliUsageError('--as-of: goes with --status');
    if (flags.status && flags.from)
      throw new CliUsageError('--status: shows coverage; leave out --from/--to');
    const { config } = loadConfigFile(io, flags.config);
    const sources = config.sources.filter((s) => s.enabled && (!flags.source || s.id === flags.source));
    if (flags.source && sources.length === 0) {
      throw new CliUsageError(
        `--source: no enabled source "${flags.source}"; sources: ${config.sources.map((s) => s.id).join(', ')}`,
      );
    }
    const clock = systemClock;
    if (flags.status) {
      const opened = await openStore(io, { quiet: flags.json });
      try {
        const statuses = await sourceStatuses(config, opened.store, sources, clock, flags['as-of']);
        if (flags.json) io.out(JSON.stringify(statuses, null, 2));
        else io.out(renderStatusTable(statuses));
        return statuses.some((s) => s.missingDays > 0 || s.suspectDays.length > 0) ? 2 : 0;
      } finally {
        await opened.close();
      }
    }
    const today = utcDayOf(clock.now());
    const secret = createLocalSecrets(io.env, join(io.cwd, '.burnwatch', 'secrets.json'));
    const opened = await openStore(io);
    const deps = {
      cwd: io.cwd,
      ...dropFolderFromEnv(io.env),
      ...stateDeps(config, opened.store),
    };
    // A source without a connector is reported as failed, like any other source that cannot run.
    const connectors: Connector[] = [];
    const outcomes: IngestOutcome[] = [];
    for (const s of sources) {
      try {
        connectors.push(connectorFor(s, secret, today, deps));
      } catch (err) {
        outcomes.push(
          failedOutcome(
            s.id,
            flags.from && flags.to ? { from: flags.from, to: flags.to } : coverageWindow(config, today),
            (err as Error).message,
          ),
        );
      }
    }
    try {
      const bars = new Map<string, ReturnType<typeof progress>>();
      outcomes.unshift(
        ...(await runIngest({
          config,
          store: opened.store,
          connectors,
          clock,
          ...(flags.from && flags.to ? { range: { from: flags.from, to: flags.to } } : {}),
          onProgress: (source, done, total) => {
            if (total === 0) return;
            const bar = bars.get(source) ?? progress(io, `Ingesting ${source}`, total);
            bars.set(source, bar);
            bar.set(done);
          },
        })),
      );
    } finally {
      await opened.close();
    }
    io.out(renderIngestTable(outcomes, today));
    const notes = renderIngestNotes(outcomes);
    if (notes) io.out(notes);
    return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
  },
};

/** What the run noticed beyond the table: notes (negative days, fallbacks) and unknown model names. */
export function renderIngestNotes(outcomes: readonly IngestOutcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    for (const n of o.notes ?? []) lines.push(`${o.source}: ${n}`);
    if (o.unknownModels?.length)
      lines.push(
        `${o.source}: model names not in the vocabulary (kept as written; add them to functions/core/models.ts): ${o.unknownModels.join(', ')}`,
      );
  }
  return lines.join('\n');
}

export function renderIngestTable(outcomes: readonly IngestOutcome[], today: IsoDay): string {
  return renderTable(
    [
      'Source',
      'Status',
      'Days',
      'Healed',
      'Records',
      'USD',
      'Unallocated',
      'Complete through',
      'Missing',
      'Suspect',
      'Error',
    ],
    outcomes.map((o) => [
      o.source,
      o.status,
      `${o.days}/${o.daysDue}`,
      `${o.healedDays}`,
      `${o.records}`,
      usd(o.usd),
      `${(o.unallocatedShare * 100).toFixed(1)}%`,
      o.coverage?.completeThrough ? shortDate(o.coverage.completeThrough, today) : '—',
      `${o.coverage?.missingDays ?? '—'}`,
      `${o.coverage?.suspectDays.length ?? 0}`,
      o.error ?? '',
    ]),
  );
}
