import { describe, expect, it } from 'vitest';
import { usdToMicros } from '../../../functions/core/money.js';
import { type PersonCost, peopleOverCap, personKeyOf } from '../../../functions/core/person-costs.js';

const vendors = new Map([
  ['cursor', 'cursor'],
  ['anthropic', 'anthropic'],
]);

describe('peopleOverCap: one engineer however each vendor spells her email (review G, F2)', () => {
  it('counts an email spelled in two cases by two vendors as one person, shown once in lower case', () => {
    // Prepare: $1,000 on Cursor as `Ana@…`, $800 on Claude Code as `ana@…`; neither alone is over $1,500.
    const costs: PersonCost[] = [
      { user: 'Ana@pay.example', source: 'cursor', micros: usdToMicros(1000) },
      { user: 'ana@pay.example', source: 'anthropic', micros: usdToMicros(800) },
      { user: 'bo@pay.example', source: 'cursor', micros: usdToMicros(1400) },
    ];

    // Act
    const over = peopleOverCap(costs, 1500, vendors);

    // Assess: the vendors' limit APIs match emails case-insensitively, so no per-vendor spelling is kept.
    expect(over).toEqual([{ user: 'ana@pay.example', monthUsd: 1800, vendors: ['anthropic', 'cursor'] }]);
  });

  it('counts an `identities.people[]` alias as the person, and keeps the email each vendor knows', () => {
    // Prepare: Cursor knows John as jdoe@, Claude Code as john.doe@.
    const personKey = personKeyOf({
      people: [{ email: 'John.Doe@acme.example', githubLogins: [], aliases: ['jdoe@acme.example'] }],
      githubLoginRules: [],
    });
    const costs: PersonCost[] = [
      { user: 'JDoe@acme.example', source: 'cursor', micros: usdToMicros(900) },
      { user: 'john.doe@acme.example', source: 'anthropic', micros: usdToMicros(700) },
    ];

    // Act
    const over = peopleOverCap(costs, 1500, vendors, personKey);

    // Assess: one person of $1,600; a Cursor limit must name the email Cursor knows.
    expect(over).toEqual([
      {
        user: 'john.doe@acme.example',
        monthUsd: 1600,
        vendors: ['anthropic', 'cursor'],
        vendorEmails: { cursor: 'JDoe@acme.example' },
      },
    ]);
  });
});
