/**
 * Forecast staging: bulk insert of lines resolved against the master data (product, warehouse,
 * unit), the measurements the checkpoints read, and row errors.
 *
 * Two ways in, with the same result row for row:
 *  - array parameters through unnest, resolved in SQL on the way in (sql/forecast/stage_lines.sql):
 *    works on PostgreSQL and on embedded PGlite;
 *  - on PostgreSQL, `COPY … FROM STDIN` of final rows, resolved in Node against a snapshot of the
 *    master data read once per file in the same transaction (sql/forecast/master_lookup.sql).
 *    A line Node cannot resolve exactly as SQL would goes through the unnest INSERT instead: a
 *    quantity that needs unit arithmetic (numeric division, done by PostgreSQL), or a warehouse or
 *    unit code that is not ASCII (lower() follows the database locale there).
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { ForecastMeasures } from '../../transform/forecast/checkpoints.ts';
import type { RowError } from '../../transform/shared/checkpoints.ts';
import type { ForecastLine } from '../../transform/forecast/index.ts';
import { COPY_NULL, copyIn, CopyRowWriter, copyText } from '../staging/copy-rows.ts';
import type { ForecastTally, LineResolution, TallyFigures } from '../../transform/forecast/tally.ts';

type Db = Knex | Knex.Transaction;

/** Inserts one chunk; `firstLineNo` numbers the lines so their order in the file is kept. */
export async function stageForecastLines(db: Db, batchId: number, lines: readonly ForecastLine[], firstLineNo: number): Promise<void> {
  await insertLines(db, batchId, lines, (i) => firstLineNo + i);
}

/** The unnest INSERT (resolving in SQL) of `lines`, line i numbered `lineNo(i)`. */
async function insertLines(db: Db, batchId: number, lines: readonly ForecastLine[], lineNo: (i: number) => number): Promise<void> {
  const n = lines.length;
  if (n === 0) return;
  const lineNos = new Array<number>(n);
  const product = new Array<string>(n);
  const warehouse = new Array<string>(n);
  const period = new Array<string>(n);
  const quantity = new Array<number>(n);
  const unit = new Array<string | null>(n);
  const ref = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const l = lines[i]!;
    lineNos[i] = lineNo(i);
    product[i] = l.product;
    warehouse[i] = l.warehouse;
    period[i] = l.periodStart;
    quantity[i] = l.quantity;
    unit[i] = l.unit ?? null;
    ref[i] = l.sourceRef;
  }
  await runSql(db, 'forecast/stage_lines', [batchId, lineNos, product, warehouse, period, quantity, unit, ref]);
}

/**
 * Stages a file's lines chunk by chunk, in order. `add` takes the lines in as they are parsed
 * (resolving them, counting them into the tally and writing their COPY rows, so the line objects
 * can go at once); `take` hands over what was added as a chunk; `write` sends a chunk (one at a
 * time). `stage` does all three for one chunk.
 */
export interface ForecastStager {
  add(lines: readonly ForecastLine[], firstLineNo: number): void;
  take(): PreparedLines;
  write(chunk: PreparedLines): Promise<void>;
  stage(lines: readonly ForecastLine[], firstLineNo: number): Promise<void>;
  /** how the lines went in: by COPY (resolved in Node), or by the unnest INSERT (resolved in SQL) */
  readonly counts: { copied: number; inserted: number };
  /** active master data rows (products, warehouses, units), when staging read the snapshot */
  readonly master: MasterCounts | undefined;
}

/** a chunk ready to send: COPY text of the lines resolved in Node, and the lines left to SQL */
export interface PreparedLines {
  copyText: Buffer[];
  copied: number;
  inSql: ForecastLine[];
  inSqlLineNos: number[];
}

export interface MasterCounts {
  products: number;
  warehouses: number;
  units: number;
}

export interface StagerOptions {
  /** COPY with resolution in Node (PostgreSQL only), else the unnest INSERT */
  copy: boolean;
  /** counts every line as it is prepared, with how it was resolved */
  tally?: ForecastTally;
}

