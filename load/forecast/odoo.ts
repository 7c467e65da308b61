/**
 * forecast-load against Odoo: which target the database supports, the facts the min/max maths
 * needs (lead times, the multiples of existing rules), the records mfg-etl did not create, and
 * taking such records over (their external id in module `mfg_etl`); the upserts themselves go
 * through the shared write path (load/odoo-ledger/write.ts).
 *
 * Fields differ between Odoo versions (produce_delay moved from the product to the BoM in 17,
 * qty_multiple is gone in 19): what is read is decided by asking `fields_get`, never by version.
 */
import { ConfigError } from '../../core/errors.ts';
import type { OdooClient, OdooDomain, OdooRecord } from '../../core/odoo/index.ts';
import { many2oneId } from '../../core/odoo/index.ts';
import {
  type ForecastTarget,
  type ForecastTargetSetting,
  type ForeignRecord,
  forecastKey,
  type LeadTime,
  MODELS,
  type PlannedRow,
  type RuleMultiple,
  scheduleKey,
  XMLID_MODULE,
} from '../../transform/forecast/load/index.ts';

/** Models whose presence decides what forecast-load does. */
export const PROBED_MODELS = [MODELS.schedule, MODELS.forecast, MODELS.orderpoint, 'mrp.bom', 'product.supplierinfo'] as const;

export async function installedModels(client: OdooClient): Promise<Set<string>> {
  return client.existingModels([...PROBED_MODELS]);
}

/** auto: MPS when Odoo has it (Enterprise), else replenishment rules; a configured target must exist. */
export function chooseTarget(
  setting: ForecastTargetSetting,
  models: ReadonlySet<string> | undefined,
): { target: ForecastTarget; reason: string } {
  const mps = models?.has(MODELS.schedule) && models.has(MODELS.forecast);
  if (setting === 'mps') {
    if (models && !mps)
      throw new ConfigError(
        `forecast-load target is mps, but this Odoo has no ${MODELS.schedule} (the Enterprise MPS module is not installed); use target orderpoint or auto`,
      );
    return { target: 'mps', reason: 'configured' };
  }
  if (setting === 'orderpoint') {
    if (models && !models.has(MODELS.orderpoint))
      throw new ConfigError(
        `forecast-load target is orderpoint, but this Odoo has no ${MODELS.orderpoint} (the Inventory app is not installed)`,
      );
    return { target: 'orderpoint', reason: 'configured' };
  }
  if (!models) return { target: 'orderpoint', reason: 'auto without Odoo to ask: planned as orderpoint (the Community target)' };
  return mps
    ? { target: 'mps', reason: `auto: ${MODELS.schedule} exists (MPS)` }
    : { target: 'orderpoint', reason: `auto: no ${MODELS.schedule} (Community), replenishment rules` };
}

async function fieldNames(client: OdooClient, model: string): Promise<Set<string>> {
  return new Set(Object.keys(await client.fieldsGet(model, { attributes: ['type'] })));
}

const ALL = { active_test: false };

/** mfg_etl external ids of records of `model`: record id → name. */
async function ourNames(client: OdooClient, model: string, ids: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (ids.length === 0) return out;
  const rows = await client.searchReadAll(
    'ir.model.data',
    [
      ['module', '=', XMLID_MODULE],
      ['model', '=', model],
      ['res_id', 'in', [...ids]],
    ],
    ['name', 'res_id'],
  );
  for (const r of rows) out.set(Number(r.res_id), String(r.name));
  return out;
}

// ---- orderpoint facts ---------------------------------------------------------------------------

export interface RulePlace {
  key: string;
  productId: number;
  locationId: number;
}

export interface OrderpointFacts {
  leadTimes: Map<number, LeadTime>;
  /** multiples of the rules that exist (ours, and foreign ones that may be taken over) */
  multiples: Map<string, RuleMultiple>;
  /** rules in a target's place without an mfg_etl external id */
  foreign: Map<string, ForeignRecord>;
  /** the multiple a new rule gets */
  newRuleMultiple: (uomRounding: number | null) => RuleMultiple;
  notes: string[];
}

/**
 * Lead time per product, by what this Odoo has:
 * - a normal BoM (not a kit): its `produce_delay` + `days_to_prepare_mo` (Odoo 17+), or the
 *   product's `produce_delay` (Odoo ≤ 16);
 * - else the first vendor line (`product.supplierinfo.delay`, by sequence);
 * - else the configured default.
 */
