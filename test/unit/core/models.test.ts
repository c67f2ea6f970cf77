import { describe, expect, it } from 'vitest';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { withCanonicalModels } from '../../../functions/core/ingest/model-vocabulary.js';
import { MODEL_TABLE, resolveModel, spellingKey } from '../../../functions/core/models.js';
import { usdToMicros } from '../../../functions/core/money.js';
import { summarizeTeamDay } from '../../../functions/core/team-day.js';
import { aRecord } from '../../helpers/builders.js';

describe('one model vocabulary (issue 16)', () => {
  it.each([
    ['claude-sonnet-4-6'], // Anthropic API
    ['Claude Sonnet 4.6 Usage - Output Tokens'], // Anthropic cost report description
    ['claude-4.6-sonnet'], // Cursor
    ['claude-4.6-sonnet-thinking'], // Cursor, thinking mode
    ['anthropic.claude-sonnet-4-6'], // Bedrock
    ['us.anthropic.claude-sonnet-4-6-v1:0'], // Bedrock cross-region inference profile
    ['Claude Sonnet 4.6'], // Copilot
  ])('reads %s as claude-sonnet-4-6, a mid-tier Claude Sonnet', (spelling) => {
    expect(resolveModel(spelling)).toEqual({
      id: 'claude-sonnet-4-6',
      family: 'Claude Sonnet',
      tier: 'mid',
      developer: 'anthropic',
    });
  });

  it('keeps versions apart and knows each vendor’s tiers', () => {
    expect(resolveModel('claude-4.5-sonnet')?.id).toBe('claude-sonnet-4-5');
    expect(resolveModel('claude-3-5-haiku-20241022')).toMatchObject({
      id: 'claude-haiku-3-5',
      tier: 'small',
    });
    expect(resolveModel('Claude Opus 4.6')).toMatchObject({ id: 'claude-opus-4-6', tier: 'flagship' });
    expect(resolveModel('gpt-5, input')).toMatchObject({ id: 'gpt-5', tier: 'flagship' });
    expect(resolveModel('GPT-5 mini')).toMatchObject({ id: 'gpt-5-mini', tier: 'mid' });
    expect(resolveModel('models/gemini-2.5-flash-lite')).toMatchObject({
      id: 'gemini-2.5-flash-lite',
      tier: 'small',
    });
    expect(resolveModel('Gemini 2.5 Pro')?.id).toBe('gemini-2.5-pro');
  });

  it('gives every table row a key of its own', () => {
    const keys = MODEL_TABLE.map((m) => spellingKey(m.id));
    expect(new Set(keys).size).toBe(MODEL_TABLE.length);
  });

  it('keeps an unknown name verbatim and reports it; a line item naming no model is left alone', () => {
    const { lines, unknown } = withCanonicalModels([
      aRecord({ model: 'auto', lineItem: 'auto' }),
      aRecord({ model: undefined, lineItem: 'Copilot seats' }),
      aRecord({ model: undefined, lineItem: 'Claude Opus 4.6 Usage - Input Tokens' }),
    ]);
    expect(unknown).toEqual(['auto']);
    expect(lines.map((l) => [l.modelId, l.modelFamily, l.modelTier])).toEqual([
      ['auto', undefined, undefined],
      [undefined, undefined, undefined],
      ['claude-opus-4-6', 'Claude Opus', 'flagship'],
    ]);
  });

  it('reports four spellings of one model as one in the by-model view', () => {
    // Prepare: one team-day per source, each spelling the model its own way.
    const spellings = [
      ['anthropic', 'claude-sonnet-4-6'],
      ['anthropic-cost', 'Claude Sonnet 4.6 Usage - Output Tokens'],
      ['cursor', 'claude-4.6-sonnet'],
      ['bedrock', 'anthropic.claude-sonnet-4-6'],
    ] as const;
    const totals = spellings.map(([source, model]) => {
      const { lines } = withCanonicalModels([
        aRecord({ source, date: '2026-03-02', model, lineItem: model, costMicros: usdToMicros(25) }),
      ]);
      return summarizeTeamDay(source, '2026-03-02', 'payments', lines as never);
    });
    // Act
    const report = computeBurnReport({
      team: 'payments',
      name: 'Payments',
      budgetUsd: 1000,
      fiscalYear: fiscalYearOf({ startMonth: 1, startDay: 1 }, '2026-03-31'),
      asOf: '2026-03-31',
      totals,
      now: new Date('2026-04-01T00:00:00Z'),
    });
    // Assess
    expect(report.byModel).toEqual([{ model: 'claude-sonnet-4-6', usd: 100, share: 1 }]);
  });

  it('merges stored by-model keys written before the vocabulary at read time', () => {
    const legacy = summarizeTeamDay('cursor', '2026-03-03', 'payments', [
      aRecord({ model: 'claude-4.6-sonnet', lineItem: 'claude-4.6-sonnet', costMicros: usdToMicros(10) }),
    ]);
    const current = summarizeTeamDay('anthropic', '2026-03-03', 'payments', [
      aRecord({ modelId: 'claude-sonnet-4-6', costMicros: usdToMicros(30) }),
    ]);
    expect(Object.keys(legacy.byModel)).toEqual(['claude-4.6-sonnet']);
    const report = computeBurnReport({
      team: 'payments',
      name: 'Payments',
      budgetUsd: 1000,
      fiscalYear: fiscalYearOf({ startMonth: 1, startDay: 1 }, '2026-03-31'),
      asOf: '2026-03-31',
      totals: [legacy, current],
      now: new Date('2026-04-01T00:00:00Z'),
    });
    expect(report.byModel).toEqual([{ model: 'claude-sonnet-4-6', usd: 40, share: 1 }]);
  });
});
