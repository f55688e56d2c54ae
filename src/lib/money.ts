/**
 * The one money type. Amounts live as integer minor units (cents) everywhere inside the
 * server and in storage; they become decimal JSON numbers only at the HTTP edge.
 */
export type Minor = number;

/** Largest absolute amount accepted on the wire (SPEC §1: beyond ±10^12 is 422). */
export const MAX_MAJOR = 1e12;
const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

export class MoneyFormatError extends Error {}

/**
 * Parses a wire amount (JSON number or numeric string) into minor units, exactly.
 * A number is read through its shortest decimal rendering, so 100.5 is 10050 and
 * 0.1 is 10 — no float arithmetic ever touches the value.
 */
export function parseMoney(value: unknown): Minor {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MoneyFormatError('must be a finite number');
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new MoneyFormatError('must be a number');
  }
  const m = DECIMAL.exec(text);
  if (!m) {
    if (/^-?\d+\.\d{3,}$/.test(text) || /e-/i.test(text)) {
      throw new MoneyFormatError('must have at most 2 decimal places');
    }
    throw new MoneyFormatError('must be a number with at most 2 decimal places');
  }
  const [, sign, whole = '0', frac = ''] = m;
  if (whole.length > 13 || Number(whole) > MAX_MAJOR) {
    throw new MoneyFormatError(`must be between -${MAX_MAJOR} and ${MAX_MAJOR}`);
  }
  const minor = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (minor > MAX_MAJOR * 100) throw new MoneyFormatError(`must be between -${MAX_MAJOR} and ${MAX_MAJOR}`);
  return sign && minor !== 0 ? -minor : minor;
}

/** Minor units to the JSON number the wire shows (10050 → 100.5). Exact for |x| < 2^53. */
export function toMajor(minor: Minor): number {
  return minor / 100;
}
