import { describe, expect, it } from 'vitest';
import { NumberReader, numberStyleOf, parseNumber } from '../../extract/tabular/numbers.ts';

describe('parseNumber', () => {
  it.each([
    ['120', 120],
    ['  84.5 ', 84.5],
    ['-3.25', -3.25],
    ['+7', 7],
    ['1,234,567.5', 1234567.5],
    ['1 234.5', 1234.5],
    ["1'234.5", 1234.5],
    ['.5', 0.5],
    ['1.5e3', 1500],
    ['0.1', 0.1],
    ['123456789012.345', 123456789012.345],
    // eslint-disable-next-line no-loss-of-precision -- the text and the literal round to the same double, which is the point
    ['12345678901234567890', 12345678901234567890],
  ])('reads en %j as %d', (text, value) => {
    expect(parseNumber(text, 'en')).toBe(value);
  });

  it.each([
    ['120', 120],
    ['84,5', 84.5],
    ['1.234.567,5', 1234567.5],
    ['1 234,5', 1234.5],
    ['1\u00a0234,5', 1234.5],
    ['\u22123,5', -3.5],
    [',5', 0.5],
  ])('reads de %j as %d', (text, value) => {
    expect(parseNumber(text, 'de')).toBe(value);
  });

  it.each([
    ['', 'en'],
    ['abc', 'en'],
    ['1,5', 'en'],
    ['1,23,456', 'en'],
    ['12.50', 'de'],
    ['1.234,5', 'en'],
    ['1,234.5', 'de'],
    ['0x1F', 'en'],
    ['Infinity', 'en'],
    ['1e', 'en'],
    ['12 pcs', 'en'],
    ['-', 'de'],
  ] as const)('refuses %j in %s style', (text, locale) => {
    expect(parseNumber(text, locale)).toBeNaN();
  });

  it('gives the same doubles as Number() for decimal text', () => {
    for (let i = 0; i < 5000; i++) {
      const text = (Math.random() * 10 ** (1 + (i % 12))).toFixed(i % 7);
      expect(parseNumber(text, 'en')).toBe(Number(text));
    }
  });
});

describe('number style', () => {
  it('tells unambiguous, ambiguous and style-free values apart', () => {
    expect(numberStyleOf('1,5')).toBe('de');
    expect(numberStyleOf('1.234,5')).toBe('de');
    expect(numberStyleOf('1,234.5')).toBe('en');
    expect(numberStyleOf('12.50')).toBe('en');
    expect(numberStyleOf('1,500')).toBe('ambiguous');
    expect(numberStyleOf('1.500')).toBe('ambiguous');
    expect(numberStyleOf('1500')).toBe('same');
    expect(numberStyleOf('n/a')).toBe('none');
  });

  it('auto: learns the style from the first unambiguous value and keeps it', () => {
    const reader = new NumberReader('auto');
    expect(reader.read('120')).toBe(120);
    expect(reader.locale).toBeUndefined();
    expect(reader.read('1.500')).toBeNaN();
    expect(reader.problem).toBe('ambiguous');
    expect(reader.describe('1.500')).toMatch(/1\.5 or 1500.*set the number locale/);
    expect(reader.read('2,5')).toBe(2.5);
    expect(reader.locale).toBe('de');
    expect(reader.read('1.500')).toBe(1500);
    expect(reader.read('1,234.5')).toBeNaN();
    expect(reader.problem).toBe('other-style');
    expect(reader.describe('1,234.5')).toMatch(/decimal-comma \(de\) style/);
  });

  it('configured: reads only that style', () => {
    const reader = new NumberReader('en');
    expect(reader.read('1,500')).toBe(1500);
    expect(reader.read('2,5')).toBeNaN();
    expect(reader.describe('2,5')).toMatch(/decimal-point \(en\)/);
    expect(reader.read('abc')).toBeNaN();
    expect(reader.describe('abc')).toBe('"abc" is not a number');
  });
});
