import {
  type AttributionRule,
  IDENTITY_KINDS,
  type IdentityKind,
  UNALLOCATED_TEAM,
} from './config/schema.js';
import type { Micros } from './money.js';
import { type Identities, isBillable, type UsageRecord, type VendorUsageLine } from './usage.js';

/**
 * Compiles `*` patterns once into a test of an already lower-cased value (matching is
 * case-insensitive because emails and tags are). The common shapes (no `*`, one leading `*` as in
 * `*@payments.example.com`, one trailing `*`) are plain string comparisons: a real org has a rule per
 * team and every line is tested against them in order, so a regular expression per rule costs
 * seconds on a day of 85,000 lines.
 */
function compilePattern(pattern: string): (lower: string | undefined) => boolean {
  const p = pattern.toLowerCase();
  const stars = p.split('*').length - 1;
  if (stars === 0) return (value) => value === p;
  if (stars === 1 && p.startsWith('*')) {
    const suffix = p.slice(1);
    return (value) => value?.endsWith(suffix) === true;
  }
  if (stars === 1 && p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (value) => value?.startsWith(prefix) === true;
  }
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${escaped}$`, 'i');
  return (value) => value !== undefined && re.test(value);
}

export type Attributor = (identities: Identities) => string;

/**
 * Build a function mapping a line's identities to a team: the first rule whose every named identity
 * matches wins; nothing matching → `unallocated`. Rules are evaluated in config order.
 */
export function createAttributor(rules: readonly AttributionRule[]): Attributor {
  const compiled = rules.map((rule) => {
    const checks = IDENTITY_KINDS.flatMap((kind) => {
      const pattern = rule.match[kind];
      return pattern === undefined ? [] : [{ kind, test: compilePattern(pattern) }];
    });
    return { team: rule.team, checks };
  });
  const kinds = [...new Set(compiled.flatMap((r) => r.checks.map((c) => c.kind)))];
  return (identities) => {
    // Each identity the rules look at is lower-cased once per line, not once per rule.
    const lower: Partial<Record<IdentityKind, string>> = {};
    for (const kind of kinds) lower[kind] = identities[kind]?.toLowerCase();
    for (const rule of compiled) {
      if (rule.checks.every((c) => c.test(lower[c.kind]))) return rule.team;
    }
    return UNALLOCATED_TEAM;
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
