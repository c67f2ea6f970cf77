import { describe, expect, it } from 'vitest';
import { generatedScenarios } from '../../bench/forecast-scenarios.js';

describe('generated bench scenarios with a persistent level wobble', () => {
  const plain = generatedScenarios();
  const wobbly = generatedScenarios({ wobble: true });

  it('leaves the judged generated set as it was', () => {
    expect(generatedScenarios({})).toEqual(plain);
    expect(plain.map((s) => s.name).every((n) => !n.endsWith('~w'))).toBe(true);
  });

  it('multiplies the same day-to-day draws by a slow AR(1) wobble of about 5% sd', () => {
    const flat = plain.find((s) => s.name === 'gen-flat-jul');
    const flatW = wobbly.find((s) => s.name === 'gen-flat-jul~w');
    if (!flat || !flatW) throw new Error('gen-flat-jul missing');
    // log(wobbly / plain) is the wobble itself (up to the cent rounding): persistent day to day.
    const drift = flat.daily.map((d, i) => Math.log((flatW.daily[i]?.usd ?? 0) / d.usd));
    const mean = drift.reduce((a, b) => a + b, 0) / drift.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < drift.length; i++) {
      den += ((drift[i] ?? 0) - mean) ** 2;
      if (i > 0) num += ((drift[i] ?? 0) - mean) * ((drift[i - 1] ?? 0) - mean);
    }
    expect(num / den).toBeGreaterThan(0.9);
    const sd = Math.sqrt(den / drift.length);
    expect(sd).toBeGreaterThan(0.02);
    expect(sd).toBeLessThan(0.1);
  });
});
