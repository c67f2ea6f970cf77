import { describe, expect, it } from 'vitest';
import {
  logSd,
  normalCdf,
  ownVariance,
  POOLED_SCALE,
  Z90,
} from '../../../../functions/core/forecast/band.js';

describe('forecast band', () => {
  it('grows with the horizon like a random walk once the team noise has averaged out', () => {
    // Act
    const year = logSd(365, 0, 365);
    const quarter = logSd(91, 0, 365);
    // Assess
    expect(year).toBeCloseTo(POOLED_SCALE, 12);
    expect(year / quarter).toBeCloseTo(Math.sqrt(365 / 91), 9);
  });

  it("adds the team's own noise: more over the next days, and more for a young team", () => {
    expect(ownVariance(7, 0.2, 365)).toBeGreaterThan(ownVariance(91, 0.2, 365));
    expect(ownVariance(91, 0.2, 14)).toBeGreaterThan(ownVariance(91, 0.2, 182));
    expect(logSd(7, 0.3, 182)).toBeGreaterThan(logSd(7, 0.05, 182));
  });

  it('uses the standard normal for P10–P90 and P(exhaust)', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(Z90)).toBeCloseTo(0.9, 6);
    expect(normalCdf(-Z90)).toBeCloseTo(0.1, 6);
    expect(normalCdf(-8)).toBeLessThan(1e-12);
  });
});
