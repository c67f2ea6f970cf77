import * as z from 'zod';
import { budgetPhasingSchema } from '../../core/budget-phasing.js';
import { budgetChanges, budgetInForce, newBudgetChange } from '../../core/budgets.js';
import { shortDate, usd } from '../../core/burn-text.js';
import { addDays, utcDayOf } from '../../core/dates.js';
import { fiscalYearOf } from '../../core/fiscal-calendar.js';
import { systemClock } from '../../core/ports.js';
import { CliUsageError, COMMON_HELP, checkActionArgs, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { configuredTeam, loadConfigFile, openStore } from '../runtime.js';
import { renderTable } from '../table.js';

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  from: flag.day.optional(),
  reason: z.string().min(1, 'say why the budget changes (it is kept with the change)').max(500).optional(),
  by: z.string().min(1).optional(),
  json: z.boolean().optional(),
  phasing: z
    .string()
    .transform((text) => text.split(',').map((p) => Number(p.trim())))
    .pipe(budgetPhasingSchema)
    .optional(),
});

export const budgetCommand: CommandModule = {
  summary: "Change a team's budget (kept with who, when and why) or list the history; no redeploy",
  usage: [
    'burnwatch budget set TEAM USD --reason TEXT [--from YYYY-MM-DD] [--phasing Q1,Q2,Q3,Q4] [--by NAME] [--config FILE]',
    'burnwatch budget history [TEAM] [--json] [--config FILE]',
    '',
    'The config seeds each budget; a change applies from --from on (within its fiscal year) and the',
    'next forecast, alert and report use it. Changes are never overwritten: the history keeps them all.',
  ].join('\n'),
  help: [
    { flag: 'TEAM', meaning: 'the team id' },
    { flag: 'USD', meaning: 'the new annual budget, e.g. 300000' },
    { flag: '--reason TEXT', meaning: 'why (required for set; kept with the change)' },
    { flag: '--from YYYY-MM-DD', meaning: 'the first day the budget applies', default: 'today (UTC)' },
    {
      flag: '--phasing Q1,Q2,Q3,Q4',
      meaning: 'percent of the budget per fiscal quarter, adding up to 100 (e.g. 20,30,25,25)',
      default: "the config's budgetPhasing, else not phased",
    },
    { flag: '--by NAME', meaning: 'who is changing it', default: 'the USER environment variable' },
    { flag: '--json', meaning: 'history as JSON', default: 'a table' },
    COMMON_HELP.config,
  ],
  async run(argv, io) {
    const { flags, positionals } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        from: { type: 'string' },
        reason: { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean' },
        phasing: { type: 'string' },
      },
      flagsSchema,
      { positionals: { min: 1, max: 3, names: 'set TEAM USD | history [TEAM]' } },
    );
    const [action, teamArg, amount] = positionals;
    checkActionArgs(
      'budget',
      action,
      {
        set: { positionals: 3, flags: ['reason', 'from', 'phasing', 'by'] },
        history: { positionals: 2, flags: ['json'] },
      },
      flags,
      positionals,
    );
    const { config } = loadConfigFile(io, flags.config);
    const now = systemClock.now();
    if (action === 'set') {
      const team = configuredTeam(config, teamArg);
      const annualUsd = flag.positiveUsd.safeParse(amount ?? '');
      if (!annualUsd.success)
        throw new CliUsageError(
          `USD: ${annualUsd.error.issues[0]?.message ?? 'must be an amount'} (e.g. 300000)`,
        );
      if (!flags.reason)
        throw new CliUsageError('--reason: is required (e.g. --reason "Q3 hiring plan approved")');
      const from = flags.from ?? utcDayOf(now);
      const change = newBudgetChange({
        team: team.id,
        annualUsd: annualUsd.data,
        from,
        reason: flags.reason,
        by: flags.by ?? io.env.USER ?? 'cli',
        at: now.toISOString(),
        ...(flags.phasing ? { phasing: flags.phasing } : {}),
      });
      const opened = await openStore(io);
      try {
        await opened.store.putTeamRecord(team.id, 'budget', change.id, change);
      } finally {
        await opened.close();
      }
      io.out(
        `${team.name}: annual budget ${usd(change.annualUsd)} from ${shortDate(from)} ${from.slice(0, 4)} (was ${usd(team.annualBudgetUsd)} in the config)${change.phasing ? `, phased ${phasingText(change.phasing)} by quarter` : ''}. Recorded; the next forecast and alerts use it.`,
      );
      return 0;
    }
    if (action === 'history') {
      const teams = teamArg ? [configuredTeam(config, teamArg)] : config.teams;
      const opened = await openStore(io, { quiet: flags.json });
      try {
        const today = addDays(utcDayOf(now), -1);
        const fy = fiscalYearOf(config.fiscalYear, today);
        const rows = [];
        for (const t of teams) {
          const changes = await budgetChanges(opened.store, t.id);
          const inForce = budgetInForce(t.annualBudgetUsd, changes, today, fy, t.budgetPhasing);
          rows.push({
            team: t.id,
            name: t.name,
            configUsd: t.annualBudgetUsd,
            inForceUsd: inForce.usd,
            phasing: inForce.phasing ?? null,
            changes,
          });
        }
        if (flags.json) io.out(JSON.stringify(rows, null, 2));
        else
          io.out(
            renderTable(
              ['Team', 'Budget', 'From', 'By', 'When', 'Why'],
              rows.flatMap((r) => [
                [
                  r.name,
                  withPhasing(r.configUsd, configuredTeam(config, r.team).budgetPhasing),
                  '(config)',
                  '',
                  '',
                  '',
                ],
                ...r.changes.map((c) => [
                  r.name,
                  withPhasing(c.annualUsd, c.phasing),
                  c.from,
                  c.by,
                  c.at.slice(0, 16).replace('T', ' '),
                  c.reason,
                ]),
              ]),
            ),
          );
        return 0;
      } finally {
        await opened.close();
      }
    }
    throw new CliUsageError(`unknown action "${action}"; use set or history`);
  },
};

/** "20/30/25/25%" */
function phasingText(phasing: readonly number[]): string {
  return `${phasing.join('/')}%`;
}

function withPhasing(annualUsd: number, phasing: readonly number[] | undefined): string {
  return phasing ? `${usd(annualUsd)} (${phasingText(phasing)})` : usd(annualUsd);
}
