import { join } from 'node:path';
import * as z from 'zod';
import { createLocalSecrets } from '../../adapters/secrets/local-secrets.js';
import { limitApisFor } from '../../adapters/vendors/limits/limit-apis.js';
import { evaluateBudget, evaluateEngineerCap } from '../../core/alerts/rules.js';
import { alertSettingsFor, type BurnwatchConfig } from '../../core/config/schema.js';
import { addDays, type IsoDay, utcDayOf } from '../../core/dates.js';
import { listProposals, recordProposal } from '../../core/limits/apply.js';
import { runLimitRequest } from '../../core/limits/limit-requests.js';
import {
  centsLabel,
  itemLabel,
  type LimitProposal,
  proposalSummary,
  proposeLimitsForTeam,
} from '../../core/limits/proposal.js';
import { personKeyOf } from '../../core/person-costs.js';
import { type Store, systemClock } from '../../core/ports.js';
import { computeTeamBurns, engineForecaster } from '../../core/team-reports.js';
import { CliUsageError, COMMON_HELP, checkActionArgs, flag, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';
import { renderTable } from '../table.js';

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  'as-of': flag.day.optional(),
  by: z.string().min(1, 'say who is acting (it is kept with the change)').max(100).optional(),
  json: z.boolean().optional(),
});

const ACTIONS = ['list', 'propose', 'apply', 'undo'] as const;

/**
 * `burnwatch limits`: the Slack Approve / Undo from a terminal, through the same code (proposals
 * from the cap and budget rules; apply with read-back, recorded item by item; undo). The CLI runs
 * with the operator's own admin keys (`.burnwatch/secrets.json` or environment), so whoever can run
 * it is trusted as an approver, and it names people (the operator already holds the record).
 */
