import { describe, expect, it } from 'vitest';
import { formatPhone, normalizePhone, phoneDigits, PhoneFormatError } from '../../src/lib/phone.js';

describe('phone', () => {
  it.each([
    [13155550175, '13155550175'],
    ['13155550175', '13155550175'],
    ['+13155550175', '13155550175'],
    ['+1 (315) 555-01-75', '13155550175'],
  ])('normalises %j to digits', (input, digits) => {
    expect(normalizePhone(input)).toBe(digits);
  });

  it.each([['123'], ['1234567890123456'], ['+1315abc0175'], [-5], [1.5], [null], [''], [{}]])(
    'refuses %j',
    (input) => {
      expect(() => normalizePhone(input)).toThrow(PhoneFormatError);
    },
  );

  it('takes the digits of a part of a phone without judging its length (searches, logins)', () => {
    expect(phoneDigits('+1 (315) 555')).toBe('1315555');
    expect(phoneDigits('55')).toBe('55');
    expect(phoneDigits('ann')).toBe('');
  });

  it('renders international form', () => {
    expect(formatPhone('13155550175')).toBe('+13155550175');
  });
});
