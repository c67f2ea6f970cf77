import { describe, expect, it } from 'vitest';
import {
  centsNumberToMicros,
  centsStringToMicros,
  formatUsd,
  formatUsdCompact,
  MoneyFormatError,
  microsToCentsNumber,
  microsToDecimalString,
  sumMicros,
  usdNumberToMicros,
  usdStringToMicros,
} from '../../../functions/core/money.js';

describe('money', () => {
  it('reads vendor amounts in their own units exactly', () => {
    expect(usdStringToMicros('38.4127')).toBe(38_412_700n); // AWS Cost Explorer dollars
    expect(centsStringToMicros('123.45')).toBe(1_234_500n); // Anthropic cost report: cents, not dollars
    expect(centsStringToMicros('4650.125')).toBe(46_501_250n);
    expect(usdNumberToMicros(41.0625)).toBe(41_062_500n); // OpenAI dollars as a JSON number
    expect(centsNumberToMicros(19.4)).toBe(194_000n); // Cursor cents as a float
    expect(usdNumberToMicros(0.1)).toBe(100_000n);
  });

  it('rounds half away from zero at the micro-dollar', () => {
    expect(usdStringToMicros('0.0000005')).toBe(1n);
    expect(usdStringToMicros('0.0000004')).toBe(0n);
    expect(usdStringToMicros('-1.0000005')).toBe(-1_000_001n);
    expect(centsStringToMicros('2450.12545')).toBe(24_501_255n);
  });

  it('sums a year of line items to the cent where floats drift', () => {
    // Prepare: 365 days x 200 line items of $0.10 + $0.20 (binary floats cannot hold either)
    const items: bigint[] = [];
    let float = 0;
    for (let i = 0; i < 365 * 200; i++) {
      items.push(usdNumberToMicros(0.1), usdNumberToMicros(0.2));
      float += 0.1 + 0.2;
    }
    // Act
    const total = sumMicros(items);
    // Assess
    expect(microsToDecimalString(total)).toBe('21900.000000');
    expect(float).not.toBe(21900);
  });

  it('rejects text that is not a decimal amount', () => {
    expect(() => usdStringToMicros('12,50')).toThrow(MoneyFormatError);
    expect(() => usdStringToMicros('')).toThrow(MoneyFormatError);
    expect(() => usdNumberToMicros(Number.NaN)).toThrow(MoneyFormatError);
  });

  it('formats for people', () => {
    expect(formatUsd(240_000_000_000n)).toBe('$240,000');
    expect(formatUsd(1_234_565_000n, { cents: true })).toBe('$1,234.57');
    expect(formatUsd(-5_000_000n)).toBe('-$5');
    expect(formatUsd(4_375n, { decimals: 4 })).toBe('$0.0044');
    expect(formatUsd(1_234_565_000n, { decimals: 4 })).toBe('$1,234.5650');
    expect(microsToCentsNumber(151_234_495_000n)).toBe(151234.5);
    expect(formatUsdCompact(812_000)).toBe('$812k');
    expect(formatUsdCompact(1_250_000)).toBe('$1.25M');
  });
});
