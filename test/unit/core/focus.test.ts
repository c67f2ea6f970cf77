import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { type FocusRow, focusProblems } from '../../../functions/core/focus/check.js';
import { fromCsv, toCsv } from '../../../functions/core/focus/csv.js';
import { focusRows } from '../../../functions/core/focus/rows.js';
import { FOCUS_COLUMNS, MANDATORY_COLUMNS } from '../../../functions/core/focus/spec.js';
import { withCanonicalModels } from '../../../functions/core/ingest/model-vocabulary.js';
import type { UsageRecord } from '../../../functions/core/usage.js';
import { aRecord } from '../../helpers/builders.js';

const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 1000 }],
  sources: [
    { id: 'anthropic', type: 'anthropic' },
    { id: 'copilot', type: 'copilot', organization: 'acme' },
    { id: 'gemini', type: 'import', vendor: 'gemini', path: 'g.csv' },
  ],
  finance: { slackChannel: '#finance' },
});
const header = FOCUS_COLUMNS.map((c) => c.name);
const named = (records: UsageRecord[]) => withCanonicalModels(records).lines as UsageRecord[];
const records = named([
  aRecord({ lineItem: 'Claude Sonnet 4.6 Usage - Output Tokens', model: undefined, costMicros: 12_340_000n }),
  aRecord({
    source: 'cursor',
    vendor: 'cursor',
    identities: { userEmail: 'dana@corp.com' },
    lineItem: 'claude-4.6-sonnet',
    model: 'claude-4.6-sonnet',
    tokens: { input: 1000, output: 200 },
    costMicros: 1_000_000n,
  }),
  aRecord({
    source: 'cursor',
    vendor: 'cursor',
    identities: { userEmail: 'eli@corp.com' },
    lineItem: 'claude-4.6-sonnet',
    model: 'claude-4.6-sonnet',
    tokens: { input: 10, output: 2 },
    costMicros: 500_000n,
  }),
  aRecord({
    source: 'copilot',
    vendor: 'copilot',
    identities: { githubTeam: 'payments' },
    lineItem: 'Copilot seats',
    model: undefined,
    quantity: { value: 12, unit: 'Seats' },
    costMicros: 15_600_000n,
  }),
  aRecord({
    source: 'copilot',
    vendor: 'copilot',
    identities: { account: 'acme' },
    lineItem: 'Copilot AI Credits (GPT-5 mini)',
    model: 'GPT-5 mini',
    quantity: { value: 750, unit: 'Credits' },
    costMicros: 7_500_000n,
  }),
  aRecord({
    source: 'copilot',
    vendor: 'copilot',
    identities: { account: 'octo-dana', githubTeam: 'payments' },
    lineItem: 'Copilot AI Credits (GPT-5 mini)',
    model: 'GPT-5 mini',
    quantity: { value: 50, unit: 'Credits' },
    costMicros: 500_000n,
  }),
  aRecord({
    source: 'gemini',
    vendor: 'gemini',
    identities: { project: 'p' },
    lineItem: 'Refund',
    model: undefined,
    charge: 'refund',
    costMicros: -12_340_000n,
  }),
  aRecord({
    source: 'gemini',
    vendor: 'gemini',
    identities: { project: 'p' },
    lineItem: 'Credit',
    model: undefined,
    charge: 'credit',
    costMicros: -10_000n,
  }),
  aRecord({ lineItem: 'Tokens claude-sonnet-4-6', billable: false, costMicros: 0n }),
]);

