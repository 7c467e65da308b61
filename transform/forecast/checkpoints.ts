/**
 * Forecast checkpoints: the rules that turn measured figures into checkpoint results, with the
 * severity and threshold per checkpoint from the config file's `forecast.checkpoints`
 * (core/config/forecast.ts).
 * Pure: the figures are measured by sql/forecast/check_*.sql and the parser.
 */
import type { ForecastCheckpointSettings } from '../../core/config/forecast.ts';
import {
  type CheckpointResult,
  checkpointResult,
  duplicateKeysCheckpoint,
  examplesText,
  negativeQuantityCheckpoint,
  parseErrorsCheckpoint,
  referenceCheckpoint,
} from '../shared/checkpoints.ts';

/** Figures measured on a staged forecast version (sql/forecast/check_*.sql + the parser). */
export interface ForecastMeasures {
  parse: { rows: number; errorCount: number; examples: { ref: string; column: string; message: string }[] };
  lines: {
    lines: number;
    total_quantity: number;
    negative_lines: number;
    negative_examples: string[] | null;
    past_periods: number;
    past_lines: number;
  };
  currentPeriod: string;
  duplicates: { duplicate_keys: number; duplicate_lines: number; examples: unknown[] };
  references: {
    master_products: number;
    master_warehouses: number;
    master_units: number;
    units_used: number;
    unknown_products: number;
    unknown_product_lines: number;
    unknown_product_examples: string[] | null;
    unknown_warehouses: number;
    unknown_warehouse_examples: string[] | null;
    unknown_units: number;
    unknown_unit_examples: string[] | null;
    unconvertible_lines: number;
    unconvertible_examples: string[] | null;
  };
  horizon: { series: number; series_with_gaps: number; missing_periods: number; examples: unknown[] };
  /** undefined when there is no previous approved version of the same scope */
  delta?: {
    previousBatchId: number;
    total: number;
    previous_total: number;
    total_change_pct: number | null;
    products_added: number;
    added_examples: string[] | null;
    products_dropped: number;
    dropped_examples: string[] | null;
    products_over_threshold: number;
    top_movers: unknown[];
  };
}

/** Turns the measured figures into one result per checkpoint, in the order a planner reads them. */
export function forecastCheckpoints(m: ForecastMeasures, s: ForecastCheckpointSettings): CheckpointResult[] {
  const out: CheckpointResult[] = [];
  const r = m.references;

  out.push(parseErrorsCheckpoint(m.parse, s.parse_errors));
  out.push(duplicateKeysCheckpoint(m.duplicates, s.duplicate_keys, ['product', 'warehouse', 'period']));
  const refCheck = (
    name: 'unknown_products' | 'unknown_warehouses' | 'unknown_units',
    master: number,
    unknown: number,
    examples: string[] | null,
    what: string,
  ) => {
    const c = s[name];
    if (name === 'unknown_units' && r.units_used === 0) {
      out.push(checkpointResult(name, c.severity, true, { unitsUsed: 0 }, "no units given: quantities are in each product's own unit"));
      return;
    }
    out.push(referenceCheckpoint(name, c, { master, unknown, examples, what }));
  };
  refCheck('unknown_products', r.master_products, r.unknown_products, r.unknown_product_examples, 'product');
  refCheck('unknown_warehouses', r.master_warehouses, r.unknown_warehouses, r.unknown_warehouse_examples, 'warehouse');
  refCheck('unknown_units', r.master_units, r.unknown_units, r.unknown_unit_examples, 'unit');
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
          ? 'all quantities converted to the product unit'
          : `${r.unconvertible_lines} lines have a unit that does not convert to the product's unit${examplesText(r.unconvertible_examples)}`,
      ),
    );
  }
  out.push(negativeQuantityCheckpoint(m.lines, s.negative_quantity));
  {
    const c = s.zero_total;
    const passed = m.lines.total_quantity !== 0;
    out.push(
      checkpointResult(
        'zero_total',
        c.severity,
        passed,
        { totalQuantity: m.lines.total_quantity, lines: m.lines.lines },
        passed ? `total quantity ${m.lines.total_quantity}` : 'the forecast totals zero: nothing to plan',
      ),
    );
  }
  {
    const c = s.horizon_coverage;
    const passed = m.horizon.series_with_gaps === 0;
    out.push(
      checkpointResult(
        'horizon_coverage',
        c.severity,
        passed,
        {
          series: m.horizon.series,
          seriesWithGaps: m.horizon.series_with_gaps,
          missingPeriods: m.horizon.missing_periods,
          examples: m.horizon.examples,
          horizonPeriods: c.threshold,
          from: m.currentPeriod,
        },
        passed
          ? `every product covers the next ${c.threshold} periods from ${m.currentPeriod}`
          : `${m.horizon.series_with_gaps} of ${m.horizon.series} product/warehouse series miss periods in the next ${c.threshold} (${m.horizon.missing_periods} periods missing)`,
      ),
    );
  }
  {
    const c = s.past_periods;
    const passed = m.lines.past_periods <= c.threshold;
    out.push(
      checkpointResult(
        'past_periods',
        c.severity,
        passed,
        { periods: m.lines.past_periods, lines: m.lines.past_lines, currentPeriod: m.currentPeriod, threshold: c.threshold },
        passed
          ? 'no periods in the past'
          : `${m.lines.past_periods} periods (${m.lines.past_lines} lines) lie before the current period ${m.currentPeriod}`,
      ),
    );
  }
  if (!m.delta) {
    out.push(
      checkpointResult(
        'version_delta',
        s.version_delta.severity,
        true,
        { previousBatchId: null },
        'first approved version of this scope: nothing to compare',
      ),
    );
  } else {
    const d = m.delta;
    const c = s.version_delta;
    const change = d.total_change_pct;
    const passed = change !== null && Math.abs(change) <= c.threshold;
    const pct = change === null ? 'n/a' : `${change >= 0 ? '+' : ''}${change.toFixed(1)}%`;
    out.push(
      checkpointResult(
        'version_delta',
        c.severity,
        passed,
        {
          previousBatchId: d.previousBatchId,
          total: d.total,
          previousTotal: d.previous_total,
          totalChangePct: change,
          productsAdded: d.products_added,
          addedExamples: d.added_examples ?? [],
          productsDropped: d.products_dropped,
          droppedExamples: d.dropped_examples ?? [],
          threshold: c.threshold,
        },
        `total ${pct} against batch ${d.previousBatchId}; ${d.products_added} products added${examplesText(d.added_examples)}; ${d.products_dropped} dropped${examplesText(d.dropped_examples)}`,
      ),
    );
    const p = s.product_delta;
    const moversPassed = d.products_over_threshold === 0;
    out.push(
      checkpointResult(
        'product_delta',
        p.severity,
        moversPassed,
        { productsOverThreshold: d.products_over_threshold, threshold: p.threshold, topMovers: d.top_movers },
        moversPassed
          ? `no product changed by more than ${p.threshold}%`
          : `${d.products_over_threshold} products changed by more than ${p.threshold}%`,
      ),
    );
  }
  return out;
}
