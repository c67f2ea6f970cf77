import type { SourceConfig } from '../config/schema.js';
import { addDays, type IsoDay, lastDayOfMonth } from '../dates.js';
import { resolveModel } from '../models.js';
import { microsToDecimalString } from '../money.js';
import { isBillable, type UsageRecord } from '../usage.js';
import { vendorDisplayName } from '../vendors.js';
import type { FocusRow } from './check.js';
import { FOCUS_COLUMNS } from './spec.js';

/** Who bills, who publishes and what the service is called, per vendor id (FOCUS ProviderName …). */
const PROVIDERS: Readonly<Record<string, { provider: string; service: string }>> = {
  anthropic: { provider: 'Anthropic', service: 'Claude API' },
  openai: { provider: 'OpenAI', service: 'OpenAI API' },
  cursor: { provider: 'Cursor', service: 'Cursor' },
  copilot: { provider: 'GitHub', service: 'GitHub Copilot' },
  bedrock: { provider: 'AWS', service: 'Amazon Bedrock' },
};
const DEVELOPERS: Readonly<Record<string, string>> = {
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  google: 'Google',
  xai: 'xAI',
  cursor: 'Cursor',
};

const at = (day: IsoDay) => `${day}T00:00:00Z`;
const decimal = (micros: bigint) => microsToDecimalString(micros).replace(/\.?0+$/, '') || '0';
const number = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6))));
/**
 * A vendor's string as the vendor spelled it, spacing included (FOCUS String Handling), or null when
 * it is empty or only spaces (Null Handling: no empty string stands for "no value").
 */
const given = (s: string | undefined): string | null => (s === undefined || s.trim() === '' ? null : s);

/** The sub-account a line belongs to: Anthropic workspace, OpenAI or import project, GitHub organization. */
function subAccount(r: UsageRecord, source: SourceConfig | undefined) {
  const workspace = given(r.identities.workspace);
  if (workspace) return { id: workspace, type: 'Workspace' };
  const project = given(r.identities.project);
  if (project) return { id: project, type: 'Project' };
  if (source?.type === 'copilot') return { id: source.organization, type: 'Organization' };
  return undefined;
}

/** What a line consumed, in a FOCUS unit: tokens where counted, else the vendor's quantity, else one charge. */
function consumed(r: UsageRecord): { quantity: number; unit: string } {
  const t = r.tokens;
  const tokens = (t?.input ?? 0) + (t?.output ?? 0) + (t?.cacheRead ?? 0) + (t?.cacheWrite ?? 0);
  if (tokens > 0) return { quantity: tokens, unit: 'Tokens' };
  if (r.quantity) return { quantity: r.quantity.value, unit: r.quantity.unit };
  return { quantity: 1, unit: 'Charges' };
}

/**
 * Identities that name a person: user emails, and on Copilot an `account` that is a user's login
 * (an individually assigned seat, per-user AI credits) rather than the organization.
 */
function isPersonal(kind: string, value: string, source: SourceConfig | undefined): boolean {
  if (kind === 'userEmail') return true;
  return kind === 'account' && source?.type === 'copilot' && value !== source.organization;
}

interface Keyed {
  readonly key: string;
  readonly row: Record<string, string | null>;
  micros: bigint;
  quantity: number;
}

/**
 * FOCUS 1.2 rows of stored usage: one per source, day, team, sub-account, charge, model and unit, from
 * the billable lines only (detail lines repeat money already billed). Per-person identities (user
 * emails, Copilot logins) are left out and their lines summed, so the export carries no figures
 * about people.
 * Costs are exact decimals of the stored micro-dollars; burnwatch has no vendor price lists, so
 * list, contracted, effective and billed cost are the same amount.
 */