/** A stager for one batch. With `copy`, reads the master data snapshot now, inside `db`'s transaction. */
export async function forecastStager(db: Knex.Transaction, batchId: number, options: StagerOptions): Promise<ForecastStager> {
  const counts = { copied: 0, inserted: 0 };
  const tally = options.tally;
  const resolver = options.copy ? await masterResolver(db, batchId, tally) : undefined;
  let inSql: ForecastLine[] = [];
  let inSqlLineNos: number[] = [];
  const stager: ForecastStager = {
    counts,
    master: resolver?.master,
    add(lines, firstLineNo) {
      if (resolver) return resolver.add(lines, firstLineNo);
      for (let i = 0; i < lines.length; i++) {
        tally?.add(lines[i]!, undefined);
        inSql.push(lines[i]!);
        inSqlLineNos.push(firstLineNo + i);
      }
    },
    take() {
      if (resolver) return resolver.take();
      const chunk = { copyText: [], copied: 0, inSql, inSqlLineNos };
      inSql = [];
      inSqlLineNos = [];
      return chunk;
    },
    async write(chunk) {
      if (chunk.copied > 0) {
        const copied = await copyIn(db, COPY_LINES, chunk.copyText);
        if (copied !== chunk.copied) throw new Error(`COPY of forecast lines: ${copied} rows copied, ${chunk.copied} sent`);
      }
      if (chunk.inSql.length > 0) await insertLines(db, batchId, chunk.inSql, (i) => chunk.inSqlLineNos[i]!);
      counts.copied += chunk.copied;
      counts.inserted += chunk.inSql.length;
    },
    stage(lines, firstLineNo) {
      stager.add(lines, firstLineNo);
      return stager.write(stager.take());
    },
  };
  return stager;
}

const COPY_LINES =
  'copy forecast_lines (batch_id, line_no, product_code, product_id, warehouse_code, warehouse_id, period_start, quantity, source_quantity, source_unit, source_ref) from stdin';

/** one COPY data piece: large enough for few socket writes, small enough to stay out of the way */
const PIECE_BYTES = 256 * 1024;
const NULL_FIELD = CopyRowWriter.encode(COPY_NULL);
/** distinct codes remembered per file (products, warehouses, units); beyond, they are resolved each time */
const CACHE_LIMIT = 200_000;
// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;

interface ProductRef {
  /** "code<TAB>odoo id<TAB>" as COPY bytes (\N when unknown) */
  fields: Uint8Array;
  known: boolean;
  uomId: number | null;
}
interface WarehouseRef {
  /** "code<TAB>odoo id<TAB>" as COPY bytes */
  fields: Uint8Array;
  known: boolean;
  /** resolved in Node exactly as lower() in SQL would (false: the line goes through SQL) */
  exact: boolean;
}
interface UnitRef {
  /** the unit as a COPY field */
  field: Uint8Array;
  id: number | undefined;
  group: string | undefined;
  exact: boolean;
}

type LookupRow = { kind: string; key: string | null; odoo_id: number | null; uom_id: number | null; ref_group: string | null };

