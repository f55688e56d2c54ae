/**
 * The one phone normaliser. The docs send phones as 13155550175, "13155550175" or
 * "+13155550175"; everything is stored and compared as digits only.
 */
export class PhoneFormatError extends Error {}

const ALLOWED = /^\+?[\d\s\-().]+$/;

export function normalizePhone(value: unknown): string {
  let text: string;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else throw new PhoneFormatError('must be a phone number');
  if (!ALLOWED.test(text)) throw new PhoneFormatError('must contain only digits (and an optional leading +)');
  const digits = phoneDigits(text);
  if (digits.length < 7 || digits.length > 15) throw new PhoneFormatError('must have 7 to 15 digits');
  return digits;
}

/**
 * The digits of a phone, or of a part of one, as phones are stored: what searches and logins by
 * phone compare (no length check: a part of a phone matches too).
 */
export function phoneDigits(text: string): string {
  return text.replace(/\D/g, '');
}

/** Phones are rendered the way Altegio renders them: international with a plus. */
export function formatPhone(digits: string | null): string {
  return digits ? `+${digits}` : '';
}
