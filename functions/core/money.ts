/**
 * Exact money. Amounts are integer micro-dollars (1 USD = 1,000,000 micros) held in `bigint`, so a
 * year of line items sums exactly. Vendor amounts arrive as decimal strings (Anthropic cents, AWS
 * dollars) or JSON numbers (OpenAI dollars, Cursor cents); each has its own converter here so the
 * unit is explicit at the edge. Statistical code (forecasting) may use `microsToUsd` floats; stored
 * and summed amounts never do.
 */
export type Micros = bigint;

export const MICROS_PER_USD = 1_000_000n;
export const ZERO: Micros = 0n;

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

export class MoneyFormatError extends Error {
  override readonly name = 'MoneyFormatError';
  readonly code = 'MONEY_FORMAT';
}

/**
 * Parse a decimal string scaled by `10^scale` micros per unit, rounding half away from zero at the
 * micro. `scale` 6 = dollars, 4 = cents.
 */
function parseDecimal(text: string, scale: number): Micros {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new MoneyFormatError(`not a decimal amount: ${JSON.stringify(text)}`);
  const sign = m[1] === '-' ? -1n : 1n;
  const whole = m[2] ?? '0';
  const frac = m[3] ?? '';
  const kept = frac.slice(0, scale).padEnd(scale, '0');
  let value = BigInt(whole) * 10n ** BigInt(scale) + BigInt(kept || '0');
  const next = frac.charAt(scale);
  if (next !== '' && Number(next) >= 5) value += 1n;
  return sign * value;
}

/** `"12.345678"` dollars → micros. */
export function usdStringToMicros(text: string): Micros {
  return parseDecimal(text, 6);
}

/** `"123.45"` cents (Anthropic cost report) → micros. */
export function centsStringToMicros(text: string): Micros {
  return parseDecimal(text, 4);
}

/**
 * A JSON number of dollars → micros. Goes through the number's shortest decimal representation
 * (what the vendor wrote), not its binary value, so 0.1 becomes exactly 100,000 micros.
 */
export function usdNumberToMicros(value: number): Micros {
  return usdStringToMicros(numberToDecimalString(value));
}

/** A JSON number of cents (Cursor, Claude Code) → micros. */
export function centsNumberToMicros(value: number): Micros {
  return centsStringToMicros(numberToDecimalString(value));
}

function numberToDecimalString(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyFormatError(`not a finite amount: ${value}`);
  // toString gives exponent form for very small/large numbers; toFixed(12) is exact enough there.
  const s = String(value);
  return /e/i.test(s) ? value.toFixed(12) : s;
}

export function sumMicros(values: Iterable<Micros>): Micros {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

/** Float dollars for statistics and charts. Never sum these to report money. */
export function microsToUsd(value: Micros): number {
  return Number(value) / 1e6;
}

/** Exact dollars as a decimal string with 6 places: `"1234.500000"`. */
export function microsToDecimalString(value: Micros): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const whole = abs / MICROS_PER_USD;
  const frac = (abs % MICROS_PER_USD).toString().padStart(6, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** Dollars rounded to the cent as a JSON-safe number (`1234.5`). */
export function microsToCentsNumber(value: Micros): number {
  const cents = roundDiv(value, 10_000n);
  return Number(cents) / 100;
}

/** Integer division rounding half away from zero. */
export function roundDiv(value: bigint, divisor: bigint): bigint {
  const q = value / divisor;
  const r = value % divisor;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= (divisor < 0n ? -divisor : divisor)) return value < 0n !== divisor < 0n ? q - 1n : q + 1n;
  return q;
}

/** `$1,234,567` (whole dollars) or `$1,234.56` with `cents: true`. */
export function formatUsd(value: Micros, opts: { cents?: boolean; decimals?: 0 | 2 | 4 } = {}): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const digits = opts.decimals ?? (opts.cents ? 2 : 0);
  const unit = 10n ** BigInt(digits);
  const scaled = roundDiv(abs, MICROS_PER_USD / unit);
  const whole = scaled / unit;
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = digits ? `.${(scaled % unit).toString().padStart(digits, '0')}` : '';
  return `${neg ? '-' : ''}$${grouped}${frac}`;
}

/** Compact for tables and Slack: `$812k`, `$1.25M`, `$950`. */
export function formatUsdCompact(usd: number): string {
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  // $1M and $1.5M, not $1.00M and $1.50M.
  if (abs >= 1e6) return `${sign}$${Number((abs / 1e6).toFixed(abs >= 1e7 ? 1 : 2))}M`;
  if (abs >= 1e4) return `${sign}$${Math.round(abs / 1e3)}k`;
  if (abs >= 1e3) return `${sign}$${(abs / 1e3).toFixed(1)}k`;
  return `${sign}$${Math.round(abs)}`;
}

/** Whole or fractional dollars from config/CLI (a JS number) → micros, via its decimal text. */
export function usdToMicros(usd: number): Micros {
  return usdNumberToMicros(usd);
}
