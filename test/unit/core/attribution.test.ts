import { describe, expect, it } from 'vitest';
import { attributeLines, createAttributor } from '../../../functions/core/attribution.js';
import type { AttributionRule } from '../../../functions/core/config/schema.js';
import { mulberry32 } from '../../../functions/core/random.js';
import type { Identities, VendorUsageLine } from '../../../functions/core/usage.js';

const line = (identities: VendorUsageLine['identities'], costMicros = 1_000_000n): VendorUsageLine => ({
  date: '2026-03-02',
  vendor: 'cursor',
  identities,
  lineItem: 'usage',
  costMicros,
  provisional: false,
});

describe('attribution', () => {
  const attribute = createAttributor([
    { match: { workspace: 'wrkspc_payments' }, team: 'payments' },
    { match: { userEmail: '*@payments.corp.com' }, team: 'payments' },
    { match: { project: 'proj_ds*', apiKey: 'key_research' }, team: 'data-science' },
    { match: { tag: 'search' }, team: 'search' },
  ]);

  it('maps each identity kind, with domain patterns and case-insensitive emails', () => {
    expect(attribute({ workspace: 'wrkspc_payments' })).toBe('payments');
    expect(attribute({ userEmail: 'Dana@Payments.Corp.com' })).toBe('payments');
    expect(attribute({ tag: 'search' })).toBe('search');
  });

  it('requires every identity a rule names to match', () => {
    expect(attribute({ project: 'proj_ds_lab', apiKey: 'key_research' })).toBe('data-science');
    expect(attribute({ project: 'proj_ds_lab' })).toBe('unallocated');
  });

  it('does not let a pattern match a look-alike domain', () => {
    expect(attribute({ userEmail: 'eve@payments.corp.com.evil.io' })).toBe('unallocated');
    expect(attribute({ userEmail: 'eve@notpayments.corp.com' })).toBe('unallocated');
  });

  it('matches prefix, suffix, inner and several `*` the same way, case-insensitively and literally otherwise', () => {
    const shapes = createAttributor([
      { match: { project: 'PROJ_Lab*' }, team: 'prefix' },
      { match: { project: '*.Staging' }, team: 'suffix' },
      { match: { project: 'app-*-eu' }, team: 'inner' },
      { match: { project: '*(x)*' }, team: 'several' },
      { match: { project: 'Exact+1' }, team: 'exact' },
    ]);
    expect(shapes({ project: 'proj_lab_7' })).toBe('prefix');
    expect(shapes({ project: 'checkout.STAGING' })).toBe('suffix');
    expect(shapes({ project: 'APP-checkout-EU' })).toBe('inner');
    expect(shapes({ project: 'app-eu' })).toBe('unallocated');
    expect(shapes({ project: 'a(X)b' })).toBe('several');
    expect(shapes({ project: 'axb' })).toBe('unallocated');
    expect(shapes({ project: 'EXACT+1' })).toBe('exact');
    expect(shapes({ project: 'Exactt1' })).toBe('unallocated');
  });

  it('reports unmatched spend by identity instead of dropping it', () => {
    const { records, summary } = attributeLines(
      'cursor',
      [
        line({ userEmail: 'a@payments.corp.com' }, 5_000_000n),
        line({ tag: '' }, 2_000_000n),
        line({ project: 'x' }, 1_000_000n),
      ],
      attribute,
    );
    expect(records.map((r) => r.team)).toEqual(['payments', 'unallocated', 'unallocated']);
    expect(summary.totalMicros).toBe(8_000_000n);
    expect(summary.unallocatedMicros).toBe(3_000_000n);
    expect([...summary.unmatched.keys()]).toEqual(['tag=(empty)', 'project=x']);
  });

  it('does not count detail lines (billable: false) as spend', () => {
    const { summary } = attributeLines(
      'anthropic',
      [{ ...line({ project: 'x' }), billable: false }],
      attribute,
    );
    expect(summary.totalMicros).toBe(0n);
    expect(summary.unallocatedMicros).toBe(0n);
  });

  it('answers as trying every rule in order would, for rules of every shape mixed (the lookup of single exact and suffix rules changes speed, not answers)', () => {
    // Prepare: 2,000 random rule sets over a tiny alphabet, so rules overlap, repeat and shadow each other.
    const rand = mulberry32(20261202);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
    const word = () =>
      Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(['a', 'B', '@', '.'])).join('');
    const pattern = () =>
      pick([() => word(), () => `*${word()}`, () => `${word()}*`, () => `${word()}*${word()}`, () => '*'])();
    const kinds = ['userEmail', 'project', 'tag'] as const;
    /** The rule semantics written out plainly: each `*` any run of characters, case-insensitive. */
    const matches = (p: string, v: string | undefined) =>
      v !== undefined &&
      new RegExp(
        `^${p
          .split('*')
          .map((x) => x.replace(/[.]/g, '\\.'))
          .join('.*')}$`,
        'i',
      ).test(v);
    let disagreements = 0;
    for (let trial = 0; trial < 2_000; trial++) {
      const rules: AttributionRule[] = Array.from({ length: 1 + Math.floor(rand() * 8) }, (_, i) => {
        const named = kinds.filter(() => rand() < 0.4);
        const match = Object.fromEntries((named.length ? named : [pick(kinds)]).map((k) => [k, pattern()]));
        return { match, team: `t${i}` } as AttributionRule;
      });
      const attribute = createAttributor(rules);
      for (let j = 0; j < 20; j++) {
        const identities: Identities = Object.fromEntries(
          kinds.filter(() => rand() < 0.7).map((k) => [k, word() + (rand() < 0.5 ? word() : '')]),
        );
        const expected =
          rules.find((r) =>
            Object.entries(r.match).every(([k, p]) => matches(p, identities[k as (typeof kinds)[number]])),
          )?.team ?? 'unallocated';
        // Act + Assess
        if (attribute(identities) !== expected) disagreements++;
      }
    }
    expect(disagreements).toBe(0);
  });
});
