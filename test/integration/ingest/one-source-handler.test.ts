import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { createIngestHandler } from '../../../functions/ingest/handler.js';
import { startOpenAiServer } from '../../fixtures/vendors/openai-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();

describe('an ingest function deployed for one source (BURNWATCH_SOURCE)', () => {
  it('pulls only its source, asks only for its key, and refuses an event naming another (issue 13)', async () => {
    // Prepare: two sources in the bundled config; this function is the one of "openai"
    const server = await startOpenAiServer({
      key: 'sk-admin-own',
      rows: () =>
        eachDay('2026-03-01', '2026-03-02').map((day) => ({
          day,
          project: 'p',
          lineItem: 'gpt-5, input',
          usd: 1,
        })),
    });
    const config = parseConfig({
      organization: { name: 'Acme' },
      fiscalYear: { startMonth: 1, startDay: 1 },
      teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 1000 }],
      sources: [
        { id: 'openai', type: 'openai', secretName: 'burnwatch/openai', baseUrl: server.baseUrl },
        { id: 'other', type: 'openai', secretName: 'burnwatch/other', baseUrl: server.baseUrl },
      ],
      finance: { slackChannel: '#finance' },
    });
    const { store } = await dynamo.newStore();
    const asked: string[] = [];
    const handler = createIngestHandler({
      config,
      onlySource: 'openai',
      store,
      secret: async (name) => {
        asked.push(name);
        if (name === 'burnwatch/openai') return 'sk-admin-own';
        throw new Error(`AccessDeniedException: not allowed to read ${name}`);
      },
      clock: { now: () => new Date('2026-03-03T06:00:00Z') },
      reportAge: () => undefined,
      log: () => undefined,
    });
    try {
      // Act
      const scheduled = await handler({ source: 'openai', from: '2026-03-01', to: '2026-03-02' });
      const bare = await handler({ from: '2026-03-01', to: '2026-03-02' });
      const other = handler({ source: 'other', from: '2026-03-01', to: '2026-03-02' });
      // Assess
      expect(scheduled.map((o) => [o.source, o.status])).toEqual([['openai', 'ok']]);
      expect(bare.map((o) => [o.source, o.status])).toEqual([['openai', 'ok']]);
      await expect(other).rejects.toThrow(
        /this function ingests source "openai" only.*invoke the ingest function of "other"/,
      );
      expect(new Set(asked)).toEqual(new Set(['burnwatch/openai']));
    } finally {
      await server.close();
    }
  });
});
