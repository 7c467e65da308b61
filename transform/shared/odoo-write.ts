/**
 * The pure part of writing to Odoo once, for every loader: external id names in module
 * `mfg_etl`, the payload hash, load cells for quantities, and the plan of one entry against the
 * ledger (what mfg-etl last wrote under its business key). The business key is both the ledger's
 * key and the external id's name, so a retry, a rerun or a lost answer lands on the same record.
 * The writes and the ledger itself are in load/odoo-ledger/. Pure.
 */
import { createHash } from 'node:crypto';

export const XMLID_MODULE = 'mfg_etl';

/** The external id of a business key: `mfg_etl.<key>`. */
export function xmlid(key: string): string {
  return `${XMLID_MODULE}.${key}`;
}

/**
 * One part of an external id name: letters, digits, `_` and `-` pass; anything else becomes `_`
 * with a short hash of the original after it, so "M 1" and "M/1" do not meet on one record.
 */
export function xmlidPart(raw: string): string {
  const clean = raw.replace(/[^A-Za-z0-9_-]/g, '_');
  return clean === raw ? raw : `${clean}_${createHash('sha256').update(raw).digest('hex').slice(0, 8)}`;
}

/**
 * What identifies a payload: the model, the columns and the cells exactly as they are sent.
 * Equal hash = Odoo already holds these values (as far as the ledger knows).
 */
export function payloadHash(model: string, fields: readonly string[], cells: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([model, fields, cells]))
    .digest('hex');
}

/** A quantity as a `load` cell: at most 6 decimals, no float noise ("0.30000000000000004" → "0.3"). */
export function qtyCell(value: number): string {
  const rounded = Number(value.toFixed(6));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** What to do with one entry: nothing in the ledger → create; another hash → update; the same → unchanged. */
export type LedgerOp = 'create' | 'update' | 'unchanged';

export function ledgerOp(last: { hash: string } | undefined, hash: string): LedgerOp {
  return !last ? 'create' : last.hash === hash ? 'unchanged' : 'update';
}
