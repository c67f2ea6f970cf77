import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import { reportInput } from '../../../functions/core/report/report-data.js';
import { renderReportHtml } from '../../../functions/core/report/report-html.js';
import { computeTeamBurns } from '../../../functions/core/team-reports.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { replaceDays } from '../../helpers/store-reads.js';

/**
 * The report's "Unallocated spend" table, read by finance (review B, finding 1): spend no rule
 * matched is listed by identity so someone can add a rule, but an identity that may name a person
 * (a Cursor email, an `account` login) is only counted per source: finance does not see per-person
 * figures (`privacy.perPersonVisibleTo`), and the report has no private view.
 */
const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 240_000 }],
  sources: [
    {
      id: 'anthropic',
      type: 'anthropic',
      attribution: [{ match: { workspace: 'wrkspc_pay' }, team: 'payments' }],
    },
    {
      id: 'cursor',
      type: 'cursor',
      attribution: [{ match: { userEmail: '*@payments.acme.example' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: '#finance' },
});

async function reportHtml() {
  // Prepare: 30 days; at Cursor a matched engineer, two unmatched people (an email, and a login the
  // connector stores as `account`); at Anthropic a matched and an unmatched workspace.
  const { store } = await dynamo.newStore();
  const days = eachDay('2026-03-01', '2026-03-30');
  const cursor = { source: 'cursor', vendor: 'cursor' as const, lineItem: 'claude-4.6-sonnet' };
  await replaceDays(
    store,
    'cursor',
    days,
    days.flatMap((date) => [
      aRecord({
        ...cursor,
        date,
        team: 'payments',
        identities: { userEmail: 'ana@payments.acme.example' },
        costMicros: usdToMicros(30),
      }),
      aRecord({
        ...cursor,
        date,
        team: 'unallocated',
        identities: { userEmail: 'kim.contractor@gmail.com' },
        costMicros: usdToMicros(55),
      }),
      aRecord({
        ...cursor,
        date,
        team: 'unallocated',
        identities: { account: 'lee-octocat' },
        costMicros: usdToMicros(5),
      }),
    ]),
  );
  await replaceDays(
    store,
    'anthropic',
    days,
    days.flatMap((date) => [
      aRecord({ date, identities: { workspace: 'wrkspc_pay' }, costMicros: usdToMicros(20) }),
      aRecord({
        date,
        team: 'unallocated',
        identities: { workspace: 'wrkspc_hackday' },
        costMicros: usdToMicros(3),
      }),
      // A line whose identity the vendor left empty (Bedrock's untagged spend: tag "")
      aRecord({ date, team: 'unallocated', identities: { tag: '' }, costMicros: usdToMicros(1) }),
    ]),
  );
  const org = await computeTeamBurns({
    config,
    store,
    asOf: '2026-03-30',
    now: new Date('2026-03-31T07:00:00Z'),
  });
  // Act
  return renderReportHtml(await reportInput({ config, store, org, generatedAt: '2026-03-31T07:00:00.000Z' }));
}

describe('report: unallocated spend', () => {
  it('counts unmatched people per source, with their spend, and never names them', async () => {
    const html = await reportHtml();

    // Assess: neither person's identity is in the file finance reads; their $1,680 (28 days × $60,
    // the table covers the last 28) is, as "2 people" at Cursor.
    expect(html).toContain('<h2>Unallocated spend</h2>');
    expect(html).not.toMatch(/kim\.contractor|lee-octocat/);
    expect(html).toMatch(
      /<td>cursor<\/td><td>2 people [^<]*<span[^>]*>[^<]*<\/span><\/td><td class="n">\$1,680<\/td>/,
    );
  });

  it('still lists an identity that names no person, so someone can write its rule', async () => {
    const html = await reportHtml();
    expect(html).toMatch(
      /<td>anthropic<\/td><td><code>workspace=wrkspc_hackday<\/code><\/td><td class="n">\$84<\/td>/,
    );
  });

  it('shows an identity the vendor left empty as (empty), as the terminal does, not as a bare "tag="', async () => {
    const html = await reportHtml();
    expect(html).toMatch(/<td>anthropic<\/td><td><code>tag=\(empty\)<\/code><\/td><td class="n">\$28<\/td>/);
  });
});
