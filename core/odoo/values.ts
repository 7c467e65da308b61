/**
 * Odoo values as both transports deliver them, and helpers to read them without guessing:
 * empty fields come back as `false` (never null), many2one as `[id, "display name"]`,
 * x2many as id lists, datetimes as UTC 'YYYY-MM-DD HH:MM:SS', dates 'YYYY-MM-DD'.
 */
export type OdooScalar = string | number | boolean | null;
export type OdooValue = OdooScalar | OdooValue[] | { [key: string]: OdooValue };
export type OdooRecord = { id: number } & Record<string, OdooValue>;
/** A domain: leaves `[field, operator, value]` and the prefix operators '&', '|', '!'. */
export type OdooDomain = Array<[string, string, unknown] | '&' | '|' | '!'>;
export type OdooValues = Record<string, unknown>;

export function isMany2one(value: unknown): value is [number, string] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string';
}

/** Id of a many2one value (`[id, name]`, a bare id, or false → null). */
export function many2oneId(value: unknown): number | null {
  if (isMany2one(value)) return value[0];
  if (typeof value === 'number') return value;
  return null;
}

/** Display name of a many2one value, null when empty. */
export function many2oneName(value: unknown): string | null {
  return isMany2one(value) ? value[1] : null;
}

/** Odoo's `false` for an empty non-boolean field → null. Use only on fields that are not booleans. */
export function emptyToNull<T>(value: T | false): T | null {
  return value === false || value === undefined ? null : value;
}

/** Ids of an x2many value. */
export function x2manyIds(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((item): item is number => typeof item === 'number') : [];
}

/** Result of `create`: one id or a list (XML-RPC with one dict) → always a list. */
export function idList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'number')) return value as number[];
  throw new TypeError(`expected record ids, got ${JSON.stringify(value)?.slice(0, 100)}`);
}

/** A window action (`ir.actions.act_window`) answered by an action method = a wizard to fill in. */
export function isWindowAction(value: unknown): value is Record<string, unknown> & { res_model: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>).type === 'ir.actions.act_window' &&
    typeof (value as Record<string, unknown>).res_model === 'string'
  );
}
