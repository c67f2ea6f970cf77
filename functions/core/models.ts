/**
 * One model vocabulary. Vendors spell one model many ways: Anthropic's API `claude-sonnet-4-6`, its
 * cost report "Claude Sonnet 4.6 Usage - Output Tokens", Cursor `claude-4.6-sonnet`, Bedrock
 * `anthropic.claude-sonnet-4-6` or `us.anthropic.claude-sonnet-4-6-v1:0`, Copilot "Claude Sonnet 4.6".
 * Every spelling is reduced to one key by `spellingKey` and looked up in `MODEL_TABLE`, the one table
 * of canonical ids, families and tiers. A name the table does not know is kept as written and
 * reported by the ingest so it can be added here.
 */

/** flagship: the vendor's largest model; mid: the everyday one; small: the cheap, fast one. */
export const MODEL_TIERS = ['flagship', 'mid', 'small'] as const;
export type ModelTier = (typeof MODEL_TIERS)[number];

export interface ModelIdentity {
  /** Canonical id, in the developer's own API spelling: `claude-sonnet-4-6`, `gpt-5-mini`. */
  readonly id: string;
  /** Family across versions: "Claude Sonnet", "GPT-5", "Gemini Flash". */
  readonly family: string;
  readonly tier: ModelTier;
  /** Who made the model (not who resold it): `anthropic`, `openai`, `google`, `cursor`. */
  readonly developer: string;
}

interface ModelEntry extends ModelIdentity {
  /** Spellings `spellingKey` does not reduce to the id by itself. */
  readonly aliases?: readonly string[];
}

const claude = (family: 'opus' | 'sonnet' | 'haiku', version: string): ModelEntry => ({
  id: `claude-${family}-${version}`,
  family: `Claude ${family.charAt(0).toUpperCase()}${family.slice(1)}`,
  tier: family === 'opus' ? 'flagship' : family === 'sonnet' ? 'mid' : 'small',
  developer: 'anthropic',
});
const model = (id: string, family: string, tier: ModelTier, developer: string, aliases?: string[]) => ({
  id,
  family,
  tier,
  developer,
  ...(aliases ? { aliases } : {}),
});

/** The table: every model burnwatch names, once. Add a row when the ingest reports an unknown name. */
export const MODEL_TABLE: readonly ModelEntry[] = [
  claude('opus', '4-6'),
  claude('opus', '4-5'),
  claude('opus', '4-1'),
  claude('opus', '4'),
  claude('sonnet', '4-6'),
  claude('sonnet', '4-5'),
  claude('sonnet', '4'),
  claude('sonnet', '3-7'),
  claude('haiku', '4-5'),
  claude('haiku', '3-5'),
  model('gpt-5.1', 'GPT-5', 'flagship', 'openai'),
  model('gpt-5', 'GPT-5', 'flagship', 'openai'),
  model('gpt-5-codex', 'GPT-5', 'flagship', 'openai'),
  model('gpt-5-mini', 'GPT-5', 'mid', 'openai'),
  model('gpt-5-nano', 'GPT-5', 'small', 'openai'),
  model('gpt-4.1', 'GPT-4.1', 'flagship', 'openai'),
  model('gpt-4.1-mini', 'GPT-4.1', 'mid', 'openai'),
  model('gpt-4.1-nano', 'GPT-4.1', 'small', 'openai'),
  model('gpt-4o', 'GPT-4o', 'flagship', 'openai'),
  model('gpt-4o-mini', 'GPT-4o', 'small', 'openai'),
  model('o3', 'OpenAI o-series', 'flagship', 'openai'),
  model('o3-mini', 'OpenAI o-series', 'mid', 'openai'),
  model('o4-mini', 'OpenAI o-series', 'mid', 'openai'),
  model('gemini-3-pro', 'Gemini Pro', 'flagship', 'google'),
  model('gemini-2.5-pro', 'Gemini Pro', 'flagship', 'google'),
  model('gemini-2.5-flash', 'Gemini Flash', 'mid', 'google'),
  model('gemini-2.5-flash-lite', 'Gemini Flash', 'small', 'google'),
  model('grok-4', 'Grok', 'flagship', 'xai'),
  model('composer-1', 'Cursor Composer', 'mid', 'cursor', ['cursor-composer-1']),
];

/** Qualifiers that do not change which model ran (reasoning effort, thinking mode, release dates). */
const SUFFIXES = [
  / usage - .*$/, // Anthropic cost report: "Claude Sonnet 4.6 Usage - Output Tokens"
  /, .*$/, // OpenAI cost line items: "gpt-5, input"
  /-v\d+(:\d+)?$/, // Bedrock model ids: "…-v1:0"
  /[-@]\d{8}$/, // release dates: "-20250929", "@20250929"
  /-(latest|thinking|high|medium|low|minimal|max)$/,
];
/** Resellers' and regions' prefixes: Bedrock "us.anthropic.", Vertex "models/", routers "openai/". */
const PREFIXES = [
  /^(us|eu|apac|au|jp|ca|global)\./,
  /^(anthropic|openai|google|meta|amazon|xai)[./:]/,
  /^models\//,
];

/**
 * The key every spelling of a model reduces to: lower case, vendor qualifiers and prefixes dropped,
 * separators as dashes, and Claude's family word before its version (`claude-4.5-sonnet` →
 * `claude-sonnet-4-5`).
 */
export function spellingKey(name: string): string {
  let s = name.trim().toLowerCase();
  for (let changed = true; changed; ) {
    changed = false;
    for (const re of [...PREFIXES, ...SUFFIXES]) {
      const next = s.replace(re, '');
      if (next !== s) {
        s = next;
        changed = true;
      }
    }
  }
  s = s.replace(/[\s._:/]+/g, '-').replace(/-+/g, '-');
  return s.replace(/^claude-(\d+(?:-\d+)?)-(opus|sonnet|haiku)\b/, 'claude-$2-$1');
}

const BY_KEY: ReadonlyMap<string, ModelIdentity> = (() => {
  const map = new Map<string, ModelIdentity>();
  for (const { aliases, ...identity } of MODEL_TABLE) {
    for (const spelling of [identity.id, ...(aliases ?? [])]) {
      const key = spellingKey(spelling);
      const taken = map.get(key);
      if (taken && taken.id !== identity.id)
        throw new Error(`models.ts: "${spelling}" reads as ${key}, already ${taken.id}`);
      map.set(key, identity);
    }
  }
  return map;
})();

/** The canonical model a vendor's spelling names, or undefined when the table does not know it. */
export function resolveModel(name: string): ModelIdentity | undefined {
  return BY_KEY.get(spellingKey(name));
}

/** The canonical id of a spelling, or the spelling itself when unknown (what by-model views group on). */
export function canonicalModelId(name: string): string {
  return resolveModel(name)?.id ?? name;
}
