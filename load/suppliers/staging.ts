/**
 * The supplier pipeline's staging: what was last sent per purchase order line, the matched lines
 * of supplier files, what supplier-load did with each file line, and the shortages already
 * alerted (migration 013).
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { ExportSnapshot, SentLine } from '../../transform/suppliers/export-plan.ts';
import type { MatchedLine } from '../../transform/suppliers/match.ts';

type Db = Knex | Knex.Transaction;
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const dateText = (v: unknown): string | null =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);

export async function sentLines(db: Db, partnerIds?: readonly number[]): Promise<SentLine[]> {
  const q = db('supplier_export_lines').select('*');
  if (partnerIds) q.whereIn('partner_id', [...partnerIds]);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    poLineId: Number(r.po_line_id),
    partnerId: Number(r.partner_id),
    supplierCode: String(r.supplier_code),
    poName: String(r.po_name),
    lineNo: Number(r.line_no),
    hash: String(r.payload_hash),
    cancelled: Boolean(r.cancelled),
  }));
}

/** qty_received of these lines when their last file was made. */
export async function receivedWhenSent(db: Db, poLineIds: readonly number[]): Promise<Map<number, number>> {
  if (!poLineIds.length) return new Map();
  const rows = (await db('supplier_export_lines')
    .whereIn('po_line_id', [...poLineIds])
    .select('po_line_id', 'qty_received')) as Array<Record<string, unknown>>;
  return new Map(rows.map((r) => [Number(r.po_line_id), Number(r.qty_received)]));
}

export async function saveSnapshot(db: Db, runId: number, rows: readonly ExportSnapshot[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await db('supplier_export_lines')
      .insert(
        rows.slice(i, i + 1000).map((s) => ({
          po_line_id: s.poLineId,
          partner_id: s.partnerId,
          supplier_code: s.supplierCode,
          po_name: s.poName,
          line_no: s.lineNo,
          payload_hash: s.hash,
          qty_received: s.qtyReceived,
          cancelled: s.cancelled,
          exported_at: db.fn.now(),
          run_id: runId,
        })),
      )
      .onConflict('po_line_id')
      .merge();
  }
}

export async function stageConfirmationLines(db: Db, batchId: number, lines: readonly MatchedLine[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 1000) {
    await db('supplier_confirmation_lines').insert(
      lines.slice(i, i + 1000).map((l) => ({
        batch_id: batchId,
        line_no: l.lineNo,
        source_ref: l.sourceRef,
        po_name: l.poName,
        po_line_ref: l.lineId !== null ? `id ${l.lineId}` : l.linePos !== null ? `line ${l.linePos}` : (l.productCode ?? l.supplierCode),
        product_code: l.productCode ?? l.supplierCode,
        po_line_id: l.poLineId,
        product_id: l.productId,
        tracking: l.tracking,
        ordered_qty: l.orderedQty,
        qty_received: l.qtyReceived,
        requested_date: l.datePlanned,
        unit: l.unit,
        unit_factor: l.unitFactor,
        confirmed_qty: l.confirmedQty,
        confirmed_date: l.confirmedDate,
        shipped_qty: l.shippedQty,
        ship_date: l.shipDate,
        lot: l.lot,
        supplier_ref: l.reference,
      })),
    );
  }
}

export async function deleteConfirmationLines(db: Db, batchId: number): Promise<void> {
  await db('supplier_confirmation_lines').where({ batch_id: batchId }).delete();
}

export interface StagedConfirmation {
  batchId: number;
  lineNo: number;
  sourceRef: string;
  poName: string;
  poLineId: number;
  productId: number | null;
  qtyReceived: number;
  confirmedQty: number | null;
  confirmedDate: string | null;
  shippedQty: number | null;
  lot: string | null;
}

export async function confirmationLines(db: Db, batchId: number): Promise<StagedConfirmation[]> {
  const rows = (await db('supplier_confirmation_lines')
    .where({ batch_id: batchId })
    .whereNotNull('po_line_id')
    .orderBy('line_no')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    batchId,
    lineNo: Number(r.line_no),
    sourceRef: String(r.source_ref),
    poName: String(r.po_name),
    poLineId: Number(r.po_line_id),
    productId: numOrNull(r.product_id),
    qtyReceived: Number(r.qty_received ?? 0),
    confirmedQty: numOrNull(r.confirmed_qty),
    confirmedDate: dateText(r.confirmed_date),
    shippedQty: numOrNull(r.shipped_qty),
    lot: (r.lot as string | null) ?? null,
  }));
}

export interface LoadResult {
  lineNo: number;
  action: 'date' | 'asn';
  outcome: 'written' | 'unchanged' | 'conflict' | 'failed';
  message: string;
}

export async function saveLoadResults(db: Db, batchId: number, runId: number, results: readonly LoadResult[]): Promise<void> {
  for (let i = 0; i < results.length; i += 1000)
    await db('supplier_load_results').insert(
      results
        .slice(i, i + 1000)
        .map((r) => ({ batch_id: batchId, line_no: r.lineNo, run_id: runId, action: r.action, outcome: r.outcome, message: r.message })),
    );
}

/** The confirmed date of each purchase line from its newest supplier file that was not rejected. */
export async function confirmedDates(db: Db): Promise<Map<number, string>> {
  const rows = await runSql<{ po_line_id: string; confirmed_date: Date | string }>(db, 'suppliers/confirmed_dates', []);
  return new Map(rows.map((r) => [Number(r.po_line_id), dateText(r.confirmed_date)!]));
}

export async function alertedShortages(db: Db): Promise<Set<string>> {
  const rows = (await db('supplier_shortage_alerts').select('product_id', 'week_start')) as Array<{
    product_id: string;
    week_start: Date | string;
  }>;
  return new Set(rows.map((r) => `${Number(r.product_id)}|${dateText(r.week_start)}`));
}

export async function recordAlerted(db: Db, runId: number, keys: ReadonlyArray<{ productId: number; weekStart: string }>): Promise<void> {
  if (!keys.length) return;
  await db('supplier_shortage_alerts')
    .insert(keys.map((k) => ({ product_id: k.productId, week_start: k.weekStart, run_id: runId })))
    .onConflict(['product_id', 'week_start'])
    .ignore();
}

export interface ForecastComponentDemand {
  productId: number;
  /** YYYY-MM-DD */
  periodStart: string;
  qty: number;
}

/** Component demand of the approved forecasts (newest approved or loaded version per scope), one BoM level down. */
export async function forecastComponentDemand(db: Db, from: string, to: string): Promise<ForecastComponentDemand[]> {
  const rows = await runSql<{ product_id: string; period_start: Date | string; qty: string }>(db, 'suppliers/forecast_components', [
    from,
    to,
  ]);
  return rows.map((r) => ({ productId: Number(r.product_id), periodStart: dateText(r.period_start)!, qty: Number(r.qty) }));
}

/** Units by lower-case name from the master data snapshot: conversion group and size. */
export async function unitsByName(db: Db, names: readonly string[]): Promise<Map<string, { group: string; ratio: number }>> {
  const out = new Map<string, { group: string; ratio: number }>();
  if (!names.length) return out;
  const rows = (await db('md_uoms')
    .where('active', true)
    .whereRaw('lower(name) = any(?)', [[...new Set(names.map((n) => n.toLowerCase()))]])
    .select('name', 'ref_group', 'ref_ratio')) as Array<{ name: string; ref_group: string; ref_ratio: string }>;
  for (const r of rows) out.set(r.name.toLowerCase(), { group: r.ref_group, ratio: Number(r.ref_ratio) });
  return out;
}
