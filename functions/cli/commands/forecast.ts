import type { CommandModule } from '../io.js';

// Placeholder until its issue lands; replaced wholesale by the real command.
export const forecastCommand: CommandModule = {
  summary: 'Forecast every team (issue 3)',
  usage: 'burnwatch forecast',
  async run(_argv, io) {
    io.err('burnwatch forecast: not available yet');
    return 2;
  },
};
