import { resolveModel } from '../models.js';
import type { VendorUsageLine } from '../usage.js';

/**
 * Every line with its canonical model: from the vendor's `model`, or from a line item that names a
 * model ("Claude Sonnet 4.6 Usage - Output Tokens"). A `model` the table does not know is kept
 * verbatim as `modelId` and listed in `unknown`; a line item that names no model is left alone.
 */
export function withCanonicalModels(lines: readonly VendorUsageLine[]): {
  lines: VendorUsageLine[];
  unknown: string[];
} {
  const unknown = new Set<string>();
  // A day names a handful of models across tens of thousands of lines: resolve each spelling once.
  const resolved = new Map<string, ReturnType<typeof resolveModel>>();
  const resolveOnce = (name: string) => {
    if (resolved.has(name)) return resolved.get(name);
    const known = resolveModel(name);
    resolved.set(name, known);
    return known;
  };
  const out = lines.map((line): VendorUsageLine => {
    const known = resolveOnce(line.model ?? line.lineItem);
    if (known) return { ...line, modelId: known.id, modelFamily: known.family, modelTier: known.tier };
    if (line.model === undefined) return line;
    unknown.add(line.model);
    return { ...line, modelId: line.model };
  });
  return { lines: out, unknown: [...unknown].sort() };
}
