/**
 * Checkpoints of a count batch: figures measured by sql/inventory/check_count_*.sql and the parser
 * in, one result per checkpoint out, in the order a warehouse clerk reads them. Pure.
 */
import {
  type CheckpointResult,
  checkpointResult,
  duplicateKeysCheckpoint,
  examplesText,
  negativeQuantityCheckpoint,
  parseErrorsCheckpoint,
  referenceCheckpoint,
} from '../shared/checkpoints.ts';
import type { CountCheckpointSettings } from '../../core/config/inventory.ts';

export interface CountMeasures {
  parse: { rows: number; errorCount: number; examples: { ref: string; column: string; message: string }[] };
  lines: {
    lines: number;
    total_quantity: number;
    negative_lines: number;
    negative_examples: string[] | null;
    locations: number;
    products: number;
  };
  duplicates: { duplicate_keys: number; duplicate_lines: number; examples: unknown[] };
  references: {
    master_locations: number;
    master_products: number;
    master_units: number;
    unknown_locations: number;
    unknown_location_lines: number;
    unknown_location_examples: string[] | null;
    unknown_products: number;
    unknown_product_lines: number;
    unknown_product_examples: string[] | null;
    units_used: number;
    unknown_units: number;
    unknown_unit_examples: string[] | null;
    unconvertible_lines: number;
    unconvertible_examples: string[] | null;
    warehouses: number;
    warehouse_codes: string[] | null;
    declared_mismatch_lines: number;
    declared_mismatch_examples: string[] | null;
    lot_untracked_lines: number;
    lot_missing_lines: number;
    lot_examples: string[] | null;
  };
}

export function countCheckpoints(m: CountMeasures, s: CountCheckpointSettings): CheckpointResult[] {
  const out: CheckpointResult[] = [];
  const r = m.references;
  out.push(parseErrorsCheckpoint(m.parse, s.parse_errors));
  {
    const c = s.empty_count;
    const passed = m.lines.lines > c.threshold;
    out.push(
      checkpointResult(
        'empty_count',
        c.severity,
        passed,
        { lines: m.lines.lines },
        passed ? `${m.lines.lines} count lines` : 'the file holds no count lines',
      ),
    );
  }
  out.push(duplicateKeysCheckpoint(m.duplicates, s.duplicate_keys, ['location', 'product', 'lot']));
  const refCheck = (
    name: 'unknown_locations' | 'unknown_products',
    master: number,
    unknown: number,
    lines: number,
    examples: string[] | null,
    what: string,
  ) => out.push(referenceCheckpoint(name, s[name], { master, unknown, lines, examples, what }));
  refCheck('unknown_locations', r.master_locations, r.unknown_locations, r.unknown_location_lines, r.unknown_location_examples, 'location');
  refCheck('unknown_products', r.master_products, r.unknown_products, r.unknown_product_lines, r.unknown_product_examples, 'product');
  {
    const c = s.unknown_units;
    if (r.units_used === 0)
      out.push(
        checkpointResult('unknown_units', c.severity, true, { unitsUsed: 0 }, "no units given: quantities are in each product's own unit"),
      );
    else if (r.master_units === 0)
      out.push(
        checkpointResult(
          'unknown_units',
          'warning',
          false,
          { masterDataRows: 0 },
          'no unit master data synced yet: units not checked (run masterdata-sync)',
        ),
      );
    else {
      const passed = r.unknown_units <= c.threshold;
      out.push(
        checkpointResult(
          'unknown_units',
          c.severity,
          passed,
          { unknown: r.unknown_units, examples: r.unknown_unit_examples ?? [], threshold: c.threshold },
          passed ? 'all units known' : `${r.unknown_units} unknown units${examplesText(r.unknown_unit_examples)}`,
        ),
      );
    }
  }
  {
    const c = s.unit_conversion;
    const passed = r.unconvertible_lines <= c.threshold;
    out.push(
      checkpointResult(
        'unit_conversion',
        c.severity,
        passed,
        { lines: r.unconvertible_lines, examples: r.unconvertible_examples ?? [], threshold: c.threshold },
        passed
          ? "all quantities converted to the product's unit"
          : `${r.unconvertible_lines} lines have a unit that does not convert to the product's unit (rows${examplesText(r.unconvertible_examples)})`,
      ),
    );
  }
  out.push(negativeQuantityCheckpoint(m.lines, s.negative_quantity));
  {
    const c = s.single_warehouse;
    const extra = Math.max(0, r.warehouses - 1);
    const passed = extra <= c.threshold && r.declared_mismatch_lines === 0;
    const message =
      r.declared_mismatch_lines > 0
        ? `${r.declared_mismatch_lines} lines name a location outside the warehouse given for them (rows${examplesText(r.declared_mismatch_examples)})`
        : extra > 0
          ? `the count spans ${r.warehouses} warehouses${examplesText(r.warehouse_codes)}: drop one file per warehouse`
          : r.warehouses === 1
            ? `one warehouse: ${r.warehouse_codes?.[0]}`
            : 'no known location: warehouse unknown';
    out.push(
      checkpointResult(
        'single_warehouse',
        c.severity,
        passed,
        { warehouses: r.warehouses, codes: r.warehouse_codes ?? [], mismatchLines: r.declared_mismatch_lines, threshold: c.threshold },
        message,
      ),
    );
  }
  {
    const c = s.lot_tracking;
    const bad = r.lot_untracked_lines + r.lot_missing_lines;
    const passed = bad <= c.threshold;
    out.push(
      checkpointResult(
        'lot_tracking',
        c.severity,
        passed,
        {
          lotWithoutTracking: r.lot_untracked_lines,
          trackedWithoutLot: r.lot_missing_lines,
          examples: r.lot_examples ?? [],
          threshold: c.threshold,
        },
        passed
          ? "lots agree with the products' tracking"
          : `${r.lot_missing_lines} lines of lot-tracked products have no lot, ${r.lot_untracked_lines} lines give a lot for a product without lot tracking (rows${examplesText(r.lot_examples)})`,
      ),
    );
  }
  return out;
}
