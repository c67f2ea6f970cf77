/**
 * Vendors are named by an id: a lowercase slug. The five burnwatch has connectors for are fixed; an
 * `import` source names any other (`gemini`, `mistral`, …) and that id is stored on its lines and
 * shown everywhere a vendor is (breakdowns, alerts, the FOCUS export) under its display name.
 */

/** Vendors with a connector of their own (the source `type` is the vendor). */
export const CONNECTOR_VENDORS = ['anthropic', 'openai', 'cursor', 'copilot', 'bedrock'] as const;
export type ConnectorVendor = (typeof CONNECTOR_VENDORS)[number];

/** A vendor id: `anthropic`, `gemini`, `other`. */
export type Vendor = string;

/** What a vendor id looks like (config, stored items). */
export const VENDOR_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,40}$/;
export const VENDOR_ID_RULE = 'must be a vendor id in lowercase letters, digits and dashes (e.g. "gemini")';

/** Display names of the vendors burnwatch knows; any other id is shown title-cased (`mistral` → "Mistral"). */
const VENDOR_NAMES: Readonly<Record<string, string>> = {
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  cursor: 'Cursor',
  copilot: 'GitHub Copilot',
  github: 'GitHub',
  bedrock: 'AWS Bedrock',
  gemini: 'Gemini',
  vertex: 'Google Vertex AI',
  'azure-openai': 'Azure OpenAI',
  mistral: 'Mistral',
  cohere: 'Cohere',
  xai: 'xAI',
  deepseek: 'DeepSeek',
  perplexity: 'Perplexity',
  windsurf: 'Windsurf',
  other: 'Other',
};

/** The name a person reads for a vendor id. */
export function vendorDisplayName(vendor: Vendor): string {
  return (
    VENDOR_NAMES[vendor] ??
    vendor
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' ')
  );
}
