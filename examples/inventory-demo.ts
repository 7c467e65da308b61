/**
 * The inventory part of `npm run demo` (called by jobs/demo.ts after sql/demo/masterdata.sql):
 * sample locations and categories (sql/demo/locations.sql), a sample Odoo stock snapshot of
 * warehouse P01 (the demo has no Odoo: the reconciliation is run with `--param snapshot=<id>`),
 * and a bundled count file, dropped into <inbox>/counts, that the reconciliation imports first.
 *
 * The count holds one line of each kind: matches, a short and an over, a count in dozens
 * (converted to the product's unit), a decimal comma, a product Odoo has no stock of there, and
 * stock nobody counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { sqlText } from '../core/sql.ts';
import { createSnapshot, finishSnapshot, stageQuants } from '../load/inventory/staging.ts';

export const DEMO_COUNT_FILE = 'P01-count-demo.csv';

/** The bundled count file: a WMS export with German decimals, barcodes and full location names. */
export function demoCountCsv(): string {
  return [
    'Lagerplatz;Artikelnummer;Charge;Menge;ME',
    'P01-STOCK;FURN_7800;;40;',
    'P01/Stock;FURN_8888;;118;',
    'P01/Stock;FURN_6666;;15;',
    'P01/Stock;FURN_9999;;62;',
    'P01-A;COMP_LEG;;13;Dozens',
    'P01-A;COMP_TOP;;40;',
    'P01/Stock/Shelf B;RAW_STEEL;;250,5;kg',
    'P01/Stock/Shelf B;COMP_SCREW;;500;',
    '',
  ].join('\r\n');
}

/** What Odoo holds in P01 in the demo (location, product, quantity in the product's unit). */
const DEMO_QUANTS: ReadonlyArray<[number, number, number]> = [
  [8, 101, 40],
  [8, 102, 120],
  [8, 103, 15],
  [8, 104, 60],
  [9, 201, 160],
  [9, 202, 40],
  [9, 203, 1020],
  [10, 204, 250.5],
];

/**
 * Loads the sample locations, stages the sample snapshot of P01 and drops the count file into
 * `<inbox>/counts`. Returns the snapshot id for `inventory-reconciliation --param snapshot=<id>`.
 */
export async function prepareInventoryDemo(
  knex: Knex,
  inbox: string,
  now = new Date(),
): Promise<{ snapshotId: number; countFile: string }> {
  await knex.raw(sqlText('demo/locations'));
  const yesterday = new Date(now.getTime() - 86_400_000);
  const snapshotId = await createSnapshot(knex, {
    warehouseId: 1,
    warehouseCode: 'P01',
    purpose: 'reconciliation',
    takenAt: now,
    source: 'demo sample (no Odoo)',
    runId: null,
  });
  await stageQuants(
    knex,
    snapshotId,
    DEMO_QUANTS.map(([locationId, productId, quantity], i) => ({
      quantId: i + 1,
      productId,
      productName: null,
      locationId,
      locationName: null,
      lotId: null,
      lotName: null,
      quantity,
      reservedQuantity: 0,
      uomId: null,
      uomName: null,
      inDate: yesterday,
      writeDate: yesterday,
      inventoryQuantity: null,
      inventoryQuantitySet: false,
    })),
  );
  await finishSnapshot(knex, snapshotId);
  const dir = path.join(inbox, 'counts');
  fs.mkdirSync(dir, { recursive: true });
  const countFile = path.join(dir, DEMO_COUNT_FILE);
  fs.writeFileSync(countFile, demoCountCsv());
  return { snapshotId, countFile };
}
