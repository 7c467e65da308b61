/**
 * Checkpoints of the two cost batch kinds, from the figures the staging queries measured.
 * Each records what it measured (counts, lists, totals), not only pass/fail. Pure.
 */
import type { CheckpointResult } from '../shared/checkpoints.ts';
import type { RollupCheckpointSettings, UpdateCheckpointSettings } from '../../core/config/costs.ts';

type Setting = { severity: 'error' | 'warning'; threshold: number };

function result(
  name: string,
  setting: Setting,
  value: number,
  measured: Record<string, unknown>,
  ok: string,
  bad: string,
): CheckpointResult {
  const passed = value <= setting.threshold;
  return { name, severity: setting.severity, passed, measured: { ...measured, threshold: setting.threshold }, message: passed ? ok : bad };
}

const list = (items: readonly string[], max = 5) =>
  items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');
const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (n: number) => `${n > 0 ? '+' : ''}${n.toLocaleString('en-US', { maximumFractionDigits: 1 })} %`;

// ---- rollup -------------------------------------------------------------------------------------

export interface Mover {
  product: string;
  current: number | null;
  next: number;
  deltaPct: number | null;
}

export interface RollupMeasures {
  products: number;
  costed: number;
  /** each cycle as the product codes along it, first repeated at the end */
  cycles: string[][];
  missing: Array<{ product: string; usedBy: string[] }>;
  unitProblems: Array<{ product: string; problem: string; component?: string }>;
  operationProblems: Array<{ product: string; problem: string }>;
  notCosted: Array<{ product: string; reason: string }>;
  /** products over the delta threshold, biggest first (at most `topMovers`), and how many there are */
  movers: Mover[];
  moversOver: number;
  /** written products only: Σ |qty on hand × delta| and the net Σ qty on hand × delta */
  revaluation: { absolute: number; net: number; products: number; onHandRead: boolean };
  nonStandard: { count: number; examples: string[] };
}

export function rollupCheckpoints(m: RollupMeasures, s: RollupCheckpointSettings): CheckpointResult[] {
  const out: CheckpointResult[] = [];
  const cyclePaths = m.cycles.map((c) => c.join(' → '));
  out.push(
    result(
      'bom_cycles',
      s.bom_cycles,
      m.cycles.length,
      { cycles: m.cycles.length, paths: cyclePaths.slice(0, 50) },
      'no BoM cycles',
      `${m.cycles.length} BoM cycle${m.cycles.length === 1 ? '' : 's'}: ${list(cyclePaths, 3)}`,
    ),
  );
  out.push(
    result(
      'missing_cost',
      s.missing_cost,
      m.missing.length,
      { components: m.missing.length, examples: m.missing.slice(0, 50) },
      'every component has a cost',
      `${m.missing.length} component${m.missing.length === 1 ? ' has' : 's have'} no cost (costed at 0): ${list(
        m.missing.map((x) => `${x.product} (used by ${list(x.usedBy, 3)})`),
        5,
      )}`,
    ),
  );
  out.push(
    result(
      'unit_conversion',
      s.unit_conversion,
      m.unitProblems.length,
      { problems: m.unitProblems.length, examples: m.unitProblems.slice(0, 50) },
      'every BoM and line converts to the product units',
      `${m.unitProblems.length} BoM unit or component problem${m.unitProblems.length === 1 ? '' : 's'}: ${list(
        m.unitProblems.map((p) => `${p.product}${p.component ? ` line ${p.component}` : ''}: ${p.problem}`),
        5,
      )}`,
    ),
  );
  out.push(
    result(
      'operation_data',
      s.operation_data,
      m.operationProblems.length,
      { problems: m.operationProblems.length, examples: m.operationProblems.slice(0, 50) },
      'every operation has a usable workcenter',
      `${m.operationProblems.length} operation${m.operationProblems.length === 1 ? '' : 's'} without a usable workcenter: ${list(
        m.operationProblems.map((p) => `${p.product}: ${p.problem}`),
        5,
      )}`,
    ),
  );
  out.push(
    result(
      'not_costed',
      s.not_costed,
      m.notCosted.length,
      { products: m.products, costed: m.costed, notCosted: m.notCosted.length, examples: m.notCosted.slice(0, 50) },
      `all ${m.products} products with a BoM costed`,
      `${m.notCosted.length} of ${m.products} products with a BoM could not be costed: ${list(
        m.notCosted.map((p) => `${p.product} (${p.reason})`),
        5,
      )}`,
    ),
  );
  out.push(
    result(
      'cost_delta',
      { severity: s.cost_delta.severity, threshold: 0 },
      m.moversOver,
      { thresholdPct: s.cost_delta.threshold, over: m.moversOver, topMovers: m.movers },
      `no cost moves more than ${s.cost_delta.threshold} %`,
      `${m.moversOver} product${m.moversOver === 1 ? ' moves' : 's move'} more than ${s.cost_delta.threshold} %: ${list(
        m.movers.map(
          (x) =>
            `${x.product} ${x.current === null ? '-' : money(x.current)} → ${money(x.next)}${x.deltaPct === null ? ' (no current cost)' : ` (${pct(x.deltaPct)})`}`,
        ),
        5,
      )}`,
    ),
  );
  const r = m.revaluation;
  out.push(
    result(
      'revaluation_impact',
      s.revaluation_impact,
      r.absolute,
      { absolute: Math.round(r.absolute * 100) / 100, net: Math.round(r.net * 100) / 100, products: r.products, onHandRead: r.onHandRead },
      r.onHandRead
        ? `revaluation impact ${money(r.net)} (|Σ| ${money(r.absolute)}) within ${money(s.revaluation_impact.threshold)}`
        : 'quantities on hand were not read from Odoo: revaluation impact unknown',
      `revaluation impact ${money(r.net)} net, ${money(r.absolute)} in absolute terms, over ${money(s.revaluation_impact.threshold)}`,
    ),
  );
  out.push(
    result(
      'cost_method',
      s.cost_method,
      m.nonStandard.count,
      { products: m.nonStandard.count, examples: m.nonStandard.examples.slice(0, 50) },
      m.nonStandard.count === 0
        ? 'every product is on standard cost'
        : `${m.nonStandard.count} product${m.nonStandard.count === 1 ? '' : 's'} on FIFO / average cost: computed for the report, not written (${list(m.nonStandard.examples, 5)})`,
      `${m.nonStandard.count} products on FIFO / average cost (not written): ${list(m.nonStandard.examples, 5)}`,
    ),
  );
  return out;
}

