/** Every master data kind's staging row, and its record → row mapper (pure). */
import type { OdooRecord } from '../../core/odoo/values.ts';
import { type BomLineRow, type BomOperationRow, type BomRow, toBomLineRow, toBomOperationRow, toBomRow } from './boms.ts';
import { type ProductCategoryRow, toProductCategoryRow } from './categories.ts';
import { type LocationRow, toLocationRow } from './locations.ts';
import { type LossReasonRow, toLossReasonRow } from './loss-reasons.ts';
import type { MasterdataKind } from './models.ts';
import { type ProductRow, toProductRow } from './products.ts';
import type { UomRow } from './uoms.ts';
import type { Fields } from './values.ts';
import { toWarehouseRow, type WarehouseRow } from './warehouses.ts';
import { toWorkcenterRow, type WorkcenterRow } from './workcenters.ts';

export interface MasterdataRows {
  uoms: UomRow;
  product_categories: ProductCategoryRow;
  products: ProductRow;
  warehouses: WarehouseRow;
  locations: LocationRow;
  workcenters: WorkcenterRow;
  loss_reasons: LossReasonRow;
  boms: BomRow;
  bom_lines: BomLineRow;
  bom_operations: BomOperationRow;
}

/** Record → row for every kind read page by page (units need the whole set: toUomRows). */
export const ROW_MAPPERS: { [K in Exclude<MasterdataKind, 'uoms'>]: (r: OdooRecord, fields: Fields) => MasterdataRows[K] } = {
  product_categories: toProductCategoryRow,
  products: toProductRow,
  warehouses: toWarehouseRow,
  locations: toLocationRow,
  workcenters: toWorkcenterRow,
  loss_reasons: toLossReasonRow,
  boms: toBomRow,
  bom_lines: toBomLineRow,
  bom_operations: toBomOperationRow,
};