async function leadTimes(
  client: OdooClient,
  models: ReadonlySet<string>,
  productIds: readonly number[],
  notes: string[],
): Promise<{ leadTimes: Map<number, LeadTime>; uomOf: Map<number, number> }> {
  const productFields = await fieldNames(client, 'product.product');
  const bomFields = models.has('mrp.bom') ? await fieldNames(client, 'mrp.bom') : new Set<string>();
  const vendorFields = models.has('product.supplierinfo') ? await fieldNames(client, 'product.supplierinfo') : new Set<string>();
  const productDelay = productFields.has('produce_delay');
  const bomDelay = bomFields.has('produce_delay');
  const bomPrepare = bomFields.has('days_to_prepare_mo');

  const products = await client.searchReadAll(
    'product.product',
    [['id', 'in', [...productIds]]],
    ['product_tmpl_id', 'uom_id', ...(productDelay ? ['produce_delay'] : [])],
    { context: ALL },
  );
  const tmplOf = new Map<number, number>();
  const uomOf = new Map<number, number>();
  for (const p of products) {
    const tmpl = many2oneId(p.product_tmpl_id);
    if (tmpl !== null) tmplOf.set(p.id, tmpl);
    const uom = many2oneId(p.uom_id);
    if (uom !== null) uomOf.set(p.id, uom);
  }
  const templates = [...new Set(tmplOf.values())];
  const byFirst = (a: OdooRecord, b: OdooRecord) => Number(a.sequence ?? 0) - Number(b.sequence ?? 0) || a.id - b.id;

  const boms =
    models.has('mrp.bom') && templates.length && (bomDelay || productDelay)
      ? (
          await client.searchReadAll(
            'mrp.bom',
            [['product_tmpl_id', 'in', templates]],
            [
              'product_tmpl_id',
              'product_id',
              'type',
              'sequence',
              ...(bomDelay ? ['produce_delay'] : []),
              ...(bomPrepare ? ['days_to_prepare_mo'] : []),
            ],
          )
        ).sort(byFirst)
      : [];
  const vendorDelay = vendorFields.has('delay');
  const vendors =
    vendorDelay && templates.length
      ? (
          await client.searchReadAll(
            'product.supplierinfo',
            [['product_tmpl_id', 'in', templates]],
            ['product_tmpl_id', 'product_id', 'sequence', 'delay'],
          )
        ).sort(byFirst)
      : [];
  if (!bomDelay && !productDelay)
    notes.push('this Odoo has no produce_delay field (BoM or product): manufacturing lead times are not read');
  if (!vendorDelay) notes.push('this Odoo has no product.supplierinfo.delay: vendor lead times are not read');

  const out = new Map<number, LeadTime>();
  for (const p of products) {
    const tmpl = tmplOf.get(p.id);
    const fits = (r: OdooRecord) =>
      many2oneId(r.product_tmpl_id) === tmpl && (many2oneId(r.product_id) === null || many2oneId(r.product_id) === p.id);
    // a BoM for this very variant wins over the template's
    const bom =
      boms.find((b) => b.type !== 'phantom' && many2oneId(b.product_id) === p.id) ?? boms.find((b) => b.type !== 'phantom' && fits(b));
    if (bom) {
      const days = bomDelay
        ? Number(bom.produce_delay || 0) + (bomPrepare ? Number(bom.days_to_prepare_mo || 0) : 0)
        : Number(p.produce_delay || 0);
      out.set(p.id, { days, source: 'bom' });
      continue;
    }
    const vendor = vendors.find((v) => many2oneId(v.product_id) === p.id) ?? vendors.find(fits);
    if (vendor) out.set(p.id, { days: Number(vendor.delay || 0), source: 'vendor' });
  }
  return { leadTimes: out, uomOf };
}

