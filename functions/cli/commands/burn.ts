import * as z from 'zod';
import { budgetNote, dataNotes, outlookSentence, shortDate, statusLabel, usd } from '../../core/burn-text.js';
import { addDays, utcDayOf } from '../../core/dates.js';
import { figureRows, idleSeatWords } from '../../core/outcomes/outcome-text.js';
import { systemClock } from '../../core/ports.js';
import { forecastTeamBurns, reportedTeams } from '../../core/team-reports.js';
import { vendorDisplayName } from '../../core/vendors.js';
import { CliUsageError, COMMON_HELP, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { loadConfigFile, noteEmptyStore, openStore } from '../runtime.js';
import { renderBurnTable, renderDataNotes, renderTable } from '../table.js';

const flagsSchema = z.object({
  json: z.boolean().optional(),
  config: z.string().min(1).optional(),
  'as-of': flag.day.optional(),
});

export const burnCommand: CommandModule = {
  summary: "A team's burn: YTD spend, budget, % used, year-end outlook, by vendor (what /burn answers)",
  usage: 'burnwatch burn [TEAM] [--json] [--config FILE] [--as-of YYYY-MM-DD]',
  help: [
    { flag: 'TEAM', meaning: 'one team id (or unallocated)', default: 'every team, in one table' },
    { flag: '--json', meaning: 'print the burn report (burnReportSchema) as JSON', default: 'text' },
    COMMON_HELP.config,
    COMMON_HELP.asOf,
  ],
  async run(argv, io) {
    const { flags, positionals } = parseFlags(
      argv,
      { json: { type: 'boolean' }, config: { type: 'string' }, 'as-of': { type: 'string' } },
      flagsSchema,
      { positionals: { min: 0, max: 1, names: 'TEAM' } },
    );
    const { config } = loadConfigFile(io, flags.config);
    const team = positionals[0];
    const known = reportedTeams(config).map((t) => t.id);
    if (team && !known.includes(team)) {
      throw new CliUsageError(`TEAM: unknown team "${team}"; teams in the config: ${known.join(', ')}`);
    }
    // Today is still being written by vendors; yesterday is the last whole day.
    const asOf = flags['as-of'] ?? addDays(utcDayOf(systemClock.now()), -1);
    const opened = await openStore(io, { quiet: flags.json });
    try {
      const org = await forecastTeamBurns(
        config,
        opened.store,
        asOf,
        team ? { teams: [team], orgWideSeatActivity: true } : {},
      );
      const { burns, problems } = org;
      for (const p of problems) io.err(`burnwatch burn: ${p}`);
      noteEmptyStore(io, opened, org);
      if (flags.json) {
        // Per-person detail is for the viewers config.privacy allows (in /burn), not for a terminal.
        const reports = burns.map(({ report: { people: _people, ...r } }) => r);
        io.out(JSON.stringify(team ? reports[0] : reports, null, 2));
        return 0;
      }
      for (const { report: r } of burns) {
        if (team) {
          io.out(
            `${r.name} — ${r.fiscalYear.label}, as of ${r.asOf} (${r.dataThrough ? `data through ${r.dataThrough}` : 'no data yet'})`,
          );
          io.out(outlookSentence(r));
          io.out('');
          io.out(
            renderTable(
              ['', 'USD'],
              [
                ['Budget', r.budgetUsd === null ? '—' : usd(r.budgetUsd)],
                ['Spent YTD', usd(r.spentToDateUsd)],
                [
                  'Used',
                  r.percentUsed === null
                    ? '—'
                    : `${r.percentUsed}% (${Math.round((r.daysElapsed / (r.daysElapsed + r.daysRemaining)) * 100)}% of the year gone)`,
                ],
                ['Status', statusLabel(r)],
                [
                  'Chance of running out',
                  r.outlook.probabilityOfExhaustion === null
                    ? '—'
                    : `${Math.round(r.outlook.probabilityOfExhaustion * 100)}%`,
                ],
                ['Year-end P50', usd(r.outlook.yearEndUsd.p50)],
                ['Year-end P10–P90', `${usd(r.outlook.yearEndUsd.p10)}–${usd(r.outlook.yearEndUsd.p90)}`],
                [
                  'Runs out (P50)',
                  r.outlook.exhaustionDate.p50 ? shortDate(r.outlook.exhaustionDate.p50, r.asOf) : '—',
                ],
              ],
            ),
          );
          io.out('');
          io.out(
            renderTable(
              ['Vendor', 'YTD', 'Share'],
              r.byVendor.map((v) => [
                vendorDisplayName(v.vendor),
                usd(v.usd),
                `${Math.round(v.share * 100)}%`,
              ]),
            ),
          );
          if (r.outcomes) {
            io.out(`\nOutcomes (last 4 weeks vs the 4 before; docs/outcomes.md):`);
            io.out(renderTable(['', 'Last 4 wks', '4 before', 'Change'], figureRows(r.outcomes)));
            const seats = idleSeatWords(r.outcomes.idleSeats);
            if (seats.length) io.out(`Idle seats: ${seats.join('; ')}.`);
            if (r.people?.unmatchedIdentities.length)
              io.out(
                `Identities no rule maps to a person (add them under identities): ${r.people.unmatchedIdentities.join(', ')}.`,
              );
          }
          const budget = budgetNote(r);
          if (budget) io.out(`\n${budget}.`);
          const notes = dataNotes(r);
          if (notes.length)
            io.out(
              `\nData: ${notes.join('; ')}${r.dataStatus === 'incomplete' ? ' — incomplete data' : ''}.`,
            );
          io.out(
            `\nOutlook method: ${r.outlook.method}${r.outlook.confidence === 'low' ? ' (low confidence: short history)' : ''}.`,
          );
        }
      }
      if (!team) {
        io.out(renderBurnTable(burns.map((b) => b.report)));
        const notes = renderDataNotes(burns.map((b) => b.report));
        if (notes.length) io.out(`\nEstimated data:\n  ${notes.join('\n  ')}`);
      }
      return 0;
    } finally {
      await opened.close();
    }
  },
};
