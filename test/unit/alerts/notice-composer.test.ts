import { describe, expect, it } from 'vitest';
import { blockKitProblems, context, fitBlockKit, section } from '../../../functions/core/alerts/block-kit.js';
import { composeAlertNotice } from '../../../functions/core/alerts/notice-composer.js';
import type { AlertCondition } from '../../../functions/core/alerts/types.js';

describe('notice composer', () => {
  it('cuts an oversized message down to Block Kit limits when composing, before any intent exists', () => {
    // Prepare: 3,000 people over the cap (the private list), and a team name longer than a header.
    const people = Array.from({ length: 3_000 }, (_, i) => ({
      user: `dev${i}@corp.example`,
      monthUsd: 1_600 + i,
    }));
    const cond: AlertCondition = {
      team: 'payments',
      rule: 'engineer-cap',
      key: 'ALERT#engineer-cap#2026-03',
      severity: 'warning',
      metric: people.length,
      facts: {
        kind: 'engineer-cap',
        teamName: `Payments ${'and Billing '.repeat(20)}`,
        month: '2026-03',
        asOf: '2026-03-31',
        capUsd: 1_500,
        overCount: people.length,
        people,
        vendors: ['cursor', 'anthropic'],
      },
    };

    // Act
    const notice = composeAlertNotice({
      cond,
      kind: 'enter',
      asOf: '2026-03-31',
      previousExhaustionP50: null,
      worseningDays: 14,
    });

    // Assess
    expect(blockKitProblems(notice.messages.channel)).toEqual([]);
    expect(notice.messages.private).toBeDefined();
    expect(blockKitProblems(notice.messages.private ?? { text: '', blocks: [] })).toEqual([]);
    // The channel message never names anyone.
    expect(JSON.stringify(notice.messages.channel)).not.toContain('dev1@');
  });

  it('folds blocks past the limit into one line before the footer, and fills empty texts', () => {
    // Prepare
    const blocks = [...Array.from({ length: 60 }, (_, i) => section(`line ${i}`)), context('footer')];

    // Act
    const fitted = fitBlockKit({ text: '', blocks });

    // Assess
    expect(fitted.blocks).toHaveLength(50);
    expect(fitted.blocks.at(-1)).toEqual(context('footer'));
    expect(JSON.stringify(fitted.blocks.at(-2))).toContain('…12 more blocks left out');
    expect(fitted.text).toBe('—');
    expect(blockKitProblems(fitted)).toEqual([]);
  });
});