export async function orderpointFacts(
  client: OdooClient,
  models: ReadonlySet<string>,
  places: readonly RulePlace[],
): Promise<OrderpointFacts> {
  const notes: string[] = [];
  const productIds = [...new Set(places.map((p) => p.productId))];
  const { leadTimes: leads, uomOf } = await leadTimes(client, models, productIds, notes);

  const ruleFields = await fieldNames(client, MODELS.orderpoint);
  const hasMultiple = ruleFields.has('qty_multiple');
  const hasReplenishmentUom = ruleFields.has('replenishment_uom_id');
  const locations = [...new Set(places.map((p) => p.locationId))];
  const rules = productIds.length
    ? await client.searchReadAll(
        MODELS.orderpoint,
        [
          ['product_id', 'in', productIds],
          ['location_id', 'in', locations],
        ],
        [
          'product_id',
          'location_id',
          'active',
          ...(hasMultiple ? ['qty_multiple'] : []),
          ...(hasReplenishmentUom ? ['replenishment_uom_id'] : []),
        ],
        { context: ALL },
      )
    : [];
  const ours = await ourNames(
    client,
    MODELS.orderpoint,
    rules.map((r) => r.id),
  );

  // Odoo 19: a rule's multiple is its replenishment unit, in the product's unit (factor = absolute quantity)
  const uomIds = new Set<number>();
  for (const r of rules) {
    const uom = many2oneId(r.replenishment_uom_id);
    const productUom = uomOf.get(many2oneId(r.product_id) ?? 0);
    if (uom !== null && productUom !== undefined) uomIds.add(uom).add(productUom);
  }
  const factor = new Map<number, number>();
  if (uomIds.size) for (const u of await client.read('uom.uom', [...uomIds], ['factor'])) factor.set(u.id, Number(u.factor));

  const placeOf = new Map(places.map((p) => [`${p.productId}:${p.locationId}`, p.key]));
  const multiples = new Map<string, RuleMultiple>();
  const foreign = new Map<string, ForeignRecord>();
  for (const r of rules) {
    const key = placeOf.get(`${many2oneId(r.product_id)}:${many2oneId(r.location_id)}`);
    if (!key) continue;
    if (!ours.has(r.id) && !foreign.has(key)) foreign.set(key, { id: r.id });
    if (hasMultiple && Number(r.qty_multiple) > 0) {
      multiples.set(key, { multiple: Number(r.qty_multiple), source: 'qty_multiple' });
    } else if (hasReplenishmentUom && many2oneId(r.replenishment_uom_id) !== null) {
      const repl = factor.get(many2oneId(r.replenishment_uom_id) as number);
      const unit = factor.get(uomOf.get(many2oneId(r.product_id) ?? 0) ?? 0);
      if (repl && unit) multiples.set(key, { multiple: Number((repl / unit).toFixed(6)), source: 'replenishment_uom' });
    }
  }
  const newRuleMultiple = hasMultiple
    ? () => ({ multiple: 1, source: 'qty_multiple (new rule: 1)' })
    : (rounding: number | null) => ({ multiple: rounding ?? 0.01, source: 'unit_rounding' });
  return { leadTimes: leads, multiples, foreign, newRuleMultiple, notes };
}

// ---- mps facts ----------------------------------------------------------------------------------

export interface SchedulePlace {
  productId: number;
  warehouseId: number;
}

export interface MpsFacts {
  /** schedules in a target's place without an mfg_etl external id, by schedule key */
  foreignSchedules: Map<string, ForeignRecord>;
  /** forecasts of those schedules, by forecast key (taken over with them when configured) */
  foreignForecasts: Map<string, ForeignRecord>;
}

export async function mpsFacts(client: OdooClient, places: readonly SchedulePlace[], manageForeign: boolean): Promise<MpsFacts> {
  const foreignSchedules = new Map<string, ForeignRecord>();
  const foreignForecasts = new Map<string, ForeignRecord>();
  const productIds = [...new Set(places.map((p) => p.productId))];
  const warehouseIds = [...new Set(places.map((p) => p.warehouseId))];
  if (productIds.length === 0) return { foreignSchedules, foreignForecasts };
  const wanted = new Set(places.map((p) => scheduleKey(p.warehouseId, p.productId)));
  const schedules = await client.searchReadAll(
    MODELS.schedule,
    [
      ['product_id', 'in', productIds],
      ['warehouse_id', 'in', warehouseIds],
    ],
    ['product_id', 'warehouse_id'],
  );
  const ours = await ourNames(
    client,
    MODELS.schedule,
    schedules.map((s) => s.id),
  );
  const keyOf = new Map<number, { key: string; warehouseId: number; productId: number }>();
  for (const s of schedules) {
    const productId = many2oneId(s.product_id) ?? 0;
    const warehouseId = many2oneId(s.warehouse_id) ?? 0;
    const key = scheduleKey(warehouseId, productId);
    if (!wanted.has(key) || ours.has(s.id) || foreignSchedules.has(key)) continue;
    foreignSchedules.set(key, { id: s.id });
    keyOf.set(s.id, { key, warehouseId, productId });
  }
  if (manageForeign && keyOf.size) {
    const domain: OdooDomain = [['production_schedule_id', 'in', [...keyOf.keys()]]];
    for (const f of await client.searchReadAll(MODELS.forecast, domain, ['production_schedule_id', 'date'])) {
      const s = keyOf.get(many2oneId(f.production_schedule_id) ?? 0);
      if (!s || typeof f.date !== 'string') continue;
      const key = forecastKey(s.warehouseId, s.productId, f.date);
      if (!foreignForecasts.has(key)) foreignForecasts.set(key, { id: f.id });
    }
  }
  return { foreignSchedules, foreignForecasts };
}

// ---- writes -------------------------------------------------------------------------------------

/**
 * Take foreign records over: their external id `mfg_etl.<key>` is created, so the following
 * `load` updates them instead of creating a second record.
 */
export async function adoptRecords(client: OdooClient, model: string, rows: readonly PlannedRow[]): Promise<number> {
  const vals = rows
    .filter((r) => r.adoptId !== undefined)
    .map((r) => ({ module: XMLID_MODULE, name: r.key, model, res_id: r.adoptId, noupdate: false }));
  if (vals.length) await client.create('ir.model.data', vals);
  return vals.length;
}
