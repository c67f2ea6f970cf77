import type { CommandModule } from '../io.js';

// Placeholder until its issue lands; replaced wholesale by the real command.
export const forecastSeriesCommand: CommandModule = {
  summary: 'Forecast a CSV series (issue 3)',
  usage: 'burnwatch forecast-series',
  async run(_argv, io) {
    io.err('burnwatch forecast-series: not available yet');
    return 2;
  },
};
