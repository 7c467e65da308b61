/**
 * Python-flavoured rendering, so the test server writes what CPython writes: float repr
 * (`1.0`, `1e-05`), `json.dumps` (", " / ": " separators, non-ASCII escaped) and repr() of the
 * values quoted in Odoo messages (`('no_such_field', '=', 1)`).
 */

/** A number Python holds as a float: rendered `<double>` in XML-RPC and `1.0` in JSON. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A tuple, for repr() in messages. */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // shortest round-trip digits, then CPython's layout: fixed for 1e-4 <= |x| < 1e16
  const [mantissa = '0', exp = '0'] = value.toExponential().split('e');
  const exponent = Number(exp);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let out: string;
  if (exponent >= -5 && exponent < 16) {
    if (exponent < 0) out = `0.${'0'.repeat(-exponent - 1)}${digits}`;
    else if (digits.length <= exponent + 1) out = `${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
    else out = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
    if (exponent === -5) out = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e-05`;
  } else {
    const sign = exponent < 0 ? '-' : '+';
    out = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return negative ? `-${out}` : out;
}

function jsonString(value: string): string {
  // JSON.stringify escapes like Python except non-ASCII, which json.dumps escapes by default
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `json.dumps(value)` as Odoo writes its JSON-2 bodies. */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (value instanceof PyTuple) return pyJson(value.items);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === 'string') return jsonString(value);
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${jsonString(k)}: ${pyJson(v)}`).join(', ')}}`;
  }
  return jsonString(String(value));
}

function reprString(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(new RegExp(quote, 'g'), `\\${quote}`);
  return `${quote}${body}${quote}`;
}

/** repr() of a value as Python would print it in a message. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (value instanceof PyTuple) {
    const inner = value.items.map(pyRepr);
    return inner.length === 1 ? `(${inner[0]},)` : `(${inner.join(', ')})`;
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === 'string') return reprString(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${reprString(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Python's name for a JS value's type, in AttributeError texts. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** odoo.tools.float_round (HALF-UP with the epsilon nudge Odoo applies before rounding). */
export function pyFloatRound(value: number, digits: number): number {
  if (value === 0) return 0;
  const factor = 10 ** -digits;
  let normalized = value / factor;
  normalized += Math.sign(normalized) * 2 ** (Math.log2(Math.abs(normalized)) - 52);
  return (Math.sign(normalized) * Math.floor(Math.abs(normalized) + 0.5)) / 10 ** digits;
}
