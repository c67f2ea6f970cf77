import { describe, expect, it } from 'vitest';
import { evaluateBudget, evaluateSpike, evaluateStaleness } from '../../../functions/core/alerts/rules.js';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { DEFAULT_ALERTS } from '../../../functions/core/config/schema.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../../functions/core/fiscal-calendar.js';
import type { Forecast } from '../../../functions/core/forecast/types.js';
import { summarizeCoverage } from '../../../functions/core/ingest/coverage.js';
import { usdToMicros } from '../../../functions/core/money.js';
import type { UsageRecord } from '../../../functions/core/usage.js';
import { aManifest, deliveredDays } from '../../helpers/builders.js';
import { aTotal } from './fakes.js';

const SETTINGS = { ...DEFAULT_ALERTS };
const FY = fiscalYearFromStart('2026-01-01');

function aForecast(probabilityOfExhaustion: number, p50: string | null): Forecast {
  return {
    asOf: '2026-03-31',
    spentToDateUsd: 100_000,
    yearEndUsd: { p10: 300_000, p50: 420_000, p90: 600_000 },
    exhaustionDate: { p10: p50, p50, p90: null },
    probabilityOfExhaustion,
    status: 'warning',
    confidence: 'normal',
    band: [],
  };
}

const report = (forecast?: Forecast, dailyUsd = 1_000) => {
  const totals = eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, dailyUsd));
  return {
    totals,
    report: computeBurnReport({
      team: 'payments',
      name: 'Payments',
      budgetUsd: 400_000,
      fiscalYear: FY,
      asOf: '2026-03-31',
      totals,
      ...(forecast ? { forecast } : {}),
      now: new Date('2026-04-01T06:00:00Z'),
    }),
  };
};

describe('budget rule', () => {
  it.each([
    [0.75, 'critical'],
    [0.45, 'warning'],
    [0.1, 'ok'],
  ] as const)('applies the team thresholds to P(exhaustion) %s → %s', (p, expected) => {
    // Prepare
    const { report: r, totals } = report(aForecast(p, '2026-10-01'));

    // Act
    const cond = evaluateBudget(r, totals, {
      ...SETTINGS,
      criticalProbability: 0.7,
      warningProbability: 0.4,
    });

    // Assess
    expect(cond?.severity).toBe(expected);
    expect(cond?.exhaustionP50).toBe('2026-10-01');
  });

  it.each([
    [0.85, 'ok'],
    [0.95, 'critical'],
  ] as const)(
    'with a short history (low confidence) alerts only when near-certain: %s → %s',
    (p, expected) => {
      // Prepare
      const { report: r, totals } = report({ ...aForecast(p, '2026-10-01'), confidence: 'low' });

      // Act
      const cond = evaluateBudget(r, totals, SETTINGS);

      // Assess
      expect(cond?.severity).toBe(expected);
    },
  );

  it('is critical once spend is past the budget, whatever the outlook', () => {
    // Prepare
    const { report: r, totals } = report(aForecast(0.1, null), 5_000);

    // Act
    const cond = evaluateBudget(r, totals, SETTINGS);

    // Assess
    expect(cond?.severity).toBe('critical');
  });

  it('names the vendor and model whose spend grew most as the main driver', () => {
    // Prepare
    const { report: r, totals } = report();
    const surge = eachDay('2026-03-04', '2026-03-31').map((d) =>
      aTotal(d, 3_000, { vendor: 'openai', source: 'openai', byModel: { 'gpt-5': usdToMicros(3_000) } }),
    );

    // Act
    const cond = evaluateBudget(r, [...totals, ...surge], SETTINGS);

    // Assess
    expect(cond?.facts).toMatchObject({ driver: { vendor: 'openai', model: 'gpt-5', growthUsd: 84_000 } });
  });
});