describe('FOCUS 1.2 rows (issue 16)', () => {
  it('writes the Mandatory columns and passes every column rule of the spec', () => {
    const rows = focusRows(records, { organization: 'Acme', sources: config.sources });
    expect(MANDATORY_COLUMNS).toEqual(
      expect.arrayContaining(['BilledCost', 'ChargeCategory', 'PricingUnit', 'ServiceName']),
    );
    expect(focusProblems(header, rows)).toEqual([]);
    // The CSV round trip is what a FinOps tool reads.
    const back = fromCsv(toCsv(header, rows));
    expect(back.header).toEqual(header);
    expect(focusProblems(back.header, back.rows)).toEqual([]);
    expect(back.rows).toEqual(rows);
  });

  it('carries sub-account, quantity and unit, SKU and model details and team tags; no person', () => {
    const rows = focusRows(records, { organization: 'Acme', sources: config.sources });
    // 9 lines: the detail line is left out, and Cursor's two people are one row.
    expect(rows).toHaveLength(7);
    const by = (desc: string) => rows.find((r) => r.ChargeDescription === desc) as FocusRow;
    expect(by('Claude Sonnet 4.6 Usage - Output Tokens')).toMatchObject({
      BilledCost: '12.34',
      ChargeCategory: 'Usage',
      SubAccountId: 'wrkspc_payments',
      SubAccountType: 'Workspace',
      ProviderName: 'Anthropic',
      x_ModelId: 'claude-sonnet-4-6',
      x_ModelTier: 'mid',
    });
    expect(by('claude-4.6-sonnet')).toMatchObject({
      BilledCost: '1.5',
      ConsumedQuantity: '1212',
      ConsumedUnit: 'Tokens',
      PublisherName: 'Anthropic',
      ProviderName: 'Cursor',
      SkuPriceDetails:
        '{"x_ModelId":"claude-sonnet-4-6","x_ModelFamily":"Claude Sonnet","x_ModelTier":"mid"}',
    });
    expect(JSON.stringify(rows)).not.toMatch(/dana|eli@/);
    // A Copilot login is a person too; the organization is not.
    expect(rows.filter((r) => r.Tags?.includes('"burnwatch/account":"acme"'))).toHaveLength(1);
    const userCredits = rows.find(
      (r) => r.Tags?.includes('"burnwatch/githubTeam":"payments"') && r.x_ModelId === 'gpt-5-mini',
    );
    expect(userCredits).toMatchObject({ BilledCost: '0.5', ConsumedQuantity: '50' });
    expect(by('Copilot seats')).toMatchObject({
      ChargeCategory: 'Purchase',
      ChargeFrequency: 'Recurring',
      PricingQuantity: '12',
      PricingUnit: 'Seats',
      ConsumedQuantity: null,
      SubAccountId: 'acme',
      SubAccountType: 'Organization',
      Tags: '{"burnwatch/team":"payments","burnwatch/source":"copilot","burnwatch/githubTeam":"payments"}',
    });
    expect(by('Copilot AI Credits (GPT-5 mini)')).toMatchObject({
      ConsumedQuantity: '750',
      ConsumedUnit: 'Credits',
      x_ModelId: 'gpt-5-mini',
    });
    expect(by('Refund')).toMatchObject({
      ChargeCategory: 'Usage',
      ChargeClass: null,
      BilledCost: '-12.34',
      ProviderName: 'Gemini',
      SkuId: 'gemini/Refund',
    });
    expect(by('Credit')).toMatchObject({
      ChargeCategory: 'Credit',
      BilledCost: '-0.01',
      PricingQuantity: null,
      SkuId: null,
    });
  });

  it.each([
    ['a null Mandatory cost', { BilledCost: null }, /row 1, BilledCost: must not be null/],
    [
      'a decimal with a thousands separator',
      { BilledCost: '1,234.50' },
      /row 1, BilledCost: must be a decimal in Numeric Format/,
    ],
    ['a "+" sign', { EffectiveCost: '+1' }, /row 1, EffectiveCost: must be a decimal/],
    [
      'a value not allowed',
      { ChargeCategory: 'Refund' },
      /row 1, ChargeCategory: must be one of Usage, Purchase, Tax, Credit, Adjustment/,
    ],
    [
      'a local time',
      { ChargePeriodStart: '2026-03-02T00:00:00+01:00' },
      /ChargePeriodStart: must be a UTC date\/time/,
    ],
    [
      'a currency that is not ISO 4217',
      { BillingCurrency: 'usd' },
      /BillingCurrency: must be an ISO 4217 currency code/,
    ],
    ['tags that are not an object', { Tags: '["team"]' }, /Tags: must be a JSON object/],
    ['nested tag values', { Tags: '{"a":{"b":1}}' }, /Tags: key "a": values must be a number/],
    [
      'a unit without its quantity',
      { PricingQuantity: null },
      /PricingQuantity: must not be null for Usage|PricingUnit is null exactly when/,
    ],
    [
      'consumption on a credit',
      { ChargeCategory: 'Credit' },
      /ConsumedQuantity: must be null when ChargeCategory is not "Usage"/,
    ],
    ['a sub-account without a type', { SubAccountType: null }, /SubAccountId\/SubAccountType/],
    ['a blank value of its own (team)', { x_Team: '  ' }, /row 1, x_Team: must not be blank/],
    [
      'an unknown provisional flag',
      { x_Provisional: 'yes' },
      /row 1, x_Provisional: must be one of true, false/,
    ],
    [
      'an empty string for "no value"',
      { ChargeDescription: '' },
      /row 1, ChargeDescription: must be null, not blank/,
    ],
    [
      'a charge outside its billing period',
      { BillingPeriodStart: '2026-04-01T00:00:00Z', BillingPeriodEnd: '2026-05-01T00:00:00Z' },
      /ChargePeriodStart: must fall inside the billing period/,
    ],
  ] as const)('rejects %s', (_name, change, message) => {
    const [row] = focusRows(records.slice(0, 1), { organization: 'Acme', sources: config.sources });
    const problems = focusProblems(header, [{ ...(row as FocusRow), ...change }]);
    expect(problems.join('\n')).toMatch(message);
  });

  it('keeps a vendor string’s spacing and writes a blank one as null (review B, finding 4)', () => {
    // Prepare: an Anthropic description with a trailing space as the vendor sent it, and a line
    // whose vendor left the description and workspace blank.
    const lines = named([
      aRecord({ lineItem: 'Claude Sonnet 4.6 Usage - Output Tokens ', model: undefined }),
      aRecord({ identities: { workspace: ' ' }, lineItem: '', model: undefined, costMicros: 1_000_000n }),
    ]);

    // Act: the rows, and the CSV a FinOps tool reads back.
    const rows = focusRows(lines, { organization: 'Acme', sources: config.sources });
    const back = fromCsv(toCsv(header, rows));

    // Assess: both rows pass every column rule, so the export is written; FOCUS String Handling
    // keeps the provider's spacing, Null Handling wants null rather than an empty string.
    expect(focusProblems(header, rows)).toEqual([]);
    expect(back.rows).toEqual(rows);
    expect(back.rows.map((r) => r.ChargeDescription)).toContain('Claude Sonnet 4.6 Usage - Output Tokens ');
    expect(back.rows.find((r) => r.BilledCost === '1')).toMatchObject({
      ChargeDescription: null,
      SkuMeter: null,
      SkuId: 'anthropic/(unnamed)',
      SubAccountId: null,
      SubAccountType: null,
    });
  });

  it('never adds quantities of different units into one row (review B, finding 5)', () => {
    // Prepare: two Cursor users, same team, model and day; one event carries token counts, the
    // other none (the connector stores zeros), so one line is in Tokens and the other one Charge.
    const cursor = {
      source: 'cursor',
      vendor: 'cursor' as const,
      lineItem: 'claude-4.6-sonnet',
      model: 'claude-4.6-sonnet',
    };
    const lines = named([
      aRecord({
        ...cursor,
        identities: { userEmail: 'dana@corp.com' },
        tokens: { input: 1000, output: 200 },
        costMicros: 1_000_000n,
      }),
      aRecord({
        ...cursor,
        identities: { userEmail: 'eli@corp.com' },
        tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        costMicros: 40_000n,
      }),
    ]);

    // Act
    const rows = focusRows(lines, { organization: 'Acme', sources: config.sources });

    // Assess: the people are still left out, but the two units are two rows, each its own cost.
    expect(
      rows.map((r) => [r.PricingQuantity, r.PricingUnit, r.ConsumedQuantity, r.ConsumedUnit, r.BilledCost]),
    ).toEqual(
      expect.arrayContaining([
        ['1200', 'Tokens', '1200', 'Tokens', '1'],
        ['1', 'Charges', '1', 'Charges', '0.04'],
      ]),
    );
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toMatch(/dana|eli@/);
  });

  it('marks an estimated day x_Provisional and never sums it into a final one (review B, finding 6)', () => {
    // Prepare: AWS marks Bedrock's month to date Estimated; the 1st is final, the 2nd estimated,
    // and one line of the 2nd came in final (the same SKU, team and sub-account otherwise).
    const bedrock = {
      identities: { workspace: 'wrkspc_payments' },
      lineItem: 'Claude Sonnet 4.6',
      model: undefined,
    };
    const lines = named([
      aRecord({ ...bedrock, date: '2026-03-01', provisional: false, costMicros: 5_000_000n }),
      aRecord({ ...bedrock, date: '2026-03-02', provisional: true, costMicros: 7_000_000n }),
      aRecord({ ...bedrock, date: '2026-03-02', provisional: false, costMicros: 1_000_000n }),
    ]);

    // Act
    const rows = focusRows(lines, { organization: 'Acme', sources: config.sources });

    // Assess: a FinOps tool can filter estimates out (or wait for them), a custom column with the
    // x_ prefix after the FOCUS columns, as column handling asks.
    expect(focusProblems(header, rows)).toEqual([]);
    expect(rows.map((r) => [r.ChargePeriodStart, r.x_Provisional, r.BilledCost])).toEqual([
      ['2026-03-01T00:00:00Z', 'false', '5'],
      ['2026-03-02T00:00:00Z', 'false', '1'],
      ['2026-03-02T00:00:00Z', 'true', '7'],
    ]);
    expect(header.at(-1)).toBe('x_Provisional');
    expect(header.findIndex((h) => h.startsWith('x_'))).toBeGreaterThan(header.indexOf('Tags'));
  });

  it('leaves ChargeClass null for a refund: nothing says it corrects an earlier billing period (review B, finding 7)', () => {
    // Prepare: March's Gemini usage refunded in March. FOCUS 1.2 chargeclass.md: ChargeClass "MUST
    // be null when the row does not represent a correction or when it represents a correction
    // within the current billing period"; "Correction" is for a previously invoiced period only.
    const gemini = {
      source: 'gemini',
      vendor: 'gemini' as const,
      identities: { project: 'p' },
      model: undefined,
    };
    const lines = named([
      aRecord({ ...gemini, date: '2026-03-02', lineItem: 'Gemini API', costMicros: 100_000_000n }),
      aRecord({
        ...gemini,
        date: '2026-03-09',
        lineItem: 'Refund',
        charge: 'refund',
        costMicros: -12_340_000n,
      }),
    ]);

    // Act
    const rows = focusRows(lines, { organization: 'Acme', sources: config.sources });

    // Assess: a refund is Usage "including refunds", so it names its SKU and quantity like usage.
    expect(rows.find((r) => r.BilledCost === '-12.34')).toMatchObject({
      ChargeCategory: 'Usage',
      ChargeClass: null,
      SkuId: 'gemini/Refund',
      PricingQuantity: '1',
    });
    expect(focusProblems(header, rows)).toEqual([]);
  });

  it('rejects a header missing a Mandatory column or carrying a custom column without x_', () => {
    expect(focusProblems(['BilledCost', 'Team'], [])).toEqual(
      expect.arrayContaining([
        'header: the Mandatory column ChargeCategory is missing',
        'header: Team is not a FOCUS 1.2 column and lacks the x_ prefix',
      ]),
    );
  });
});