async function masterResolver(db: Knex.Transaction, batchId: number, tally: ForecastTally | undefined) {
  const rows = await runSql<LookupRow>(db, 'forecast/master_lookup');
  const masterProducts = new Map<string, { id: number; uomId: number | null }>();
  const masterWarehouses = new Map<string, number>();
  const masterUnits = new Map<string, { id: number; group: string }>();
  const unitGroups = new Map<number, string>();
  const master: MasterCounts = { products: 0, warehouses: 0, units: 0 };
  let asciiLower = false;
  for (const r of rows) {
    if (r.kind === 'p') masterProducts.set(r.key!, { id: r.odoo_id!, uomId: r.uom_id });
    else if (r.kind === 'w') masterWarehouses.set(r.key!, r.odoo_id!);
    else if (r.kind === 'u') masterUnits.set(r.key!, { id: r.odoo_id!, group: r.ref_group! });
    else if (r.kind === 'pu') unitGroups.set(r.odoo_id!, r.ref_group!);
    else if (r.kind === 'count') master[r.key as keyof MasterCounts] = r.odoo_id!;
    else if (r.kind === 'lower') asciiLower = r.key === 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz';
  }

  const products = new Map<string, ProductRef>();
  const warehouses = new Map<string, WarehouseRef>();
  const units = new Map<string, UnitRef>();
  const product = (code: string): ProductRef => {
    let ref = products.get(code);
    if (ref === undefined) {
      const m = masterProducts.get(code);
      ref = {
        fields: CopyRowWriter.encode(`${copyText(code)}\t${m ? m.id : COPY_NULL}\t`),
        known: m !== undefined,
        uomId: m?.uomId ?? null,
      };
      if (products.size < CACHE_LIMIT) products.set(code, ref);
    }
    return ref;
  };
  const warehouse = (code: string): WarehouseRef => {
    let ref = warehouses.get(code);
    if (ref === undefined) {
      const exact = asciiLower && ASCII.test(code);
      const id = exact ? masterWarehouses.get(code.toLowerCase()) : undefined;
      ref = { fields: CopyRowWriter.encode(`${copyText(code)}\t${id ?? COPY_NULL}\t`), known: id !== undefined, exact };
      if (warehouses.size < CACHE_LIMIT) warehouses.set(code, ref);
    }
    return ref;
  };
  const unit = (name: string): UnitRef => {
    let ref = units.get(name);
    if (ref === undefined) {
      const exact = asciiLower && ASCII.test(name);
      const m = exact ? masterUnits.get(name.toLowerCase()) : undefined;
      ref = { field: CopyRowWriter.encode(copyText(name)), id: m?.id, group: m?.group, exact };
      if (units.size < CACHE_LIMIT) units.set(name, ref);
    }
    return ref;
  };
  const writer = new CopyRowWriter(PIECE_BYTES);
  const batch = CopyRowWriter.encode(`${batchId}\t`);
  let out: PreparedLines = { copyText: [], copied: 0, inSql: [], inSqlLineNos: [] };
  // reused for every line: the tally reads it before the next line
  const resolution: LineResolution = { productKnown: false, warehouseKnown: false, unitKnown: true, quantityNull: false };

  return {
    master,
    /** writes COPY rows of the lines Node resolves; the others are left for SQL. Feeds `tally` in line order. */
    add(lines: readonly ForecastLine[], firstLineNo: number): void {
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        const lineNo = firstLineNo + i;
        const p = product(l.product);
        const w = warehouse(l.warehouse);
        // as stage_lines.sql: the source quantity when the product is unknown, no unit is given or
        // the unit is the product's own; converted within a unit group (by SQL); else NULL
        let quantityNull = false;
        let unitField = NULL_FIELD;
        let inSql = !w.exact;
        let unitResolved = true;
        let unitKnown = true;
        if (l.unit !== undefined) {
          const u = unit(l.unit);
          unitField = u.field;
          if (!u.exact) {
            unitResolved = false;
            if (p.known) inSql = true;
          } else {
            unitKnown = u.id !== undefined;
            if (p.known) {
              const group = p.uomId === null ? undefined : unitGroups.get(p.uomId);
              if (u.id === undefined || group === undefined) quantityNull = true;
              else if (u.id !== p.uomId) {
                if (u.group === group)
                  inSql = true; // numeric arithmetic: PostgreSQL's
                else quantityNull = true;
              }
            }
          }
        }
        if (inSql) {
          tally?.add(l, undefined);
          out.inSql.push(l);
          out.inSqlLineNos.push(lineNo);
          continue;
        }
        if (tally) {
          if (unitResolved) {
            resolution.productKnown = p.known;
            resolution.warehouseKnown = w.known;
            resolution.unitKnown = unitKnown;
            resolution.quantityNull = quantityNull;
            tally.add(l, resolution);
          } else tally.add(l, undefined); // whether the unit is known is for SQL to say
        }
        // batch_id, line_no, product_code, product_id, warehouse_code, warehouse_id, period_start,
        // quantity, source_quantity, source_unit, source_ref
        writer.bytes(batch);
        writer.number(lineNo);
        writer.tab();
        writer.bytes(p.fields);
        writer.bytes(w.fields);
        writer.text(l.periodStart);
        writer.tab();
        if (quantityNull) writer.bytes(NULL_FIELD);
        else writer.number(l.quantity);
        writer.tab();
        writer.number(l.quantity);
        writer.tab();
        writer.bytes(unitField);
        writer.tab();
        writer.text(l.sourceRef);
        writer.endRow();
        out.copied++;
      }
    },
    take(): PreparedLines {
      const chunk = out;
      chunk.copyText = writer.take();
      out = { copyText: [], copied: 0, inSql: [], inSqlLineNos: [] };
      return chunk;
    },
  };
}

