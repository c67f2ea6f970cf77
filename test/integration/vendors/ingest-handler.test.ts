import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { createIngestHandler } from '../../../functions/ingest/handler.js';
import { startOpenAiServer } from '../../fixtures/vendors/openai-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();

describe('ingest Lambda handler', () => {
  it('ingests the source named by the event, reports its data age, and fails loudly on a bad source', async () => {
    const server = await startOpenAiServer({
      key: 'sk-admin-lambda',
      rows: () =>
        eachDay('2026-03-01', '2026-03-03').map((day) => ({
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
        { id: 'openai', type: 'openai', secretName: 'oa', baseUrl: server.baseUrl },
        { id: 'broken', type: 'openai', secretName: 'missing', baseUrl: server.baseUrl },
      ],
      finance: { slackChannel: '#finance' },
    });
    const { store } = await dynamo.newStore();
    const ages: Array<[string, number]> = [];
    const handler = createIngestHandler({
      config,
      store,
      secret: async (name) => {
        if (name === 'oa') return 'sk-admin-lambda';
        throw new Error(`secret ${name} not found`);
      },
      clock: { now: () => new Date('2026-03-04T06:00:00Z') },
      reportAge: (source, hours) => ages.push([source, hours]),
      log: () => undefined,
    });
    try {
      // First run: the fiscal year to yesterday is backfilled.
      const outcomes = await handler({ source: 'openai' });
      expect(outcomes.map((o) => [o.source, o.status, o.days])).toEqual([['openai', 'ok', 62]]);
      // Complete through 2026-03-03, which ended 6 hours before now.
      expect(ages).toEqual([['openai', 6]]);
      await expect(handler({ source: 'broken', from: '2026-03-01', to: '2026-03-01' })).rejects.toThrow(
        /broken: secret missing not found/,
      );
      await expect(handler({ from: '2026-03-01' })).rejects.toThrow(/from and to go together/);
      await expect(handler({ source: 'nope' })).rejects.toThrow(/no enabled source "nope"/);
    } finally {
      await server.close();
    }
  });
});
