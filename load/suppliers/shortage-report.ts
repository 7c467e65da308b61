/**
 * The shortage report planners read, in $MFG_ETL_REPORTS: `material-shortages_<date>_run<id>.xlsx`
 * (Summary: the short components, first short week, largest shortage, main supplier, slipped
 * deliveries; By product: every component and week with demand from manufacturing orders and the
 * forecast, incoming, projected stock and shortage; By supplier: the short components per main
 * supplier with their open purchase lines) and the By product table as CSV. Written atomically.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Incoming, ShortageResult } from '../../transform/suppliers/shortages.ts';
import { csvText, type Value, workbookBuffer } from './files.ts';
import { writeAtomically } from '../outbox/outbox.ts';

export interface ShortageNames {
  product: (id: number) => { code: string; name: string };
  /** the product's main supplier (first vendor pricelist row), or undefined */
  supplier: (productId: number) => string | undefined;
  incoming: readonly Incoming[];
  partnerName: (id: number) => string;
}

export const BY_PRODUCT_HEADER = [
  'Product',
  'Name',
  'Week',
  'MO demand',
  'Forecast demand',
  'Incoming',
  'Projected stock',
  'Shortage',
] as const;

export function byProductRows(r: ShortageResult, n: ShortageNames): Value[][] {
  return r.rows.map((row) => {
    const p = n.product(row.productId);
    return [p.code, p.name, row.weekStart, row.moDemand, row.forecastDemand, row.incoming, row.projected, row.shortage];
  });
}

export async function writeShortageReport(
  dir: string,
  base: string,
  r: ShortageResult,
  n: ShortageNames,
  meta: { generated: string; weeks: number },
): Promise<{ xlsx: string; csv: string }> {
  await mkdir(dir, { recursive: true });
  const summary: Value[][] = r.short.map((s) => {
    const p = n.product(s.productId);
    return [
      p.code,
      p.name,
      n.supplier(s.productId) ?? '',
      s.onHand,
      s.demand,
      s.incoming,
      s.firstShortWeek,
      s.maxShortage,
      s.slipped.map((x) => `${x.poName} → ${x.date}`).join('; '),
    ];
  });
  const bySupplier: Value[][] = [];
  for (const s of [...r.short].sort((a, b) => (n.supplier(a.productId) ?? '~').localeCompare(n.supplier(b.productId) ?? '~'))) {
    const p = n.product(s.productId);
    const open = n.incoming.filter((x) => x.productId === s.productId);
    const supplier = n.supplier(s.productId) ?? '(no vendor pricelist)';
    if (open.length === 0) bySupplier.push([supplier, p.code, p.name, s.firstShortWeek, s.maxShortage, '', '', null, '']);
    for (const x of open)
      bySupplier.push([supplier, p.code, p.name, s.firstShortWeek, s.maxShortage, x.poName, n.partnerName(x.partnerId), x.qty, x.date]);
  }
  const xlsx = await workbookBuffer([
    {
      name: 'Summary',
      title: [
        `Material shortages for the next ${meta.weeks} weeks (from ${r.weeks[0] ?? ''}), ${meta.generated}`,
        `${r.short.length} components short; demand from confirmed manufacturing orders and the approved forecast, incoming at confirmed dates.`,
      ],
      header: [
        'Product',
        'Name',
        'Main supplier',
        'On hand',
        'Demand',
        'Incoming',
        'First short week',
        'Largest shortage',
        'Slipped deliveries',
      ],
      rows: summary,
    },
    { name: 'By product', header: BY_PRODUCT_HEADER, rows: byProductRows(r, n) },
    {
      name: 'By supplier',
      header: ['Main supplier', 'Product', 'Name', 'First short week', 'Largest shortage', 'Open PO', 'PO vendor', 'Open qty', 'Expected'],
      rows: bySupplier,
    },
  ]);
  return {
    xlsx: await writeAtomically(dir, `${base}.xlsx`, xlsx),
    csv: await writeAtomically(dir, `${base}.csv`, csvText(BY_PRODUCT_HEADER, byProductRows(r, n))),
  };
}

export function reportDir(reports: string): string {
  return path.resolve(reports);
}
