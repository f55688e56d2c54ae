import { describe, expect, it } from 'vitest';
import { formatPhone, normalizePhone, PhoneFormatError } from '../../src/lib/phone.js';

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

  it('renders international form', () => {
    expect(formatPhone('13155550175')).toBe('+13155550175');
  });
});
