/** Path and body ids: positive integers, given as JSON numbers or numeric strings. */
const POSITIVE = /^[1-9]\d{0,14}$/;

export function parseId(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value === 'string' && POSITIVE.test(value.trim())) return Number(value.trim());
  return null;
}
