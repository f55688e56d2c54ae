import { AppError } from '../errors.js';
import { parseId } from './ids.js';
import { MoneyFormatError, parseMoney, type Minor } from './money.js';
import { normalizePhone, PhoneFormatError } from './phone.js';

/**
 * SPEC §1 leniency in one place: wire values (JSON numbers or numeric strings, phones in any of
 * the docs' forms) turned into exact domain values, or a 422 naming the field.
 */

export function phoneField(value: unknown, field = 'phone'): string {
  try {
    return normalizePhone(value);
  } catch (error) {
    if (error instanceof PhoneFormatError) throw AppError.field(field, error.message);
    throw error;
  }
}

/** A decimal with at most 2 decimals, in hundredths: money amounts (minor units), percents. */
export function moneyField(value: unknown, field: string): Minor {
  try {
    return parseMoney(value);
  } catch (error) {
    if (error instanceof MoneyFormatError) throw AppError.field(field, error.message);
    throw error;
  }
}

/** A whole number in [min, max], given as a number or a numeric string. */
export function intField(value: unknown, field: string, min = 0, max = 2 ** 31 - 1): number {
  const text = typeof value === 'string' ? value.trim() : value;
  const number = typeof text === 'string' && /^[-+]?\d+$/.test(text) ? Number(text) : text;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw AppError.field(field, 'must be a whole number');
  }
  if (number < min || number > max) throw AppError.field(field, `must be between ${min} and ${max}`);
  return number;
}

/** A positive id, given as a number or a numeric string. */
export function idField(value: unknown, field: string): number {
  const id = parseId(value);
  if (id === null) throw AppError.field(field, 'must be a positive integer');
  return id;
}

/** A list of positive ids (numbers or numeric strings), without duplicates. */
export function idsField(values: unknown[], field: string): number[] {
  const ids = values.map((value) => parseId(value));
  if (ids.some((id) => id === null)) throw AppError.field(field, 'must contain positive integer ids');
  return [...new Set(ids as number[])];
}

/**
 * The last page any list serves (the shared paging schemas state it; past it: 422). It keeps
 * `(page - 1) × size` an exact, small offset whatever the size: a million pages of the largest
 * page size reach further than any list here grows.
 */
export const MAX_PAGE = 1_000_000;

/** Page and page size for a list; `page` counts from 1. */
export function pageOf(page: number | undefined, size: number): { limit: number; offset: number } {
  return { limit: size, offset: ((page ?? 1) - 1) * size };
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** A `Y-m-d` day as the UTC instant it starts at; 2024-02-30 and the like are refused. */
export function dayStart(text: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const at = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== text) {
    throw AppError.field(field, 'must be a real date as Y-m-d (e.g. 2024-01-31)');
  }
  return at;
}
