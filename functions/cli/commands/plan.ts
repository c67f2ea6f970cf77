import * as z from 'zod';
import { allPlans, newPlan, type Plan, parsePlanText, planLabel, planSchema } from '../../core/plans.js';
import { systemClock } from '../../core/ports.js';
import { CliUsageError, COMMON_HELP, checkActionArgs, parseFlags } from '../flags.js';
import type { CommandModule } from '../io.js';
import { configuredTeam, loadConfigFile, openStore } from '../runtime.js';
import { renderTable } from '../table.js';

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  by: z.string().min(1).optional(),
  json: z.boolean().optional(),
  all: z.boolean().optional(),
});

export const planCommand: CommandModule = {
  summary: 'Planned changes the forecast applies at their dates: add, list, remove (kept with who and when)',
  usage: [
    'burnwatch plan add TEAM "TEXT" [--by NAME] [--config FILE]',
    'burnwatch plan list [TEAM] [--all] [--json] [--config FILE]',
    'burnwatch plan remove TEAM ID [--by NAME] [--config FILE]',
    '',
    'TEXT: "+20 engineers from 2027-03-01", "-30% from a model switch on 2027-01-15",',
    '"Claude Code licences end 2027-06-30", "stop cursor from 2027-07-01".',
  ].join('\n'),
  help: [
    { flag: 'TEAM', meaning: 'the team id' },
    { flag: 'TEXT', meaning: 'the change and its date (see above)' },
    { flag: 'ID', meaning: 'a plan id from `plan list`' },
    { flag: '--by NAME', meaning: 'who adds or removes it', default: 'the USER environment variable' },
    { flag: '--all', meaning: 'list removed plans too', default: 'plans in force' },
    { flag: '--json', meaning: 'print the list as JSON', default: 'a table' },
    COMMON_HELP.config,
  ],
  async run(argv, io) {
    const { flags, positionals } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean' },
        all: { type: 'boolean' },
      },
      flagsSchema,
      { positionals: { min: 1, max: 3, names: 'add TEAM TEXT | list [TEAM] | remove TEAM ID' } },
    );
    const [action, teamArg, third] = positionals;
    checkActionArgs(
      'plan',
      action,
      {
        add: { positionals: 3, flags: ['by'] },
        list: { positionals: 2, flags: ['all', 'json'] },
        remove: { positionals: 3, flags: ['by'] },
      },
      flags,
      positionals,
    );
    const { config } = loadConfigFile(io, flags.config);
    const by = flags.by ?? io.env.USER ?? 'cli';
    const now = systemClock.now().toISOString();
    if (action === 'add') {
      const team = configuredTeam(config, teamArg);
      if (!third)
        throw new CliUsageError(
          'TEXT: missing; e.g. burnwatch plan add payments "+20 engineers from 2027-03-01"',
        );
      const parsed = parsePlanText(
        third,
        config.sources.flatMap((s) => (s.type === 'import' ? [s.vendor] : [])),
      );
      if (!parsed.ok) throw new CliUsageError(`TEXT: ${parsed.error}`);
      const plan = newPlan({ team: team.id, ...parsed.plan, text: third, by, at: now });
      const opened = await openStore(io);
      try {
        await opened.store.putTeamRecord(team.id, 'plan', plan.id, plan);
      } finally {
        await opened.close();
      }
      io.out(`${team.name}: planned ${planLabel(plan)} (id ${plan.id}). The next forecast applies it.`);
      return 0;
    }
    if (action === 'remove') {
      const team = configuredTeam(config, teamArg);
      if (!third) throw new CliUsageError('ID: missing; `burnwatch plan list TEAM` shows the ids');
      const opened = await openStore(io);
      try {
        const plan = (await allPlans(opened.store, team.id)).find((p) => p.id === third);
        if (!plan)
          throw new CliUsageError(
            `ID: no plan "${third}" for ${team.id}; \`burnwatch plan list ${team.id}\` shows them`,
          );
        if (plan.removed)
          throw new CliUsageError(`ID: plan ${third} was removed already (by ${plan.removed.by})`);
        const removed: Plan = planSchema.parse({ ...plan, removed: { by, at: now } });
        await opened.store.putTeamRecord(team.id, 'plan', plan.id, removed);
        io.out(`${team.name}: removed plan ${planLabel(plan)}. The next forecast leaves it out.`);
        return 0;
      } finally {
        await opened.close();
      }
    }
    if (action === 'list') {
      const teams = teamArg ? [configuredTeam(config, teamArg)] : config.teams;
      const opened = await openStore(io, { quiet: flags.json });
      try {
        const plans: Plan[] = [];
        for (const t of teams)
          plans.push(...(await allPlans(opened.store, t.id)).filter((p) => flags.all || !p.removed));
        if (flags.json) io.out(JSON.stringify(plans, null, 2));
        else
          io.out(
            renderTable(
              ['Team', 'Id', 'Plan', 'By', 'When', 'Removed'],
              plans.map((p) => [
                p.team,
                p.id,
                planLabel(p),
                p.by,
                p.at.slice(0, 16).replace('T', ' '),
                p.removed ? `by ${p.removed.by}` : '',
              ]),
            ),
          );
        return 0;
      } finally {
        await opened.close();
      }
    }
    throw new CliUsageError(`unknown action "${action}"; use add, list or remove`);
  },
};