describe('spike rule', () => {
  const quiet = eachDay('2026-02-01', '2026-03-09').map((d) => aTotal(d, 300));
  const line = (over: Partial<UsageRecord>): UsageRecord => ({
    date: '2026-03-10',
    source: 'anthropic',
    team: 'payments',
    vendor: 'anthropic',
    identities: {},
    lineItem: 'x',
    model: 'claude-opus-4-6',
    costMicros: 0n,
    provisional: false,
    ...over,
  });

  it('flags a day far above the 28-day median and names vendor, model and API key', async () => {
    // Prepare
    const spike = aTotal('2026-03-10', 4_800, {
      byModel: { 'claude-opus-4-6': usdToMicros(4_500), 'claude-sonnet-4-6': usdToMicros(300) },
    });
    const lines = [
      line({ identities: { apiKey: 'apikey_agent_loop' }, costMicros: usdToMicros(4_400) }),
      line({ identities: { apiKey: 'apikey_ci' }, costMicros: usdToMicros(100) }),
    ];

    // Act
    const cond = await evaluateSpike({
      team: 'payments',
      teamName: 'Payments',
      totals: [...quiet, spike],
      asOf: '2026-03-10',
      settings: SETTINGS,
      linesOf: async () => lines,
    });

    // Assess
    expect(cond.severity).toBe('warning');
    expect(cond.facts).toMatchObject({
      kind: 'spike',
      usd: 4_800,
      baselineUsd: 300,
      multiple: 16,
      vendor: 'anthropic',
      model: 'claude-opus-4-6',
      identity: { kind: 'apiKey', value: 'apikey_agent_loop', person: false },
    });
  });

  it.each([
    ['an ordinary busy day', 800],
    ['a spike below spikeMinUsd', 450],
  ])('stays quiet for %s', async (_what, usd) => {
    // Act
    const cond = await evaluateSpike({
      team: 'payments',
      teamName: 'Payments',
      totals: [
        ...quiet.map((t) => ({ ...t, costMicros: usdToMicros(usd === 450 ? 100 : 300) })),
        aTotal('2026-03-10', usd),
      ],
      asOf: '2026-03-10',
      settings: SETTINGS,
      linesOf: async () => [],
    });

    // Assess
    expect(cond.severity).toBe('ok');
  });
});

describe('stale data rule', () => {
  const range = { from: '2026-01-01', to: '2026-03-31' };
  const coverageOf = (manifests: ReturnType<typeof deliveredDays>) => ({
    ...summarizeCoverage('cursor', manifests, range),
    vendor: 'cursor',
  });

  it.each([
    ['complete through yesterday', deliveredDays('cursor', '2026-01-01', '2026-03-30'), 'ok', 24],
    ['complete only through 3 days ago', deliveredDays('cursor', '2026-01-01', '2026-03-28'), 'warning', 72],
    ['never delivered', [], 'warning', null],
    // A fresh newest day does not hide a hole: the data is complete only up to the day before it.
    [
      'a hole in February behind fresh days',
      [
        ...deliveredDays('cursor', '2026-01-01', '2026-02-09'),
        ...deliveredDays('cursor', '2026-02-20', '2026-03-31'),
      ],
      'warning',
      24 * 50,
    ],
  ] as const)('%s', (_what, manifests, severity, hours) => {
    // Act
    const cond = evaluateStaleness({
      coverage: coverageOf([...manifests]),
      asOf: '2026-03-31',
      settings: { ...SETTINGS, staleAfterHours: 48 },
    });

    // Assess
    expect(cond.severity).toBe(severity);
    expect(cond.facts).toMatchObject({ hoursBehind: hours });
  });

  it('names the last complete day and the days missing, not the last fetch', () => {
    // Prepare: an empty successful answer was fetched today, but the data stops on 20 Mar.
    const manifests = [
      ...deliveredDays('cursor', '2026-01-01', '2026-03-20'),
      aManifest('cursor', '2026-03-21', {
        generation: null,
        status: 'unconfirmed',
        answer: 'nothing',
        records: 0,
      }),
    ];

    // Act
    const cond = evaluateStaleness({
      coverage: coverageOf(manifests),
      asOf: '2026-03-31',
      settings: SETTINGS,
    });

    // Assess
    expect(cond.facts).toMatchObject({
      lastCompleteDay: '2026-03-20',
      missingDays: 11,
      holes: [{ from: '2026-03-21', to: '2026-03-31' }],
    });
  });
});
