import { describe, expect, it } from 'vitest';
import { MoneyFormatError, parseMoney, toMajor } from '../../src/lib/money.js';

describe('money', () => {
  it.each([
    [100.5, 10050],
    ['100.5', 10050],
    [0.1, 10],
    [-1, -100],
    ['-0.01', -1],
    [1e12, 1e14],
    ['  42 ', 4200],
    [0, 0],
  ])('parses %j exactly as %d minor units', (input, minor) => {
    expect(parseMoney(input)).toBe(minor);
  });

  it.each([[1.555], ['1.555'], [NaN], [Infinity], [1e13], ['1e3'], ['abc'], [true], [null], [1e-7], ['']])(
    'refuses %j',
    (input) => {
      expect(() => parseMoney(input)).toThrow(MoneyFormatError);
    },
  );

  it('renders minor units as the wire number', () => {
    expect(toMajor(10050)).toBe(100.5);
    expect(toMajor(0)).toBe(0);
    expect(toMajor(-1)).toBe(-0.01);
  });
});
