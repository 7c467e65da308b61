/**
 * The checkpoints of a production report file (the `mes.checkpoints` settings): each counts the
 * responses that fail it, passes while the count is within its threshold, and lists per failing
 * response a row error naming the response, the field, the value and what to do.
 * Pure: what mfg-etl released, what earlier reports produced and which lots Odoo knows come in.
 */
import type { MesCheckpointSettings, MesSettings } from '../../core/config/mes.ts';
import { type CheckpointResult, checkpointResult, examplesText, type RowError } from '../shared/checkpoints.ts';
import type { ParsedReport } from './performance.ts';

/** What the release sent for an order, as the checks need it. */
export interface ReleasedForCheck {
  state: string;
  productCode: string;
  quantity: number;
  unit?: string;
  workOrders: Array<{ id: number | string; name: string; workcenter?: string }>;
  /** ids of the work orders of earlier orders of the request (before a backorder): still accepted */
  formerWorkOrderIds?: string[];
  components: Array<{ code: string; quantity: number }>;
}

export interface CheckInput {
  reports: readonly ParsedReport[];
  parseProblems: readonly RowError[];
  responses: number;
  /** per MO name: what was released (undefined: never released) */
  released: ReadonlyMap<string, ReleasedForCheck | undefined>;
  /** per MO name: produced by reports staged earlier (other files) */
  producedBefore: ReadonlyMap<string, number>;
  /** per transaction id: the content hash staged before */
  knownTransactions: ReadonlyMap<string, string>;
  /** `${product code}\u0000${lot}` Odoo knows; undefined when Odoo is not configured (the check is skipped) */
  knownLots: ReadonlySet<string> | undefined;
  settings: Pick<MesSettings, 'overproductionTolerancePct' | 'consumptionTolerancePct' | 'checkpoints'>;
}

export interface CheckOutput {
  results: CheckpointResult[];
  problems: RowError[];
  /** reports to stage (new transactions) */
  toStage: ParsedReport[];
  /** same transaction id, same content, staged before: skipped, never posted twice */
  repeats: ParsedReport[];
}

type Name = keyof MesCheckpointSettings;

