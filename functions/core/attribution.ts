import {
  type AttributionRule,
  IDENTITY_KINDS,
  type IdentityKind,
  UNALLOCATED_TEAM,
} from './config/schema.js';
import type { Micros } from './money.js';
import { type Identities, isBillable, type UsageRecord, type VendorUsageLine } from './usage.js';

/** A `*` pattern as the matcher needs it: exact, one leading `*` (a suffix), or anything else. */
type Pattern =
  | { readonly shape: 'exact'; readonly text: string }
  | { readonly shape: 'suffix'; readonly text: string }
  | { readonly shape: 'other'; readonly test: (lower: string | undefined) => boolean };

/**
 * Compiles a `*` pattern once into a test of an already lower-cased value (matching is
 * case-insensitive because emails and tags are). One trailing `*` is a prefix comparison; inner or
 * several `*` a regular expression.
 */
function compilePattern(pattern: string): Pattern {
  const p = pattern.toLowerCase();
  const stars = p.split('*').length - 1;
  if (stars === 0) return { shape: 'exact', text: p };
  if (stars === 1 && p.startsWith('*')) return { shape: 'suffix', text: p.slice(1) };
  if (stars === 1 && p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return { shape: 'other', test: (value) => value?.startsWith(prefix) === true };
  }
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${escaped}$`, 'i');
  return { shape: 'other', test: (value) => value !== undefined && re.test(value) };
}

const testOf = (p: Pattern): ((lower: string | undefined) => boolean) => {
  if (p.shape === 'exact') return (value) => value === p.text;
  if (p.shape === 'suffix') return (value) => value?.endsWith(p.text) === true;
  return p.test;
};

export type Attributor = (identities: Identities) => string;

/**
 * The first rule (in config order) each exact or suffix pattern of one identity kind belongs to, for
 * rules that name only that kind: a real org writes one such rule per team (`*@payments.example.com`),
 * and testing every line against hundreds of them in turn is most of attribution's time at 85,000
 * engineers. A value's matching rules are found by looking up the value and its suffixes of the
 * lengths the patterns have.
 */
class SingleKindIndex {
  private readonly exact = new Map<string, number>();
  private readonly suffixes = new Map<string, number>();
  private readonly lengths = new Set<number>();

  add(p: Pattern, rule: number): void {
    if (p.shape === 'exact' && !this.exact.has(p.text)) this.exact.set(p.text, rule);
    if (p.shape === 'suffix') {
      if (!this.suffixes.has(p.text)) this.suffixes.set(p.text, rule);
      this.lengths.add(p.text.length);
    }
  }

  /** The first indexed rule matching `value`, or `Infinity`. */
  first(value: string | undefined): number {
    if (value === undefined) return Number.POSITIVE_INFINITY;
    let best = this.exact.get(value) ?? Number.POSITIVE_INFINITY;
    for (const n of this.lengths) {
      if (n > value.length) continue;
      const rule = this.suffixes.get(value.slice(value.length - n));
      if (rule !== undefined && rule < best) best = rule;
    }
    return best;
  }
}

/**
 * Build a function mapping a line's identities to a team: the first rule whose every named identity
 * matches wins; nothing matching → `unallocated`. Rules are evaluated in config order; rules of one
 * exact or suffix pattern are looked up (SingleKindIndex) rather than tried one by one, with the same
 * answer.
 */
export function createAttributor(rules: readonly AttributionRule[]): Attributor {
  const indexes = new Map<IdentityKind, SingleKindIndex>();
  const others: {
    index: number;
    team: string;
    checks: { kind: IdentityKind; test: (v?: string) => boolean }[];
  }[] = [];
  rules.forEach((rule, index) => {
    const patterns = IDENTITY_KINDS.flatMap((kind) => {
      const pattern = rule.match[kind];
      return pattern === undefined ? [] : [{ kind, pattern: compilePattern(pattern) }];
    });
    const only = patterns.length === 1 ? patterns[0] : undefined;
    if (only && only.pattern.shape !== 'other') {
      const idx = indexes.get(only.kind) ?? new SingleKindIndex();
      idx.add(only.pattern, index);
      indexes.set(only.kind, idx);
      return;
    }
    others.push({
      index,
      team: rule.team,
      checks: patterns.map((p) => ({ kind: p.kind, test: testOf(p.pattern) })),
    });
  });
  const kinds = [...new Set([...indexes.keys(), ...others.flatMap((r) => r.checks.map((c) => c.kind))])];
  const indexed = [...indexes];
  return (identities) => {
    // Each identity the rules look at is lower-cased once per line, not once per rule.
    const lower: Partial<Record<IdentityKind, string>> = {};
    for (const kind of kinds) lower[kind] = identities[kind]?.toLowerCase();
    let best = Number.POSITIVE_INFINITY;
    for (const [kind, idx] of indexed) best = Math.min(best, idx.first(lower[kind]));
    for (const rule of others) {
      if (rule.index > best) break;
      if (rule.checks.every((c) => c.test(lower[c.kind]))) return rule.team;
    }
    return best === Number.POSITIVE_INFINITY ? UNALLOCATED_TEAM : (rules[best]?.team ?? UNALLOCATED_TEAM);
  };
}

/**
 * For a person who belongs to several GitHub teams (merged pull requests, Copilot usage metrics):
 * which of their identity sets the rules attribute, by the same first-match-wins order. Returns the
 * index of the set the first matching rule matches (rules in config order, then sets in the order
 * given), or undefined when no rule matches any of them (the line then goes to `unallocated`).
 */
export function createCandidateAttributor(
  rules: readonly AttributionRule[],
): (candidates: readonly Identities[]) => number | undefined {
  const single = rules.map((rule) => createAttributor([rule]));
  return (candidates) => {
    for (const matches of single) {
      const i = candidates.findIndex((c) => matches(c) !== UNALLOCATED_TEAM);
      if (i >= 0) return i;
    }
    return undefined;
  };
}

export interface AttributionSummary {
  readonly records: number;
  readonly totalMicros: Micros;
  readonly unallocatedMicros: Micros;
  /** Identities that matched no rule, with their spend, so someone can write the missing rule. */
  readonly unmatched: ReadonlyMap<string, Micros>;
}

/** Attribute every line of one source; returns the records and what went unallocated. */
export function attributeLines(
  source: string,
  lines: readonly VendorUsageLine[],
  attribute: Attributor,
): { records: UsageRecord[]; summary: AttributionSummary } {
  let total = 0n;
  let unallocated = 0n;
  const unmatched = new Map<string, Micros>();
  const records = lines.map((line) => {
    const team = attribute(line.identities);
    const counts = isBillable(line);
    if (counts) total += line.costMicros;
    if (team === UNALLOCATED_TEAM && counts) {
      unallocated += line.costMicros;
      const who = Object.entries(line.identities)
        .map(([k, v]) => `${k}=${v || '(empty)'}`)
        .join(' ');
      unmatched.set(who || '(no identity)', (unmatched.get(who || '(no identity)') ?? 0n) + line.costMicros);
    }
    return { ...line, source, team };
  });
  return {
    records,
    summary: { records: records.length, totalMicros: total, unallocatedMicros: unallocated, unmatched },
  };
}