export const limitsCommand: CommandModule = {
  summary:
    'Propose, apply or undo per-engineer caps and team limits at the vendors (Cursor, GitHub, Anthropic)',
  usage: [
    'burnwatch limits list [TEAM] [--json] [--config FILE]',
    'burnwatch limits propose TEAM [--as-of YYYY-MM-DD] [--json] [--config FILE]',
    'burnwatch limits apply TEAM PROPOSAL [--by NAME] [--json] [--config FILE]',
    'burnwatch limits undo TEAM PROPOSAL [--by NAME] [--json] [--config FILE]',
    '',
    'With limits.dryRun on (the default), apply and undo show the requests they would send and send',
    'nothing. apply retries only the limits not yet in place; undo restores what each vendor held before.',
  ].join('\n'),
  help: [
    { flag: 'TEAM', meaning: 'the team id' },
    { flag: 'PROPOSAL', meaning: 'the proposal id from `limits list` (e.g. 2026-04-20:engineer-cap)' },
    COMMON_HELP.asOf,
    {
      flag: '--by NAME',
      meaning: 'who approves (kept with the change)',
      default: 'the USER environment variable',
    },
    { flag: '--json', meaning: 'the result as JSON', default: 'text' },
    COMMON_HELP.config,
  ],
  async run(argv, io) {
    const { flags, positionals } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        'as-of': { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean' },
      },
      flagsSchema,
      {
        positionals: {
          min: 1,
          max: 3,
          names: 'list [TEAM] | propose TEAM | apply TEAM PROPOSAL | undo TEAM PROPOSAL',
        },
      },
    );
    const [action, teamArg, proposalId] = positionals;
    if (!ACTIONS.includes(action as (typeof ACTIONS)[number]))
      throw new CliUsageError(`ACTION: must be one of ${ACTIONS.join(', ')} (got "${action}")`);
    checkActionArgs(
      'limits',
      action,
      {
        list: { positionals: 2 },
        propose: { positionals: 2, flags: ['as-of'] },
        apply: { positionals: 3, flags: ['by'] },
        undo: { positionals: 3, flags: ['by'] },
      },
      flags,
      positionals,
    );
    const { config } = loadConfigFile(io, flags.config);
    const teamOf = (id: string | undefined) => {
      const team = config.teams.find((t) => t.id === id);
      if (!team)
        throw new CliUsageError(
          `TEAM: ${id ? `unknown team "${id}"` : 'missing'}; teams in the config: ${config.teams.map((t) => t.id).join(', ')}`,
        );
      return team;
    };
    const out = (value: unknown, text: string) => io.out(flags.json ? JSON.stringify(value, null, 2) : text);
    const opened = await openStore(io, { quiet: flags.json });
    try {
      const store = opened.store;
      if (action === 'list') {
        const teams = teamArg ? [teamOf(teamArg)] : config.teams;
        const all: LimitProposal[] = [];
        for (const t of teams) all.push(...(await listProposals(store, t.id)));
        out(
          all,
          all.length === 0
            ? 'No limit proposals yet (the daily job proposes them when a cap or budget alert fires; or `burnwatch limits propose TEAM`).'
            : renderTable(
                ['Team', 'Proposal', 'Status', 'Limit', 'Amount', 'State', 'Note'],
                all.flatMap((p) =>
                  p.items.map((i) => [
                    p.team,
                    p.id,
                    p.status,
                    itemLabel(i),
                    `${centsLabel(i.amountCents)}/month`,
                    i.state,
                    // Why it did not take (error) or why burnwatch left it as it was (note: skipped, kept).
                    [i.error, i.note].filter(Boolean).join('; '),
                  ]),
                ),
              ),
        );
        return 0;
      }
      const team = teamOf(teamArg);
      const now = systemClock.now();
      if (action === 'propose') {
        const asOf = flags['as-of'] ?? addDays(utcDayOf(now), -1);
        const proposals = await proposeFor(config, store, team.id, asOf, now);
        const stored: LimitProposal[] = [];
        for (const p of proposals) stored.push(await recordProposal(store, p));
        out(
          stored,
          stored.length === 0
            ? `${team.name}: no cap or budget rule fires as of ${asOf} that a configured vendor limit can answer (limits: ${limitsVendors(config) || 'none configured'}).`
            : stored
                .map(
                  (p) =>
                    `${p.id} (${p.status}): ${proposalSummary(p)}.\n  ${p.reason}.\n  Apply: burnwatch limits apply ${team.id} ${p.id}`,
                )
                .join('\n'),
        );
        return 0;
      }
      if (!proposalId)
        throw new CliUsageError('PROPOSAL: missing; `burnwatch limits list TEAM` shows the ids');
      const secret = createLocalSecrets(io.env, join(io.cwd, '.burnwatch', 'secrets.json'));
      const by = flags.by ?? io.env.USER ?? 'cli';
      const result = await runLimitRequest(
        {
          config,
          store,
          clock: systemClock,
          apis: limitApisFor(config.limits, secret),
          groupMembers: async () => [],
        },
        { action: action === 'undo' ? 'undo' : 'apply', team: team.id, proposalId, by },
      );
      const lines = [
        result.summary,
        ...(result.proposal?.items ?? []).map(
          (i) =>
            `  ${itemLabel(i)}: ${i.state}${i.error ? ` — ${i.error}` : ''}${i.note ? ` — ${i.note}` : ''}`,
        ),
        ...(result.wouldSend ?? []).flatMap((w) =>
          w.requests.map((r) => `  would send ${r.method} ${r.path} ${JSON.stringify(r.body ?? '')}`),
        ),
      ];
      out(result, lines.join('\n'));
      return result.outcome === 'applied' ||
        result.outcome === 'undone' ||
        result.outcome === 'dry-run' ||
        result.outcome === 'nothing'
        ? 0
        : 1;
    } finally {
      await opened.close();
    }
  },
};

const limitsVendors = (config: BurnwatchConfig) =>
  (['cursor', 'copilot', 'anthropic'] as const).filter((v) => config.limits[v]).join(', ');

/** The proposals the team's cap and budget rules call for as of `asOf`, as the daily job makes them. */
async function proposeFor(
  config: BurnwatchConfig,
  store: Store,
  team: string,
  asOf: IsoDay,
  now: Date,
): Promise<LimitProposal[]> {
  const { burns } = await computeTeamBurns({
    config,
    store,
    asOf,
    now,
    forecaster: engineForecaster(config),
    teams: [team],
  });
  const burn = burns.find((b) => b.report.team === team);
  if (!burn) return [];
  const settings = alertSettingsFor(config, team);
  const conditions = [
    evaluateBudget(burn.report, burn.totals, settings),
    await evaluateEngineerCap({
      team,
      teamName: burn.report.name,
      totals: burn.totals,
      asOf,
      settings,
      linesOf: (source, date) => store.teamLines(source, date, team),
      personKey: personKeyOf(config.identities),
    }),
  ];
  return conditions.flatMap((cond) => {
    const p = cond && proposeLimitsForTeam({ config, cond, totals: burn.totals, asOf, now });
    return p ? [p] : [];
  });
}