const lotKey = (code: string, lot: string) => `${code}\u0000${lot}`;
const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function checkReports(input: CheckInput): CheckOutput {
  const cfg = input.settings.checkpoints;
  const failing = new Map<Name, Set<string>>();
  const problems: RowError[] = [];
  const fail = (name: Name, r: ParsedReport, column: string, value: string, message: string) => {
    const set = failing.get(name) ?? new Set<string>();
    set.add(r.report.transactionId);
    failing.set(name, set);
    problems.push({ ref: r.ref, column, value, message: `${name}: ${message}` });
  };

  const toStage: ParsedReport[] = [];
  const repeats: ParsedReport[] = [];
  const inFile = new Map<string, string>();
  const producedInFile = new Map<string, number>();

  for (const r of input.reports) {
    const rep = r.report;
    const tx = rep.transactionId;
    // one transaction id = one content, across files and within this one
    const before = input.knownTransactions.get(tx) ?? inFile.get(tx);
    if (before !== undefined) {
      if (before === r.hash) {
        repeats.push(r);
        continue;
      }
      fail(
        'transaction_conflict',
        r,
        'ID',
        tx,
        `transaction ${tx} was received before with other content; neither is posted again. Ask the MES which one is right; to post the new content, send it under a new transaction ID`,
      );
      continue;
    }
    inFile.set(tx, r.hash);
    toStage.push(r);

    const released = input.released.get(rep.moName);
    if (!released || released.state === 'cancelled') {
      fail(
        'unknown_order',
        r,
        'OperationsRequestID',
        rep.moName,
        released
          ? `order ${rep.moName} was cancelled after its release; nothing can be reported on it. Check the order in Odoo and tell the MES to drop it`
          : `order ${rep.moName} was never released to the MES by mfg-etl. Check the order name; if the order should be on the floor, release it (mfg-etl run mes-release) and have the MES send the report again`,
      );
      continue;
    }
    const woNames = new Set([...released.workOrders.flatMap((w) => [String(w.id), w.name]), ...(released.formerWorkOrderIds ?? [])]);
    const wos = [rep.workOrder, ...rep.segments.map((s) => s.workOrder)].filter((w): w is string => !!w);
    for (const wo of new Set(wos)) {
      if (!woNames.has(wo))
        fail(
          'unknown_order',
          r,
          'SegmentRequirementID',
          wo,
          `work order ${wo} is not one of order ${rep.moName}'s (${released.workOrders.map((w) => `${w.id} ${w.name}`).join(', ') || 'none'})`,
        );
    }

    if (rep.productCode && rep.productCode !== released.productCode)
      fail(
        'product_mismatch',
        r,
        'MaterialActual/MaterialDefinitionID',
        rep.productCode,
        `order ${rep.moName} makes ${released.productCode}, the report produces ${rep.productCode}`,
      );
    if (rep.unit && released.unit && rep.unit !== released.unit)
      fail(
        'product_mismatch',
        r,
        'MaterialActual/Quantity/UnitOfMeasure',
        rep.unit,
        `order ${rep.moName} is in ${released.unit}; report the produced quantity in ${released.unit}`,
      );

    const negatives = [
      ...(rep.producedQty < 0 ? [['produced', rep.productCode ?? '', rep.producedQty] as const] : []),
      ...rep.consumed.filter((m) => m.quantity < 0).map((m) => ['consumed', m.code, m.quantity] as const),
      ...rep.scrap.filter((m) => m.quantity < 0).map((m) => ['scrapped', m.code, m.quantity] as const),
    ];
    for (const [what, code, qty] of negatives)
      fail(
        'negative_quantities',
        r,
        'Quantity',
        String(qty),
        `${what} quantity of ${code} is negative; report corrections as a new positive report`,
      );

    const earlier = (input.producedBefore.get(rep.moName) ?? 0) + (producedInFile.get(rep.moName) ?? 0);
    producedInFile.set(rep.moName, (producedInFile.get(rep.moName) ?? 0) + rep.producedQty);
    const allowed = released.quantity * (1 + input.settings.overproductionTolerancePct / 100) - earlier;
    if (rep.producedQty > 0 && rep.producedQty > allowed + 1e-9)
      fail(
        'over_production',
        r,
        'MaterialActual/Quantity',
        String(rep.producedQty),
        `order ${rep.moName} is for ${released.quantity}; ${round(earlier)} reported before, so at most ${round(Math.max(allowed, 0))} more (tolerance ${input.settings.overproductionTolerancePct} %). Raise the order's quantity in Odoo (and release again) or correct the report`,
      );

    if (input.knownLots) {
      for (const m of [...rep.consumed, ...rep.scrap.filter((s) => s.code !== released.productCode)]) {
        if (m.lot && !input.knownLots.has(lotKey(m.code, m.lot)))
          fail(
            'unknown_lots',
            r,
            `${m.ref}/MaterialLotID`,
            m.lot,
            `Odoo has no lot ${m.lot} of ${m.code}; check the lot on the floor, or receive it in Odoo first`,
          );
      }
    }

    if (rep.producedQty > 0 && released.quantity > 0) {
      const share = rep.producedQty / released.quantity;
      const consumedBy = new Map<string, number>();
      for (const m of rep.consumed) consumedBy.set(m.code, (consumedBy.get(m.code) ?? 0) + m.quantity);
      const bom = new Map(released.components.map((c) => [c.code, c.quantity]));
      for (const [code, qty] of consumedBy) {
        const planned = bom.get(code);
        if (planned === undefined) {
          fail(
            'consumption_deviation',
            r,
            'MaterialActual/MaterialDefinitionID',
            code,
            `${code} is not a component of order ${rep.moName}`,
          );
          continue;
        }
        const expected = planned * share;
        const tolerance = (expected * input.settings.consumptionTolerancePct) / 100;
        if (Math.abs(qty - expected) > tolerance + 1e-9)
          fail(
            'consumption_deviation',
            r,
            'MaterialActual/Quantity',
            String(qty),
            `${round(qty)} ${code} consumed for ${rep.producedQty} produced; the BoM share is ${round(expected)} (tolerance ${input.settings.consumptionTolerancePct} %)`,
          );
      }
    }
  }

  const results: CheckpointResult[] = [];
  const parsePassed = input.parseProblems.length <= cfg.parse_errors.threshold;
  results.push(
    checkpointResult(
      'parse_errors',
      cfg.parse_errors.severity,
      parsePassed,
      { responses: input.responses, errors: input.parseProblems.length, threshold: cfg.parse_errors.threshold },
      input.parseProblems.length === 0
        ? `all ${input.responses} responses read`
        : `${input.parseProblems.length} problem(s) reading ${input.responses} response(s) (see the error report)`,
    ),
  );
  const describe: Record<Exclude<Name, 'parse_errors'>, [string, string]> = {
    unknown_order: ['every response answers an order mfg-etl released', 'response(s) for an order (or work order) mfg-etl did not release'],
    product_mismatch: ['every response produces its order’s product', 'response(s) produce another product or unit than the order'],
    over_production: ['no order is over-produced', 'response(s) produce more than the order has left'],
    unknown_lots: [
      input.knownLots ? 'every component lot is known to Odoo' : 'not checked: Odoo is not configured',
      'response(s) name component lots Odoo does not know',
    ],
    consumption_deviation: ['consumption within the BoM tolerance', 'response(s) consume far from the BoM'],
    negative_quantities: ['no negative quantity', 'response(s) have negative quantities'],
    transaction_conflict: [
      repeats.length ? `${repeats.length} transaction(s) received before with the same content: skipped` : 'every transaction id is new',
      'response(s) reuse a transaction id with other content',
    ],
  };
  for (const name of Object.keys(describe) as Array<Exclude<Name, 'parse_errors'>>) {
    const c = cfg[name];
    const ids = [...(failing.get(name) ?? [])];
    const passed = ids.length <= c.threshold;
    const severity = name === 'unknown_lots' && !input.knownLots ? 'warning' : c.severity;
    const skipped = name === 'unknown_lots' && !input.knownLots;
    results.push(
      checkpointResult(
        name,
        severity,
        passed && !skipped,
        { failing: ids.length, threshold: c.threshold, examples: ids.slice(0, 5), ...(skipped ? { skipped: true } : {}) },
        ids.length === 0 ? describe[name][0] : `${ids.length} ${describe[name][1]}${examplesText(ids)}`,
      ),
    );
  }
  return { results, problems, toStage, repeats };
}