// ---- cost update files --------------------------------------------------------------------------

export interface UpdateMeasures {
  parse: { rows: number; errorCount: number; currencyErrors: number; examples: Array<{ ref: string; column: string; message: string }> };
  lines: number;
  masterProducts: number;
  unknownProducts: { count: number; examples: string[] };
  duplicates: { count: number; examples: string[] };
  unitProblems: { count: number; examples: string[] };
  negative: { count: number; examples: string[] };
  movers: Mover[];
  moversOver: number;
}

export function updateCheckpoints(m: UpdateMeasures, s: UpdateCheckpointSettings): CheckpointResult[] {
  const parseErrors = m.parse.errorCount - m.parse.currencyErrors;
  const out: CheckpointResult[] = [
    result(
      'parse_errors',
      s.parse_errors,
      parseErrors,
      { rows: m.parse.rows, errors: parseErrors, examples: m.parse.examples.slice(0, 5) },
      `${m.parse.rows} rows read`,
      `${parseErrors} row problem${parseErrors === 1 ? '' : 's'} (see the errors file)`,
    ),
    result(
      'currency_rate',
      s.currency_rate,
      m.parse.currencyErrors,
      { rows: m.parse.currencyErrors },
      'every foreign currency has a configured rate',
      `${m.parse.currencyErrors} row${m.parse.currencyErrors === 1 ? '' : 's'} in a currency without a configured rate (costs.currencyRates)`,
    ),
  ];
  const noMaster = m.masterProducts === 0;
  out.push(
    result(
      'unknown_products',
      noMaster ? { severity: 'warning', threshold: s.unknown_products.threshold } : s.unknown_products,
      m.unknownProducts.count,
      { lines: m.unknownProducts.count, examples: m.unknownProducts.examples, masterDataSynced: !noMaster },
      'every product is known',
      noMaster
        ? `no master data yet (run masterdata-sync): ${m.unknownProducts.count} lines not checked`
        : `${m.unknownProducts.count} line${m.unknownProducts.count === 1 ? '' : 's'} of unknown products: ${list(m.unknownProducts.examples)}`,
    ),
    result(
      'duplicate_keys',
      s.duplicate_keys,
      m.duplicates.count,
      { keys: m.duplicates.count, examples: m.duplicates.examples },
      'one cost per product and valid-from date',
      `${m.duplicates.count} product/date pair${m.duplicates.count === 1 ? ' has' : 's have'} different costs: ${list(m.duplicates.examples)}`,
    ),
    result(
      'unit_conversion',
      s.unit_conversion,
      m.unitProblems.count,
      { lines: m.unitProblems.count, examples: m.unitProblems.examples },
      'every unit converts to the product unit',
      `${m.unitProblems.count} line${m.unitProblems.count === 1 ? '' : 's'} whose unit does not convert to the product's: ${list(m.unitProblems.examples)}`,
    ),
    result(
      'negative_cost',
      s.negative_cost,
      m.negative.count,
      { lines: m.negative.count, examples: m.negative.examples },
      'no negative cost',
      `${m.negative.count} negative cost${m.negative.count === 1 ? '' : 's'}: ${list(m.negative.examples)}`,
    ),
    result(
      'cost_delta',
      { severity: s.cost_delta.severity, threshold: 0 },
      m.moversOver,
      { thresholdPct: s.cost_delta.threshold, over: m.moversOver, topMovers: m.movers },
      `no cost moves more than ${s.cost_delta.threshold} % against the current standard price`,
      `${m.moversOver} product${m.moversOver === 1 ? ' moves' : 's move'} more than ${s.cost_delta.threshold} %: ${list(
        m.movers.map(
          (x) =>
            `${x.product} ${x.current === null ? '-' : money(x.current)} → ${money(x.next)}${x.deltaPct === null ? '' : ` (${pct(x.deltaPct)})`}`,
        ),
      )}`,
    ),
  );
  return out;
}
