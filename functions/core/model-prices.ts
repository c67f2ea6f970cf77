import { resolveModel } from './models.js';

/**
 * List prices per million tokens (USD), as published by each vendor, dated so a what-if says which
 * prices it used. Only the ratio between two models matters to a what-if ("what if the flagship
 * lines ran on Sonnet?"), and within a vendor input and output prices scale together, so the
 * output price stands for the model's price. Update: add a row (or change one) and its `asOf` date.
 */
export const PRICE_TABLE_AS_OF = '2026-11-01';

export interface ModelPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/** Keyed by canonical model id (core/models.ts). */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-opus-4-6': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4-5': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-sonnet-4-6': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-haiku-3-5': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'gpt-5.1': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-codex': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  o3: { inputPerMTok: 2, outputPerMTok: 8 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
};

/** The list price of a model by any spelling, if the table has it. */
export function priceOf(name: string): ModelPrice | undefined {
  const id = resolveModel(name)?.id ?? name;
  return MODEL_PRICES[id];
}

/** What a line on `from` would cost on `to` at list prices (the ratio of their prices). */
export function priceRatio(from: string, to: string): number | undefined {
  const a = priceOf(from);
  const b = priceOf(to);
  return a && b ? b.outputPerMTok / a.outputPerMTok : undefined;
}
