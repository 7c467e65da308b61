/**
 * supplier-import: confirmation and ASN files suppliers send back, dropped into
 * <inbox>/suppliers (the returned XLSX/CSV, or their own sheet: header under title rows, any
 * column order). Each line is matched to its purchase order line in Odoo (PO number and line
 * number, line id, our product code or the vendor's from the vendor pricelists), units converted
 * to the line's unit, and checked (unknown lines, over quantity, date shift, lot on an untracked
 * product, past ship date with nothing received). A file becomes a `supplier_confirmation` batch
 * for supplier-load, or is rejected with its row report. The inbox side (settle time, claim,
 * duplicates by content, crash recovery, archive / reject) is jobs/inbox-batches.ts.
 */
import type { Knex } from 'knex';
import { type SupplierSettings, supplierSettings } from '../../core/config/suppliers.ts';
import { ConfigError } from '../../core/errors.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import path from 'node:path';
import { type ClaimedFile, listProcessing, scanInbox } from '../../extract/inbox/inbox.ts';
import { type PoLine, type Product, readPoLines, readProducts, readSupplierInfo, type SupplierInfo } from '../../extract/suppliers/odoo.ts';
import { openTabular } from '../../extract/tabular/index.ts';
import type { Batch } from '../../load/staging/batches.ts';
import { deleteConfirmationLines, receivedWhenSent, stageConfirmationLines, unitsByName } from '../../load/suppliers/staging.ts';
import { plantDateOf, vendorCodes } from '../../transform/suppliers/export-plan.ts';
import { lineRowErrors, matchLines, supplierCheckpoints, supplierFileReport } from '../../transform/suppliers/match.ts';
import { SupplierFileParser, type SupplierLine, type SupplierField } from '../../transform/suppliers/parse.ts';
import { plantDate } from '../../transform/shared/time-zone.ts';
import {
  concludeStagedFile,
  importInbox,
  type InboxBatchKind,
  inboxImportParams,
  recordFindings,
  startInboxBatch,
  stem,
} from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

export const SUPPLIER_FILES = { kind: 'supplier_confirmation', folder: 'suppliers' } as const;

/**
 * Purchase order lines, products and vendor pricelists read once per run, whatever the number of
 * files: the run reads the lines of every order its files name up front (`prefetch`), and a file
 * then gets the lines of its own orders from here (a name not read yet is read then).
 */
function odooCache(client: OdooClient) {
  const orders = new Map<string, PoLine[]>();
  const products = new Map<number, Product>();
  const infos = new Map<number, SupplierInfo[]>();
  return {
    /** the lines of the confirmed orders of these names (as readPoLines with `poNames`) */
    async poLines(names: readonly string[]): Promise<PoLine[]> {
      const wanted = [...new Set(names)];
      const missing = wanted.filter((n) => !orders.has(n));
      if (missing.length) {
        for (const n of missing) orders.set(n, []);
        for (const l of await readPoLines(client, { poNames: missing })) orders.get(l.poName)?.push(l);
      }
      return wanted.flatMap((n) => orders.get(n) ?? []);
    },
    async products(ids: readonly number[]): Promise<Map<number, Product>> {
      const missing = [...new Set(ids)].filter((id) => !products.has(id));
      for (const [id, p] of await readProducts(client, missing)) products.set(id, p);
      return products;
    },
    async vendorInfo(vendors: readonly number[]): Promise<SupplierInfo[]> {
      const missing = vendors.filter((v) => !infos.has(v));
      if (missing.length) {
        const rows = await readSupplierInfo(client, missing);
        for (const v of missing)
          infos.set(
            v,
            rows.filter((r) => r.partnerId === v),
          );
      }
      return vendors.flatMap((v) => infos.get(v) ?? []);
    },
  };
}
type OdooCache = ReturnType<typeof odooCache>;

async function parseFile(ctx: JobContext, s: SupplierSettings, file: string, fileName: string) {
  const source = await openTabular(file, { fileName, xlsx: { sheet: s.sheet } });
  const parser = new SupplierFileParser({
    mapping: s.columns as Partial<Record<SupplierField, string | string[]>> | undefined,
    numberLocale: s.locale,
    maxErrors: s.maxErrors,
  });
  const lines: SupplierLine[] = [];
  for await (const rows of source.batches()) {
    ctx.signal.throwIfAborted();
    for (const row of rows) parser.push(row, lines);
  }
  parser.finish();
  return { source, lines, summary: parser.summary() };
}

/**
 * Reads, in one go, the purchase order lines of every order named by the files this run is about
 * to take (left in processing/ by an interrupted run, and those ready in the inbox). A file that
 * cannot be read here is left to its import, which reports it; a file that changes or arrives
 * meanwhile has its missing orders read when it is staged.
 */
async function prefetchOrders(ctx: JobContext, s: SupplierSettings, cache: OdooCache, settleSeconds: number): Promise<void> {
  const root = path.join(ctx.config.inbox, SUPPLIER_FILES.folder);
  const files = [...(await listProcessing(root)), ...(await scanInbox(root, { settleSeconds })).ready];
  const names = new Set<string>();
  for (const f of files) {
    ctx.signal.throwIfAborted();
    try {
      for (const l of (await parseFile(ctx, s, f.path, f.name)).lines) names.add(l.poName);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.logger.debug('supplier file not read ahead (its import reads it again)', { file: f.name });
    }
  }
  if (names.size) await cache.poLines([...names]);
}

