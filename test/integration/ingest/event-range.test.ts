import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { createIngestHandler } from '../../../functions/ingest/handler.js';
import { startOpenAiServer } from '../../fixtures/vendors/openai-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { deliveredDates } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();

describe('the ingest event a function is invoked with', () => {
  it('refuses a range that ends before it starts, or a misspelt key, instead of reporting ok having fetched nothing (review H)', async () => {
    // Prepare
    const asked: string[] = [];
    const server = await startOpenAiServer({
      key: 'sk-a',
      rows: () => [{ day: '2026-03-01', project: 'p', lineItem: 'gpt-5, input', usd: 1 }],
      faultFor: (url) => {
        asked.push(url.pathname);
        return undefined;
      },
    });
    const config = parseConfig({
      organization: { name: 'Acme' },
      fiscalYear: { startMonth: 1, startDay: 1 },
      teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 1000 }],
      sources: [{ id: 'openai', type: 'openai', secretName: 'a', baseUrl: server.baseUrl }],
      finance: { slackChannel: '#finance' },
    });
    const { store } = await dynamo.newStore();
    const handler = createIngestHandler({
      config,
      onlySource: 'openai',
      store,
      secret: async () => 'sk-a',
      clock: { now: () => new Date('2026-03-02T06:00:00Z') },
      reportAge: () => undefined,
      log: () => undefined,
    });
    try {
      // Act / Assess: docs/deploy.md's manual backfill with its dates the wrong way round, and with a typo.
      await expect(handler({ from: '2026-03-01', to: '2026-01-01' })).rejects.toThrow(
        /bad ingest event: \(event\): to \(2026-01-01\) is before from \(2026-03-01\)/,
      );
      await expect(handler({ form: '2026-01-01', to: '2026-03-01' })).rejects.toThrow(
        /bad ingest event: .*form/,
      );
      expect(asked).toEqual([]);

      // What EventBridge's rule and the fan-out state machine send is still taken.
      await handler({
        source: 'openai',
        from: '2026-03-01',
        to: '2026-03-01',
        resumeSince: '2026-03-02T05:00:00.000Z',
      });
      await handler({ source: 'openai' });
      expect(await deliveredDates(store, 'openai', { from: '2026-03-01', to: '2026-03-01' })).toEqual([
        '2026-03-01',
      ]);
    } finally {
      await server.close();
    }
  });
});
