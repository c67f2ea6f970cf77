import { describe, expect, it } from 'vitest';
import { nextStep } from '../../../functions/core/alerts/delivery-ledger.js';

const NOW = new Date('2026-04-01T06:31:00Z');
const LEASE = 15 * 60_000;
const claimed = (by: string, at = '2026-04-01T06:30:00Z') => ({
  target: 'slack:C0FINANCE',
  status: 'claimed' as const,
  claimedBy: by,
  attemptedAt: at,
  attempts: 1,
});

describe('delivery ledger: what to do with a delivery', () => {
  it('sends what is pending or failed, skips what is confirmed', () => {
    expect(nextStep({ ...claimed('x'), status: 'pending' }, 'run-a', NOW, LEASE)).toBe('send');
    expect(nextStep({ ...claimed('x'), status: 'failed' }, 'run-a', NOW, LEASE)).toBe('send');
    expect(nextStep({ ...claimed('x'), status: 'sent' }, 'run-a', NOW, LEASE)).toBe('skip');
  });

  it("checks its own interrupted claim at once, and another run's only after the lease", () => {
    expect(nextStep(claimed('run-a'), 'run-a', NOW, LEASE)).toBe('check');
    expect(nextStep(claimed('run-b'), 'run-a', NOW, LEASE)).toBe('leave');
    expect(nextStep(claimed('run-b', '2026-04-01T06:00:00Z'), 'run-a', NOW, LEASE)).toBe('check');
  });
});
