/**
 * FOCUS 1.2 (FinOps Open Cost and Usage Specification, ratified May 2025) column rules, written from
 * the specification's column definitions (FOCUS_Spec, tag v1.2, specification/columns/*.md and
 * attributes/*.md): each column's data type, feature level, whether it allows nulls, and its allowed
 * values. Only the columns burnwatch writes and every Mandatory column are listed; custom columns
 * carry the `x_` prefix the spec requires.
 */
export const FOCUS_VERSION = '1.2';

export type FocusDataType = 'String' | 'Decimal' | 'DateTime' | 'JSON';
export type FeatureLevel = 'Mandatory' | 'Conditional' | 'Recommended';

export interface FocusColumn {
  readonly name: string;
  readonly type: FocusDataType;
  readonly level: FeatureLevel;
  readonly allowsNulls: boolean;
  readonly allowedValues?: readonly string[];
  /** Currency Format: ISO 4217 three-letter code. */
  readonly currency?: boolean;
}

const col = (
  name: string,
  type: FocusDataType,
  level: FeatureLevel,
  allowsNulls: boolean,
  extra: Partial<Pick<FocusColumn, 'allowedValues' | 'currency'>> = {},
): FocusColumn => ({ name, type, level, allowsNulls, ...extra });

export const CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const;
export const CHARGE_FREQUENCIES = ['One-Time', 'Recurring', 'Usage-Based'] as const;
export const SERVICE_CATEGORIES = [
  'AI and Machine Learning',
  'Analytics',
  'Business Applications',
  'Compute',
  'Databases',
  'Developer Tools',
  'Multicloud',
  'Identity',
  'Integration',
  'Internet of Things',
  'Management and Governance',
  'Media',
  'Migration',
  'Mobile',
  'Networking',
  'Security',
  'Storage',
  'Web',
  'Other',
] as const;
/** ServiceSubcategory values of the AI and Machine Learning category (each has exactly one parent). */
export const AI_SERVICE_SUBCATEGORIES = [
  'AI Platforms',
  'Bots',
  'Generative AI',
  'Machine Learning',
  'Natural Language Processing',
  'Other (AI and Machine Learning)',
] as const;

/** The columns, in the order burnwatch writes them. */
export const FOCUS_COLUMNS: readonly FocusColumn[] = [
  col('BilledCost', 'Decimal', 'Mandatory', false),
  col('BillingAccountId', 'String', 'Mandatory', false),
  col('BillingAccountName', 'String', 'Mandatory', true),
  col('BillingCurrency', 'String', 'Mandatory', false, { currency: true }),
  col('BillingPeriodEnd', 'DateTime', 'Mandatory', false),
  col('BillingPeriodStart', 'DateTime', 'Mandatory', false),
  col('ChargeCategory', 'String', 'Mandatory', false, { allowedValues: CHARGE_CATEGORIES }),
  col('ChargeClass', 'String', 'Mandatory', true, { allowedValues: ['Correction'] }),
  col('ChargeDescription', 'String', 'Mandatory', true),
  col('ChargeFrequency', 'String', 'Recommended', false, { allowedValues: CHARGE_FREQUENCIES }),
  col('ChargePeriodEnd', 'DateTime', 'Mandatory', false),
  col('ChargePeriodStart', 'DateTime', 'Mandatory', false),
  col('ConsumedQuantity', 'Decimal', 'Conditional', true),
  col('ConsumedUnit', 'String', 'Conditional', true),
  col('ContractedCost', 'Decimal', 'Mandatory', false),
  col('EffectiveCost', 'Decimal', 'Mandatory', false),
  col('InvoiceIssuerName', 'String', 'Mandatory', false),
  col('ListCost', 'Decimal', 'Mandatory', false),
  col('PricingQuantity', 'Decimal', 'Mandatory', true),
  col('PricingUnit', 'String', 'Mandatory', true),
  col('ProviderName', 'String', 'Mandatory', false),
  col('PublisherName', 'String', 'Mandatory', false),
  col('ServiceCategory', 'String', 'Mandatory', false, { allowedValues: SERVICE_CATEGORIES }),
  col('ServiceName', 'String', 'Mandatory', false),
  col('ServiceSubcategory', 'String', 'Recommended', false, { allowedValues: AI_SERVICE_SUBCATEGORIES }),
  col('SkuId', 'String', 'Conditional', true),
  col('SkuMeter', 'String', 'Conditional', true),
  col('SkuPriceDetails', 'JSON', 'Conditional', true),
  col('SkuPriceId', 'String', 'Conditional', true),
  col('SubAccountId', 'String', 'Conditional', true),
  col('SubAccountName', 'String', 'Conditional', true),
  col('SubAccountType', 'String', 'Conditional', true),
  col('Tags', 'JSON', 'Conditional', true),
  col('x_ModelId', 'String', 'Conditional', true),
  col('x_ModelFamily', 'String', 'Conditional', true),
  col('x_ModelTier', 'String', 'Conditional', true, { allowedValues: ['flagship', 'mid', 'small'] }),
  col('x_Team', 'String', 'Conditional', false),
  col('x_Source', 'String', 'Conditional', false),
  /** "true" while the vendor may still revise the day (AWS `Estimated`, today's data), else "false". */
  col('x_Provisional', 'String', 'Conditional', false, { allowedValues: ['true', 'false'] }),
];

/** Every Mandatory column of FOCUS 1.2 (a dataset without one of them is not FOCUS). */
export const MANDATORY_COLUMNS = FOCUS_COLUMNS.filter((c) => c.level === 'Mandatory').map((c) => c.name);

/** Every column FOCUS 1.2 defines; any other column must be a custom `x_` column. */
export const FOCUS_1_2_COLUMN_IDS = [
  'AvailabilityZone',
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingAccountType',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'CapacityReservationId',
  'CapacityReservationStatus',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'CommitmentDiscountCategory',
  'CommitmentDiscountId',
  'CommitmentDiscountName',
  'CommitmentDiscountQuantity',
  'CommitmentDiscountStatus',
  'CommitmentDiscountType',
  'CommitmentDiscountUnit',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'InvoiceId',
  'InvoiceIssuerName',
  'ListCost',
  'ListUnitPrice',
  'PricingCategory',
  'PricingCurrency',
  'PricingCurrencyContractedUnitPrice',
  'PricingCurrencyEffectiveCost',
  'PricingCurrencyListUnitPrice',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'RegionName',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'ServiceCategory',
  'ServiceName',
  'ServiceSubcategory',
  'SkuId',
  'SkuMeter',
  'SkuPriceDetails',
  'SkuPriceId',
  'SubAccountId',
  'SubAccountName',
  'SubAccountType',
  'Tags',
] as const;
