import { FOCUS_1_2_COLUMN_IDS, FOCUS_COLUMNS, type FocusColumn, MANDATORY_COLUMNS } from './spec.js';

/** One FOCUS row as written: a cell per column, null for an empty cell. */
export type FocusRow = Readonly<Record<string, string | null>>;

/** Numeric Format: integer, decimal or E notation; no "+" sign, no separators, units or symbols. */
const NUMERIC = /^-?\d+(\.\d+)?(E-?\d+)?$/i;
/** Date/Time Format for a moment: extended ISO 8601 in UTC, `YYYY-MM-DDTHH:mm:ssZ`. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const CURRENCY = /^[A-Z]{3}$/;

function jsonObjectProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'must be a serialized JSON object (Key-Value Format)';
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'must be a JSON object';
  for (const [k, v] of Object.entries(parsed))
    if (v !== null && typeof v === 'object')
      return `key "${k}": values must be a number, string, boolean or null`;
  // JSON.parse keeps the last of repeated keys: count them in the text to catch duplicates.
  const keys = [...text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]);
  if (new Set(keys).size !== keys.length) return 'keys must be unique within the object';
  return undefined;
}

function cellProblem(c: FocusColumn, value: string | null): string | undefined {
  if (value === null) return c.allowsNulls ? undefined : 'must not be null';
  // String Handling keeps a provider's spacing ("Output Tokens " stays as the vendor wrote it), so
  // only a blank value is wrong: Null Handling forbids an empty string for "no value", and a
  // not-nullable column must say something.
  if (value.trim() === '') return c.allowsNulls ? 'must be null, not blank' : 'must not be blank';
  switch (c.type) {
    case 'Decimal':
      if (!NUMERIC.test(value)) return `must be a decimal in Numeric Format (got "${value}")`;
      break;
    case 'DateTime':
      if (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))
        return `must be a UTC date/time written YYYY-MM-DDTHH:mm:ssZ (got "${value}")`;
      break;
    case 'JSON':
      return jsonObjectProblem(value);
    case 'String':
      break;
  }
  if (c.currency && !CURRENCY.test(value)) return `must be an ISO 4217 currency code (got "${value}")`;
  if (c.allowedValues && !c.allowedValues.includes(value))
    return `must be one of ${c.allowedValues.join(', ')} (got "${value}")`;
  return undefined;
}

/** The spec's rules between columns of one row (nullability that depends on another column). */
function rowProblems(r: FocusRow): string[] {
  const out: string[] = [];
  const has = (k: string) => r[k] !== null && r[k] !== undefined;
  const category = r.ChargeCategory;
  const correction = r.ChargeClass === 'Correction';
  const usageOrPurchase = category === 'Usage' || category === 'Purchase';
  const same = (a: string, b: string, why: string) => {
    if (has(a) !== has(b)) out.push(`${a}/${b}: ${why}`);
  };
  if (category === 'Tax' && has('PricingQuantity'))
    out.push('PricingQuantity: must be null when ChargeCategory is "Tax"');
  if (usageOrPurchase && !correction && !has('PricingQuantity'))
    out.push('PricingQuantity: must not be null for Usage or Purchase charges that are not corrections');
  same('PricingQuantity', 'PricingUnit', 'PricingUnit is null exactly when PricingQuantity is');
  if (category !== 'Usage' && has('ConsumedQuantity'))
    out.push('ConsumedQuantity: must be null when ChargeCategory is not "Usage"');
  if (category === 'Usage' && !correction && !has('ConsumedQuantity'))
    out.push('ConsumedQuantity: must not be null for Usage charges that are not corrections');
  same('ConsumedQuantity', 'ConsumedUnit', 'ConsumedUnit is null exactly when ConsumedQuantity is');
  same('SubAccountId', 'SubAccountName', 'SubAccountName is null exactly when SubAccountId is');
  same('SubAccountId', 'SubAccountType', 'SubAccountType is null exactly when SubAccountId is');
  if (category === 'Tax' && has('SkuId')) out.push('SkuId: must be null when ChargeCategory is "Tax"');
  if (usageOrPurchase && !correction && !has('SkuId'))
    out.push('SkuId: must not be null for Usage or Purchase charges that are not corrections');
  if (!has('SkuId') && has('SkuMeter')) out.push('SkuMeter: must be null when SkuId is null');
  if (!has('SkuPriceId') && has('SkuPriceDetails'))
    out.push('SkuPriceDetails: must be null when SkuPriceId is null');
  if (category === 'Purchase' && r.ChargeFrequency === 'Usage-Based')
    out.push('ChargeFrequency: must not be "Usage-Based" when ChargeCategory is "Purchase"');
  if (r.ServiceSubcategory && r.ServiceCategory !== 'AI and Machine Learning')
    out.push(
      `ServiceSubcategory: "${r.ServiceSubcategory}" belongs to AI and Machine Learning, not ${r.ServiceCategory}`,
    );
  for (const [start, end] of [
    ['ChargePeriodStart', 'ChargePeriodEnd'],
    ['BillingPeriodStart', 'BillingPeriodEnd'],
  ] as const) {
    const s = r[start];
    const e = r[end];
    if (s && e && !(s < e)) out.push(`${end}: must be after ${start}`);
  }
  const cs = r.ChargePeriodStart;
  const bs = r.BillingPeriodStart;
  const be = r.BillingPeriodEnd;
  if (cs && bs && be && (cs < bs || cs >= be))
    out.push('ChargePeriodStart: must fall inside the billing period');
  return out;
}

/**
 * Every way `header` and `rows` break the FOCUS 1.2 column rules, as `row 3, BilledCost: …` (rows
 * counted from 1 after the header); empty when the data is valid.
 */
export function focusProblems(header: readonly string[], rows: readonly FocusRow[]): string[] {
  const problems: string[] = [];
  for (const m of MANDATORY_COLUMNS)
    if (!header.includes(m)) problems.push(`header: the Mandatory column ${m} is missing`);
  const defined = new Set<string>(FOCUS_1_2_COLUMN_IDS);
  for (const h of header) {
    if (!defined.has(h) && !h.startsWith('x_'))
      problems.push(`header: ${h} is not a FOCUS 1.2 column and lacks the x_ prefix`);
  }
  if (new Set(header).size !== header.length) problems.push('header: a column appears twice');
  const rules = FOCUS_COLUMNS.filter((c) => header.includes(c.name));
  rows.forEach((row, i) => {
    for (const c of rules) {
      const problem = cellProblem(c, row[c.name] ?? null);
      if (problem) problems.push(`row ${i + 1}, ${c.name}: ${problem}`);
    }
    for (const p of rowProblems(row)) problems.push(`row ${i + 1}, ${p}`);
  });
  return problems;
}
