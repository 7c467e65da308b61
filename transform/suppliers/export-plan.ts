/**
 * The purchase order files for suppliers: which lines go to which supplier, marked against what
 * was sent last time (new, changed, cancelled, received in full; unchanged open lines are repeated
 * so the file is the supplier's whole open picture), and the columns the supplier fills in. A
 * supplier gets a file only when something of theirs is new, changed, cancelled or received. Pure.
 */
import { payloadHash } from '../shared/odoo-write.ts';
import { localDate } from '../shared/plant-time.ts';

export type LineMark = 'new' | 'changed' | 'cancelled' | 'received' | '';

/** The columns of the file, in order; the last six are the supplier's. */
export const EXPORT_COLUMNS = [
  'Status',
  'PO',
  'Line',
  'Line ID',
  'Product',
  'Supplier code',
  'Description',
  'Ordered qty',
  'Unit',
  'Unit price',
  'Requested date',
  'Received qty',
  'Confirmed qty',
  'Confirmed date',
  'Shipped qty',
  'Ship date',
  'Lot',
  'Your reference',
] as const;
export const SUPPLIER_COLUMNS = 6;

export interface ExportLineInput {
  id: number;
  poName: string;
  lineNo: number;
  partnerId: number;
  productId: number | null;
  productCode: string | null;
  supplierProductCode: string | null;
  description: string;
  qty: number;
  uomName: string;
  price: number;
  /** 'YYYY-MM-DD HH:MM:SS' UTC */
  datePlanned: string | null;
  qtyReceived: number;
}

export interface SentLine {
  poLineId: number;
  partnerId: number;
  supplierCode: string;
  poName: string;
  lineNo: number;
  hash: string;
  cancelled: boolean;
}

export interface ExportRow {
  mark: LineMark;
  poLineId: number;
  poName: string;
  lineNo: number;
  productCode: string;
  supplierProductCode: string;
  description: string;
  qty: number;
  unit: string;
  price: number;
  /** YYYY-MM-DD in the plant time zone */
  requestedDate: string;
  qtyReceived: number;
}

export interface SupplierFile {
  partnerId: number;
  supplierCode: string;
  rows: ExportRow[];
  counts: Record<Exclude<LineMark, ''> | 'unchanged', number>;
}

export interface ExportSnapshot {
  poLineId: number;
  partnerId: number;
  supplierCode: string;
  poName: string;
  lineNo: number;
  hash: string;
  qtyReceived: number;
  cancelled: boolean;
}

/** What the supplier is told about a line: a change of any of these is "changed". */
export function lineHash(l: ExportLineInput): string {
  return payloadHash(
    'purchase.order.line',
    ['po', 'line', 'product', 'qty', 'unit', 'price', 'date'],
    [l.poName, String(l.lineNo), String(l.productId ?? ''), String(l.qty), l.uomName, String(l.price), l.datePlanned ?? ''],
  );
}

/** A supplier's code in file and folder names: the partner's ref, else its id; only [A-Za-z0-9_-]. */
export function supplierCode(partner: { id: number; ref: string | null }): string {
  const raw = partner.ref?.trim() || String(partner.id);
  return raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || String(partner.id);
}

export function plantDateOf(utc: string | null, timeZone: string): string {
  if (!utc) return '';
  return localDate(new Date(`${utc.replace(' ', 'T')}Z`), timeZone);
}

/**
 * The files of this export and the snapshot to keep. `lines`: the open lines in Odoo now, of the
 * vendors this export covers; `sent`: what was sent before (lines of vendors out of scope are
 * left alone by the caller); `codes`: the supplier code per vendor.
 */