export function focusRows(
  records: readonly UsageRecord[],
  opts: { organization: string; sources: readonly SourceConfig[] },
): FocusRow[] {
  const sources = new Map(opts.sources.map((s) => [s.id, s]));
  const rows = new Map<string, Keyed>();
  for (const r of records) {
    if (!isBillable(r)) continue;
    const source = sources.get(r.source);
    const vendorName = vendorDisplayName(r.vendor);
    const provider = PROVIDERS[r.vendor] ?? { provider: vendorName, service: vendorName };
    const model = r.modelId ? resolveModel(r.modelId) : undefined;
    const seats = r.quantity?.unit === 'Seats';
    const category = r.charge === 'credit' ? 'Credit' : seats ? 'Purchase' : 'Usage';
    const sub = subAccount(r, source);
    const month = r.date.slice(0, 7);
    // SkuId may not be null on usage: a line the vendor left unnamed is still its vendor's SKU.
    const skuId = `${r.vendor}/${given(r.modelId) ?? given(r.lineItem) ?? '(unnamed)'}`;
    const identities = Object.entries(r.identities)
      .filter(([k, v]) => !isPersonal(k, v, source))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const row: Record<string, string | null> = {
      BillingAccountId: `${r.vendor}:${r.source}`,
      BillingAccountName: `${opts.organization} (${vendorName})`,
      BillingCurrency: 'USD',
      BillingPeriodStart: at(`${month}-01`),
      BillingPeriodEnd: at(addDays(lastDayOfMonth(month), 1)),
      ChargeCategory: category,
      // FOCUS 1.2 ChargeClass: "Correction" only for a row correcting a previously invoiced billing
      // period, null for one within the current period. No source says which period a refund
      // corrects, so a refund is what the spec calls Usage "including refunds", never Correction.
      ChargeClass: null,
      ChargeDescription: given(r.lineItem),
      ChargeFrequency: r.charge ? 'One-Time' : seats ? 'Recurring' : 'Usage-Based',
      ChargePeriodStart: at(r.date),
      ChargePeriodEnd: at(addDays(r.date, 1)),
      InvoiceIssuerName: provider.provider,
      ProviderName: provider.provider,
      PublisherName: (model && DEVELOPERS[model.developer]) ?? provider.provider,
      ServiceCategory: 'AI and Machine Learning',
      ServiceName: provider.service,
      ServiceSubcategory: 'Generative AI',
      // Usage (a refund too, not being a Correction) must name its SKU; a credit has none.
      SkuId: category === 'Credit' ? null : skuId,
      SkuMeter: category === 'Credit' ? null : given(r.lineItem),
      SkuPriceId: r.charge || !given(r.modelId) ? null : skuId,
      SkuPriceDetails:
        r.charge || !given(r.modelId)
          ? null
          : JSON.stringify({
              x_ModelId: r.modelId,
              ...(r.modelFamily ? { x_ModelFamily: r.modelFamily } : {}),
              ...(r.modelTier ? { x_ModelTier: r.modelTier } : {}),
            }),
      SubAccountId: sub?.id ?? null,
      SubAccountName: sub?.id ?? null,
      SubAccountType: sub?.type ?? null,
      Tags: JSON.stringify({
        'burnwatch/team': r.team,
        'burnwatch/source': r.source,
        ...Object.fromEntries(identities.map(([k, v]) => [`burnwatch/${k}`, v])),
      }),
      x_ModelId: given(r.modelId),
      x_ModelFamily: given(r.modelFamily),
      x_ModelTier: r.modelTier ?? null,
      x_Team: r.team,
      x_Source: r.source,
      // In the row key too: an estimated line is never summed into a final one.
      x_Provisional: r.provisional ? 'true' : 'false',
    };
    // The unit is part of the key: lines that differ only in a person left out are summed, but
    // never 1,200 Tokens and one Charge into "1,201" of either.
    const use = consumed(r);
    row.PricingUnit = use.unit;
    const key = JSON.stringify(row);
    const acc = rows.get(key) ?? { key, row, micros: 0n, quantity: 0 };
    acc.micros += r.costMicros;
    acc.quantity += use.quantity;
    rows.set(key, acc);
  }
  return [...rows.values()]
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map(({ row, micros, quantity }) => {
      const cost = decimal(micros);
      const usage = row.ChargeCategory === 'Usage';
      const out: Record<string, string | null> = {
        ...row,
        BilledCost: cost,
        ContractedCost: cost,
        EffectiveCost: cost,
        ListCost: cost,
        PricingQuantity: row.ChargeCategory === 'Credit' ? null : number(quantity),
        PricingUnit: row.ChargeCategory === 'Credit' ? null : (row.PricingUnit ?? null),
        ConsumedQuantity: usage ? number(quantity) : null,
        ConsumedUnit: usage ? (row.PricingUnit ?? null) : null,
      };
      return Object.fromEntries(FOCUS_COLUMNS.map((c) => [c.name, out[c.name] ?? null]));
    });
}
