/**
 * historian-load's plan, pure: the business keys of downtime and scrap (the external id names in
 * module `mfg_etl`), what each staged row sends to Odoo and its payload hash, and what to do with
 * it against the ledger and the row's last status. The Odoo reads that resolve work centers,
 * reasons and products, and the writes, are in load/historian/ and load/odoo-ledger/.
 */
import { ledgerOp, payloadHash, qtyCell, xmlidPart } from '../shared/odoo-write.ts';

export const PRODUCTIVITY_MODEL = 'mrp.workcenter.productivity';
export const SCRAP_MODEL = 'stock.scrap';

export type LoadStatus = 'loaded' | 'validated' | 'skipped' | 'insufficient_quantity' | 'failed';

// ---- keys ---------------------------------------------------------------------------------------

/** 2026-01-24T06:00:00.000Z → 20260124T060000Z */
function compactUtc(at: Date): string {
  return at.toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z';
}

/** One productivity record per (asset, start): a rerun, or a re-staged overlap, finds the same one. */
export function downtimeKey(asset: string, start: Date): string {
  return `downtime_${xmlidPart(asset)}_${compactUtc(start)}`;
}

/** One scrap per (asset, product, shift); product '' = the work order's product, looked up in Odoo. */
export function scrapKey(asset: string, product: string, shiftDate: string, shift: string): string {
  return `scrap_${xmlidPart(asset)}_${xmlidPart(product)}_${shiftDate.replace(/-/g, '')}_${xmlidPart(shift)}`;
}

/** 'YYYY-MM-DD HH:MM:SS' in UTC, as Odoo stores and reads datetimes. */
export function odooDatetime(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

// ---- staged rows --------------------------------------------------------------------------------

export interface StagedDowntime {
  key: string;
  asset: string;
  start: Date;
  end: Date;
  tag: string;
  stateCode: string;
  lossReason: string | null;
  /** wall clock */
  minutes: number;
  shiftDate: string | null;
  shift: string | null;
  batchId: number;
}

export interface StagedScrap {
  key: string;
  asset: string;
  /** '' = not named by the tag or the asset */
  product: string;
  shiftDate: string;
  shift: string;
  start: Date;
  end: Date;
  quantity: number;
  batchId: number;
}

/** What happened to a row in Odoo (historian_load_status). */
export interface StatusEntry {
  key: string;
  status: LoadStatus;
  odooId: number | null;
  message: string | null;
}

/** The ledger's last write of a key, as the plan needs it. */
export interface LastWrite {
  hash: string;
  odooId: number | null;
}

// ---- what is sent -------------------------------------------------------------------------------

/** Columns of a productivity row: external id, work center and loss reason by database id. */
export const PRODUCTIVITY_FIELDS = ['id', 'workcenter_id/.id', 'loss_id/.id', 'date_start', 'date_end', 'description'] as const;

export interface ProductivityRow {
  xmlid: string;
  workcenterId: number;
  lossId: number;
  start: Date;
  end: Date;
  description: string;
}

export function productivityCells(r: ProductivityRow): string[] {
  return [r.xmlid, String(r.workcenterId), String(r.lossId), odooDatetime(r.start), odooDatetime(r.end), r.description];
}

export interface ScrapRow {
  xmlid: string;
  productId: number;
  quantity: number;
  origin: string;
  /** absent: Odoo's default (the warehouse's stock location) */
  locationId?: number;
}

/** An empty location cell would be sent as False and override Odoo's default: the column is left out then. */
export function scrapFields(withLocation: boolean): string[] {
  return ['id', 'product_id/.id', 'scrap_qty', 'origin', ...(withLocation ? ['location_id/.id'] : [])];
}

export function scrapCells(r: ScrapRow, withLocation: boolean): string[] {
  return [r.xmlid, String(r.productId), qtyCell(r.quantity), r.origin, ...(withLocation ? [String(r.locationId ?? '')] : [])];
}

// ---- the plan -----------------------------------------------------------------------------------

export type Action = 'create' | 'update' | 'validate' | 'unchanged' | 'changed_after_validation' | 'skip';

const minutesText = (m: number) => `${m.toFixed(1)} min`;

export function downtimeRef(r: StagedDowntime): string {
  return `${r.asset} ${odooDatetime(r.start)} UTC, ${minutesText(r.minutes)}`;
}

export function scrapRef(r: StagedScrap): string {
  return `${r.asset} ${r.product || '(work order)'} ${r.shiftDate} ${r.shift}: ${qtyCell(r.quantity)}`;
}

// the batch goes to Odoo in the description but not into the hash: a re-staged overlap (same
// event, newer batch) would otherwise rewrite every record each run
function downtimeDescription(r: StagedDowntime): string {
  return `${r.tag} code ${r.stateCode}${r.lossReason ? ` (${r.lossReason})` : ''}, ${minutesText(r.minutes)} wall clock`;
}

const DOWNTIME_HASHED = ['workcenter', 'loss_reason', 'date_start', 'date_end', 'description'];
const SCRAP_HASHED = ['product', 'scrap_qty'];

export interface PlannedDowntime {
  row: StagedDowntime;
  workcenterCode: string;
  description: string;
  hash: string;
  action: Action;
  last: LastWrite | undefined;
}

export function planDowntime(
  rows: readonly StagedDowntime[],
  ledger: ReadonlyMap<string, LastWrite>,
  workcenterOf: (asset: string) => string,
): PlannedDowntime[] {
  return rows.map((row) => {
    const workcenterCode = workcenterOf(row.asset);
    const core = downtimeDescription(row);
    const hash = payloadHash(PRODUCTIVITY_MODEL, DOWNTIME_HASHED, [
      workcenterCode,
      row.lossReason ?? '',
      odooDatetime(row.start),
      odooDatetime(row.end),
      core,
    ]);
    const last = ledger.get(row.key);
    const action: Action = ledgerOp(last, hash);
    return { row, workcenterCode, description: `${core}, historian batch ${row.batchId}`, hash, action, last };
  });
}

export interface PlannedScrap {
  row: StagedScrap;
  hash: string;
  action: Action;
  last: LastWrite | undefined;
  status: StatusEntry | undefined;
}

export function planScrap(
  rows: readonly StagedScrap[],
  ledger: ReadonlyMap<string, LastWrite>,
  statuses: ReadonlyMap<string, StatusEntry>,
): PlannedScrap[] {
  const items: PlannedScrap[] = [];
  for (const row of rows) {
    const last = ledger.get(row.key);
    const status = statuses.get(row.key);
    // nothing scrapped in the shift and nothing written before: nothing to say
    if (!last && row.quantity <= 0) continue;
    const hash = payloadHash(SCRAP_MODEL, SCRAP_HASHED, [row.product, qtyCell(row.quantity)]);
    let action: Action;
    if (!last) action = 'create';
    else if (status?.status === 'validated') action = last.hash === hash ? 'unchanged' : 'changed_after_validation';
    // written but not validated (short stock, a crash): same scrap, updated while still draft
    else action = last.hash === hash ? 'validate' : 'update';
    items.push({ row, hash, action, last, status });
  }
  return items;
}
