import { describe, expect, it } from 'vitest';
import { mainDriver } from '../../../functions/core/alerts/rules.js';
import { usdToMicros } from '../../../functions/core/money.js';
import { aTotal } from '../../helpers/builders.js';

describe('the alerts’ main driver reads models through the vocabulary (issue 16)', () => {
  it('adds up one model spelled two ways, so it outgrows a model written one way', () => {
    // Prepare: Cursor spend, recent 28 days. claude-sonnet-4-6 appears as stored before the vocabulary
    // ("claude-4.6-sonnet") and after it ("claude-sonnet-4-6"): $60 + $60 of growth; gpt-5 grew $100.
    const row = (date: string, byModel: Record<string, number>) =>
      aTotal(
        date,
        Object.values(byModel).reduce((a, b) => a + b, 0),
        {
          vendor: 'cursor',
          byModel: Object.fromEntries(Object.entries(byModel).map(([m, usd]) => [m, usdToMicros(usd)])),
        },
      );
    const totals = [
      row('2026-02-10', { 'claude-sonnet-4-6': 10, 'gpt-5': 10 }),
      row('2026-03-20', { 'claude-4.6-sonnet': 70, 'gpt-5': 110 }),
      row('2026-03-21', { 'claude-sonnet-4-6': 60 }),
    ];
    // Act
    const driver = mainDriver(totals, '2026-03-31');
    // Assess: split by spelling, gpt-5 (+$100) would beat each half (+$60, +$60); together +$120.
    expect(driver).toMatchObject({ vendor: 'cursor', model: 'claude-sonnet-4-6' });
  });
});