export async function deleteForecastLines(db: Db, batchId: number): Promise<void> {
  await db('forecast_lines').where({ batch_id: batchId }).delete();
}

/** The previous approved (or loaded) version of the same scope, if any. */
export async function previousApprovedForecast(db: Db, scope: string, beforeBatchId: number): Promise<number | undefined> {
  const row = await db('batches')
    .where({ kind: 'forecast', scope })
    .whereIn('status', ['approved', 'loading', 'loaded', 'load_failed'])
    .where('id', '<', beforeBatchId)
    .orderBy('id', 'desc')
    .first('id');
  return row?.id as number | undefined;
}

export interface VersionCompare {
  previousBatchId: number;
  /** total quantity per period (YYYY-MM-DD), null where a version has no lines in that period */
  periods: Array<{ period: string; current: number | null; previous: number | null }>;
  /** products with the largest absolute change, biggest first */
  movers: Array<{ product: string; current: number; previous: number; change: number }>;
}

/**
 * A forecast version against the previous approved version of the same scope (the one the
 * delta checkpoints compared it with): totals by period and the top movers. Undefined when there
 * is no previous approved version.
 */
export async function forecastVersionCompare(
  db: Db,
  batch: { id: number; scope: string },
  topMovers = 10,
): Promise<VersionCompare | undefined> {
  const previousBatchId = await previousApprovedForecast(db, batch.scope, batch.id);
  if (previousBatchId === undefined) return undefined;
  const [row] = await runSql<{ periods: VersionCompare['periods']; movers: VersionCompare['movers'] }>(db, 'forecast/version_compare', [
    batch.id,
    previousBatchId,
    topMovers,
  ]);
  return { previousBatchId, periods: row?.periods ?? [], movers: row?.movers ?? [] };
}

export interface MeasureInput {
  batchId: number;
  currentPeriod: string;
  horizonPeriods: number;
  periodLength: '7 days' | '1 month';
}

type Row = Record<string, unknown>;

export interface KnownFigures {
  /** what staging counted (undefined: the tally gave up) */
  figures: TallyFigures | undefined;
  /** the master data counts staging read (undefined: it did not) */
  master: MasterCounts | undefined;
}

type Measures = Omit<ForecastMeasures, 'parse' | 'delta'> & { onlyWarehouse: string | null; summary: Row };

/**
 * The checkpoint measurements that need only this version. Figures counted while staging
 * (`known`) are taken as they are; set-based SQL over the staged lines measures the rest: all of
 * it without `known`, else only what failed (for its examples, in PostgreSQL's order) and the
 * references and total when SQL resolved some lines.
 */
