import { describe, expect, it } from 'vitest';
import { parsePlanText, toForecastPlan } from '../../../functions/core/plans.js';

describe('planned changes as people write them', () => {
  it.each([
    ['+20 engineers from 2027-03-01', { kind: 'headcount', amount: 20, from: '2027-03-01' }],
    ['-5 people on 2027-02-01', { kind: 'headcount', amount: -5, from: '2027-02-01' }],
    ['-30% from a model switch on 2027-01-15', { kind: 'percent', amount: -30, from: '2027-01-15' }],
    // Licences that end on a day: that day is the last with spend.
    ['Claude Code licences end 2027-06-30', { kind: 'stop-vendor', vendor: 'anthropic', from: '2027-07-01' }],
    ['stop cursor from 2027-07-01', { kind: 'stop-vendor', vendor: 'cursor', from: '2027-07-01' }],
    ['without gemini from 2027-04-01', { kind: 'stop-vendor', vendor: 'gemini', from: '2027-04-01' }],
  ])('%s', (text, expected) => {
    const parsed = parsePlanText(text, ['gemini']);
    expect(parsed).toEqual({ ok: true, plan: expect.objectContaining(expected) });
  });

  it.each([
    ['+20 engineers', /no date/],
    ['-150% from 2027-01-01', /not a change spend can make/],
    ['ends 2027-06-30', /which vendor stops/],
    ['more agents from 2027-01-01', /cannot read/],
  ])('says how to write "%s"', (text, message) => {
    const parsed = parsePlanText(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toMatch(message);
  });
});

describe('a plan as the forecast applies it', () => {
  const basis = {
    dailyUsd: 1_000,
    vendorDailyUsd: new Map([
      ['cursor', 250],
      ['anthropic', 750],
    ]),
    engineers: 40,
  };

  it('+20 engineers on 40 is +50% of spend; -30% is 0.7; Cursor stopping removes its 25%', () => {
    expect(toForecastPlan({ kind: 'headcount', amount: 20, from: '2026-06-01' }, basis)).toMatchObject({
      factor: 1.5,
    });
    expect(toForecastPlan({ kind: 'percent', amount: -30, from: '2026-06-01' }, basis)).toMatchObject({
      factor: 0.7,
    });
    expect(
      toForecastPlan({ kind: 'stop-vendor', amount: 0, vendor: 'cursor', from: '2026-06-01' }, basis),
    ).toMatchObject({ factor: 0.75 });
  });

  it('cannot measure +N engineers without knowing how many there are', () => {
    expect(
      toForecastPlan({ kind: 'headcount', amount: 5, from: '2026-06-01' }, { ...basis, engineers: 0 }),
    ).toBeUndefined();
  });
});