export function planExport(
  lines: readonly ExportLineInput[],
  sent: readonly SentLine[],
  codes: ReadonlyMap<number, string>,
  timeZone: string,
): { files: SupplierFile[]; snapshot: ExportSnapshot[] } {
  const before = new Map(sent.map((s) => [s.poLineId, s]));
  const byPartner = new Map<number, ExportRow[]>();
  const snapshot: ExportSnapshot[] = [];
  const push = (partnerId: number, row: ExportRow) => {
    const list = byPartner.get(partnerId);
    if (list) list.push(row);
    else byPartner.set(partnerId, [row]);
  };
  const seen = new Set<number>();
  const received = new Map<number, ExportLineInput>();
  for (const l of lines) {
    if (l.qty > 0 && l.qtyReceived >= l.qty - 1e-9) {
      received.set(l.id, l); // received in full: no longer open
      continue;
    }
    seen.add(l.id);
    const hash = lineHash(l);
    const last = before.get(l.id);
    const mark: LineMark = !last || last.cancelled ? 'new' : last.hash !== hash ? 'changed' : '';
    push(l.partnerId, {
      mark,
      poLineId: l.id,
      poName: l.poName,
      lineNo: l.lineNo,
      productCode: l.productCode ?? '',
      supplierProductCode: l.supplierProductCode ?? '',
      description: l.description,
      qty: l.qty,
      unit: l.uomName,
      price: l.price,
      requestedDate: plantDateOf(l.datePlanned, timeZone),
      qtyReceived: l.qtyReceived,
    });
    snapshot.push({
      poLineId: l.id,
      partnerId: l.partnerId,
      supplierCode: codes.get(l.partnerId) ?? String(l.partnerId),
      poName: l.poName,
      lineNo: l.lineNo,
      hash,
      qtyReceived: l.qtyReceived,
      cancelled: false,
    });
  }
  for (const s of sent) {
    if (seen.has(s.poLineId) || s.cancelled) continue;
    // sent before, no longer open: received in full, or cancelled (the line or its order)
    const done = received.get(s.poLineId);
    push(s.partnerId, {
      mark: done ? 'received' : 'cancelled',
      poLineId: s.poLineId,
      poName: s.poName,
      lineNo: s.lineNo,
      productCode: done?.productCode ?? '',
      supplierProductCode: done?.supplierProductCode ?? '',
      description: done?.description ?? '',
      qty: done?.qty ?? 0,
      unit: done?.uomName ?? '',
      price: done?.price ?? 0,
      requestedDate: done ? plantDateOf(done.datePlanned, timeZone) : '',
      qtyReceived: done?.qtyReceived ?? 0,
    });
    snapshot.push({ ...s, qtyReceived: done?.qtyReceived ?? 0, cancelled: true });
  }
  const files: SupplierFile[] = [];
  for (const [partnerId, rows] of byPartner) {
    const counts = { new: 0, changed: 0, cancelled: 0, received: 0, unchanged: 0 };
    for (const r of rows) counts[r.mark === '' ? 'unchanged' : r.mark]++;
    if (counts.new + counts.changed + counts.cancelled + counts.received === 0) continue;
    rows.sort((a, b) => a.poName.localeCompare(b.poName) || a.lineNo - b.lineNo);
    files.push({ partnerId, supplierCode: codes.get(partnerId) ?? String(partnerId), rows, counts });
  }
  files.sort((a, b) => a.supplierCode.localeCompare(b.supplierCode));
  // only what is in a file counts as sent
  const inFiles = new Set(files.map((f) => f.partnerId));
  return { files, snapshot: snapshot.filter((s) => inFiles.has(s.partnerId)) };
}

/** A row as the file's cells, in EXPORT_COLUMNS order (the supplier's columns empty). */
export function exportCells(r: ExportRow): Array<string | number | null> {
  const cancelled = r.mark === 'cancelled';
  return [
    r.mark,
    r.poName,
    r.lineNo,
    r.poLineId,
    r.productCode,
    r.supplierProductCode,
    r.description,
    cancelled ? null : r.qty,
    r.unit,
    cancelled ? null : r.price,
    r.requestedDate,
    cancelled ? null : r.qtyReceived,
    null,
    null,
    null,
    null,
    null,
    null,
  ];
}

/** The vendor's own code for a product: its pricelist row for the variant, else for the template. */
export function vendorCodes(
  infos: ReadonlyArray<{ partnerId: number; productId: number | null; tmplId: number | null; code: string | null; sequence: number }>,
  tmplOf: (productId: number) => number | null,
) {
  const sorted = [...infos].sort((a, b) => a.sequence - b.sequence);
  return (partnerId: number, productId: number | null): string | null => {
    if (productId === null) return null;
    const tmpl = tmplOf(productId);
    const hit =
      sorted.find((i) => i.partnerId === partnerId && i.productId === productId && i.code) ??
      sorted.find((i) => i.partnerId === partnerId && i.productId === null && i.tmplId === tmpl && i.code);
    return hit?.code ?? null;
  };
}
