import type { CommandModule } from '../io.js';

// Placeholder until its issue lands; replaced wholesale by the real command.
export const ingestCommand: CommandModule = {
  summary: 'Pull vendor usage into the store (issue 7)',
  usage: 'burnwatch ingest',
  async run(_argv, io) {
    io.err('burnwatch ingest: not available yet');
    return 2;
  },
};
