/**
 * Numbers written as text, in the two styles planners' spreadsheets produce:
 *   en: 1,234,567.5   de: 1.234.567,5   (both also accept space / NBSP / apostrophe grouping)
 * A value is only read one way: "1,500" is 1500 in en and 1.5 in de, so with locale `auto` it stays
 * ambiguous until an unambiguous value ("1.500,25", "0,5", "1,234.5") fixes the file's style.
 * Char-code scanning, no regex: this runs once per quantity cell on million-row files.
 */
export type NumberLocale = 'en' | 'de';
export type NumberLocaleSetting = 'auto' | NumberLocale;

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DOT = 46;
const COMMA = 44;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 160 || c === 0x202f;
}

/** grouping characters that are never a decimal separator */
function isNeutralGroup(c: number): boolean {
  return c === 32 || c === 160 || c === 0x202f || c === 39 || c === 0x2019;
}

/** The number `text` means in `locale`, or NaN when it is not a number written that way. */
export function parseNumber(text: string, locale: NumberLocale): number {
  const decimal = locale === 'en' ? DOT : COMMA;
  const group = locale === 'en' ? COMMA : DOT;
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (start === end) return NaN;

  let i = start;
  let negative = false;
  let c = text.charCodeAt(i);
  if (c === 45 || c === 0x2212) {
    negative = true;
    i++;
  } else if (c === 43) i++;
  const digitsStart = i;

  let intDigits = 0;
  let groupLen = 0;
  let groupChar = -1;
  // the digits as an integer, while it stays exact (see the end)
  let mantissa = 0;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      intDigits++;
      groupLen++;
      mantissa = mantissa * 10 + (c - DIGIT_0);
    } else if (c === group || isNeutralGroup(c)) {
      // thousands groups: 1–3 digits first, then exactly 3, always the same separator
      if (groupChar === -1) {
        if (groupLen < 1 || groupLen > 3) return NaN;
        groupChar = c;
      } else if (c !== groupChar || groupLen !== 3) return NaN;
      groupLen = 0;
    } else break;
  }
  if (groupChar !== -1 && groupLen !== 3) return NaN;
  const intEnd = i;

  let fracStart = i;
  let fracEnd = i;
  if (i < end && text.charCodeAt(i) === decimal) {
    i++;
    fracStart = i;
    while (i < end && (c = text.charCodeAt(i)) >= DIGIT_0 && c <= DIGIT_9) {
      mantissa = mantissa * 10 + (c - DIGIT_0);
      i++;
    }
    fracEnd = i;
  }
  if (intDigits === 0 && fracEnd === fracStart) return NaN;

  const expStart = i;
  if (i < end && ((c = text.charCodeAt(i)) === 101 || c === 69)) {
    i++;
    if (i < end && ((c = text.charCodeAt(i)) === 43 || c === 45)) i++;
    const expDigits = i;
    while (i < end && (c = text.charCodeAt(i)) >= DIGIT_0 && c <= DIGIT_9) i++;
    if (i === expDigits) return NaN;
  }
  if (i !== end) return NaN;

  // Up to 15 digits and no exponent: digits/10^k is one IEEE division of two exact integers,
  // hence the correctly rounded value, the same as Number() gives, without building a string.
  const fracDigits = fracEnd - fracStart;
  if (expStart === end && intDigits + fracDigits <= 15) {
    const value = fracDigits === 0 ? mantissa : mantissa / POW10[fracDigits]!;
    return negative ? -value : value;
  }
  let canonical = '';
  if (groupChar === -1) canonical = text.slice(digitsStart, intEnd);
  else {
    for (let k = digitsStart; k < intEnd; k++) {
      const d = text.charCodeAt(k);
      if (d >= DIGIT_0 && d <= DIGIT_9) canonical += text[k];
    }
  }
  if (fracEnd > fracStart) canonical += '.' + text.slice(fracStart, fracEnd);
  canonical += text.slice(expStart, end);
  const value = Number(canonical);
  return negative ? -value : value;
}

export type NumberStyle = 'none' | 'same' | 'ambiguous' | NumberLocale;

/** Which styles can read `text`: both the same way, only one, both differently, or none. */
export function numberStyleOf(text: string): NumberStyle {
  const en = parseNumber(text, 'en');
  const de = parseNumber(text, 'de');
  if (Number.isNaN(en)) return Number.isNaN(de) ? 'none' : 'de';
  if (Number.isNaN(de)) return 'en';
  return en === de ? 'same' : 'ambiguous';
}

export type NumberProblem = 'not-a-number' | 'ambiguous' | 'other-style';

/**
 * Reads numbers for one file. With `auto`, the first value only one style can read decides the
 * style for the rest of the file; until then ambiguous values are refused (NaN + `problem`).
 * Returns NaN instead of throwing or allocating a result object: the caller asks `problem` only
 * on the rare failure.
 */
export class NumberReader {
  locale: NumberLocale | undefined;
  problem: NumberProblem | undefined;

  constructor(setting: NumberLocaleSetting = 'auto') {
    this.locale = setting === 'auto' ? undefined : setting;
  }

  read(text: string): number {
    if (this.locale !== undefined) {
      const value = parseNumber(text, this.locale);
      if (Number.isNaN(value)) {
        this.problem = Number.isNaN(parseNumber(text, this.locale === 'en' ? 'de' : 'en')) ? 'not-a-number' : 'other-style';
      }
      return value;
    }
    const style = numberStyleOf(text);
    switch (style) {
      case 'none':
        this.problem = 'not-a-number';
        return NaN;
      case 'ambiguous':
        this.problem = 'ambiguous';
        return NaN;
      case 'same':
        return parseNumber(text, 'en');
      default:
        this.locale = style;
        return parseNumber(text, style);
    }
  }

  /** planner-readable reason for the last NaN */
  describe(text: string): string {
    const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
    switch (this.problem) {
      case 'ambiguous':
        return `${shown} could be read as ${parseNumber(text, 'en')} or ${parseNumber(text, 'de')}; set the number locale (en or de) for this file`;
      case 'other-style':
        return `${shown} is not written in the ${this.locale === 'de' ? 'decimal-comma (de)' : 'decimal-point (en)'} style the rest of the file uses`;
      default:
        return `${shown} is not a number`;
    }
  }
}