export async function measureForecast(db: Db, input: MeasureInput, known?: KnownFigures): Promise<Measures> {
  // million-line batches: hash aggregates in memory rather than spilling (JIT is off for the import)
  await db.raw(`set local work_mem = '64MB'`);
  const f = known?.figures;
  if (f === undefined) {
    const [lines] = await runSql(db, 'forecast/check_lines', [input.batchId, input.currentPeriod]);
    const [duplicates] = await runSql(db, 'forecast/check_duplicates', [input.batchId]);
    const [references] = await runSql(db, 'forecast/check_references', [input.batchId]);
    const [horizon] = await runSql(db, 'forecast/check_horizon', [
      input.batchId,
      input.currentPeriod,
      input.horizonPeriods,
      input.periodLength,
    ]);
    if (references) delete references.total_quantity; // check_lines has it
    return measures(input, lines ?? {}, duplicates, references, horizon);
  }
  const lines: Row = { ...f.lines };
  const duplicates =
    f.duplicates.duplicate_keys === 0
      ? { ...f.duplicates, examples: [] }
      : (await runSql(db, 'forecast/check_duplicates', [input.batchId]))[0];
  const horizon =
    f.horizon.series_with_gaps === 0
      ? { ...f.horizon, examples: [] }
      : (await runSql(db, 'forecast/check_horizon', [input.batchId, input.currentPeriod, input.horizonPeriods, input.periodLength]))[0];
  const r = f.references;
  const clean = r.unknown_products === 0 && r.unknown_warehouses === 0 && r.unknown_units === 0 && r.unconvertible_lines === 0;
  let references: Row | undefined;
  if (f.resolved && clean && known?.master) {
    const m = known.master;
    references = {
      master_products: m.products,
      master_warehouses: m.warehouses,
      master_units: m.units,
      ...r,
      unknown_product_examples: null,
      unknown_warehouse_examples: null,
      unknown_unit_examples: null,
      unconvertible_examples: null,
    };
  } else {
    [references] = await runSql(db, 'forecast/check_references', [input.batchId]);
    // SQL converted some quantities: the staged total is PostgreSQL's
    if (!f.resolved) lines.total_quantity = references?.total_quantity;
  }
  if (references) delete references.total_quantity;
  return measures(input, lines, duplicates, references, horizon);
}

function measures(
  input: MeasureInput,
  lines: Row,
  duplicates: Row | undefined,
  references: Row | undefined,
  horizon: Row | undefined,
): Measures {
  return {
    lines: lines as unknown as ForecastMeasures['lines'],
    duplicates: duplicates as unknown as ForecastMeasures['duplicates'],
    references: references as unknown as ForecastMeasures['references'],
    horizon: horizon as unknown as ForecastMeasures['horizon'],
    currentPeriod: input.currentPeriod,
    onlyWarehouse: (lines.only_warehouse as string | null | undefined) ?? null,
    summary: lines,
  };
}

/** The change against the previous approved version of the same scope, per product. */
export async function measureForecastDelta(
  db: Db,
  batchId: number,
  previousBatchId: number,
  productDeltaPct: number,
): Promise<NonNullable<ForecastMeasures['delta']>> {
  const [d] = await runSql(db, 'forecast/check_delta', [batchId, previousBatchId, productDeltaPct]);
  return { previousBatchId, ...(d as object) } as NonNullable<ForecastMeasures['delta']>;
}

export interface FailedLineChecks {
  unknownProducts: boolean;
  unknownWarehouses: boolean;
  unitConversion: boolean;
  negativeQuantity: boolean;
}

/** The lines behind failed checkpoints, as row errors (read before a rejected version's lines are dropped). */
export async function lineProblems(db: Db, batchId: number, failed: FailedLineChecks, limit: number): Promise<RowError[]> {
  if (limit <= 0) return [];
  const rows = await runSql<{ ref: string; col: string; value: string | null; message: string }>(db, 'forecast/line_problems', [
    batchId,
    limit,
    failed.unknownProducts,
    failed.unknownWarehouses,
    failed.unitConversion,
    failed.negativeQuantity,
  ]);
  return rows.map((r) => ({ ref: r.ref, column: r.col, value: r.value ?? '', message: r.message }));
}
