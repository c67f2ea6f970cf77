import { vendorDisplayName } from '../vendors.js';

/** Where each vendor's spend limits are set: the "what to do" links in alerts. */
export interface SpendLimitLink {
  readonly vendor: string;
  readonly label: string;
  readonly url: string;
}

/**
 * The settings page for capping spend at each vendor. Copilot's page is per organization; pass the
 * configured GitHub organization when there is one.
 */
export function spendLimitLink(
  vendor: string,
  opts: { githubOrg?: string } = {},
): SpendLimitLink | undefined {
  switch (vendor) {
    case 'anthropic':
      return { vendor, label: 'Anthropic limits', url: 'https://console.anthropic.com/settings/limits' };
    case 'openai':
      return {
        vendor,
        label: 'OpenAI limits',
        url: 'https://platform.openai.com/settings/organization/limits',
      };
    case 'cursor':
      return { vendor, label: 'Cursor team spend', url: 'https://cursor.com/dashboard?tab=spending' };
    case 'copilot':
      return {
        vendor,
        label: 'Copilot budgets',
        url: opts.githubOrg
          ? `https://github.com/organizations/${encodeURIComponent(opts.githubOrg)}/settings/billing/budgets`
          : 'https://github.com/settings/billing/budgets',
      };
    case 'bedrock':
      return { vendor, label: 'AWS Budgets', url: 'https://console.aws.amazon.com/billing/home#/budgets' };
    default:
      return undefined;
  }
}

/** A vendor's display name (core/vendors.ts: also the vendors an import names, such as Gemini). */
export const vendorName = (vendor: string) => vendorDisplayName(vendor);
