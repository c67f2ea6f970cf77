import type { CommandModule } from '../io.js';

// Placeholder until its issue lands; replaced wholesale by the real command.
export const alertsCommand: CommandModule = {
  summary: 'Evaluate and send alerts (issue 4)',
  usage: 'burnwatch alerts',
  async run(_argv, io) {
    io.err('burnwatch alerts: not available yet');
    return 2;
  },
};
