import type { CommandModule } from '../io.js';

// Placeholder until its issue lands; replaced wholesale by the real command.
export const serveSlackCommand: CommandModule = {
  summary: 'Serve /burn locally (issue 5)',
  usage: 'burnwatch serve-slack',
  async run(_argv, io) {
    io.err('burnwatch serve-slack: not available yet');
    return 2;
  },
};