async function stageFile(
  ctx: JobContext,
  s: SupplierSettings,
  cache: OdooCache,
  trx: Knex.Transaction,
  claimed: ClaimedFile,
  sha: string,
): Promise<Batch> {
  const batch = await startInboxBatch(ctx, trx, SUPPLIER_FILES, claimed, sha, {
    scope: `${stem(claimed.name)}@${claimed.claimId}`,
    version: stem(claimed.name),
  });
  const { source, lines, summary } = await parseFile(ctx, s, claimed.path, claimed.name);

  // what Odoo has for the orders the file names; products and vendor codes only when the file needs them
  const poNames = [...new Set(lines.map((l) => l.poName))];
  const open = poNames.length ? await cache.poLines(poNames) : [];
  const byCode = lines.some((l) => l.lineId === null && l.linePos === null);
  const withLots = lines.some((l) => l.lot !== null);
  const products =
    byCode || withLots ? await cache.products(open.flatMap((l) => (l.productId ? [l.productId] : []))) : new Map<number, Product>();
  const vendors = [...new Set(open.map((l) => l.partnerId))];
  const codeOf = vendorCodes(byCode ? await cache.vendorInfo(vendors) : [], (id) => products.get(id)?.tmplId ?? null);
  const sentReceived = await receivedWhenSent(
    trx,
    open.map((l) => l.id),
  );
  const units = await unitsByName(trx, [...lines.flatMap((l) => (l.unit ? [l.unit] : [])), ...open.map((l) => l.uomName)]);
  const matched = matchLines(
    lines,
    open.map((l) => {
      const product = l.productId ? products.get(l.productId) : undefined;
      return {
        id: l.id,
        poName: l.poName,
        lineNo: l.lineNo,
        productId: l.productId,
        productCode: product?.code ?? null,
        supplierProductCode: codeOf(l.partnerId, l.productId),
        tracking: product?.tracking ?? 'none',
        qty: l.qty,
        uomName: l.uomName,
        qtyReceived: sentReceived.get(l.id) ?? l.qtyReceived,
        requestedDate: plantDateOf(l.datePlanned, ctx.config.timezone) || null,
        datePlanned: l.datePlanned,
      };
    }),
    {
      tolerancePct: s.quantityTolerancePct,
      maxDateShiftDays: s.maxDateShiftDays,
      today: plantDate(ctx.config.timezone),
      unitFactor: (from, to) => {
        const a = units.get(from.toLowerCase());
        const b = units.get(to.toLowerCase());
        return a && b && a.group === b.group ? a.ratio / b.ratio : undefined;
      },
    },
  );
  await stageConfirmationLines(trx, batch.id, matched);
  const results = supplierCheckpoints(
    { rows: summary.rows, errorCount: summary.errorCount, examples: summary.errors.slice(0, 5) },
    matched,
    s.checkpoints,
  );
  const findings = await recordFindings(trx, batch.id, results, s.approval, summary.errors, s.maxErrors, async (failed, limit) =>
    lineRowErrors(matched, failed, limit),
  );
  const stats = {
    claimId: claimed.claimId,
    fileName: claimed.name,
    format: source.format,
    source: source.description,
    columns: summary.columns,
    rows: summary.rows,
    lines: summary.lines,
    untouched: summary.untouched,
    orders: poNames.length,
    matched: matched.filter((m) => m.poLineId !== null).length,
    confirmations: matched.filter((m) => m.confirmedDate !== null || m.confirmedQty !== null).length,
    shipments: matched.filter((m) => m.shippedQty !== null).length,
    errorCount: summary.errorCount + findings.lineProblems,
    errorsListed: summary.errors.length + findings.lineProblems,
  };
  return concludeStagedFile(
    trx,
    batch.id,
    { stats },
    { results, policy: s.approval },
    { rejected: findings.rejected, drop: deleteConfirmationLines },
  );
}

export const supplierImportJob = defineJob({
  ...jobEntry('supplier-import'),
  params: inboxImportParams,
  checkSettings: supplierSettings,
  async run(ctx, params) {
    const s = supplierSettings(ctx.config);
    const client = odooClient(ctx);
    if (!client)
      throw new ConfigError('supplier-import matches files to purchase orders in Odoo: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY');
    try {
      const cache = odooCache(client);
      const settleSeconds = params.settleSeconds ?? ctx.config.inboxSettleSeconds;
      if (!ctx.dryRun) await prefetchOrders(ctx, s, cache, settleSeconds);
      const kind: InboxBatchKind = {
        ...SUPPLIER_FILES,
        stage: (trx, claimed, sha) => stageFile(ctx, s, cache, trx, claimed, sha),
        report: ({ fileName, batch, checkpoints, rowErrors }) =>
          supplierFileReport({
            fileName,
            batchId: batch.id,
            status: batch.status,
            stats: batch.stats,
            checkpoints,
            errorCount: Number(batch.stats.errorCount ?? rowErrors.length),
            errorsListed: rowErrors.length,
          }),
      };
      return await importInbox(ctx, kind, settleSeconds);
    } finally {
      client.close();
    }
  },
});
