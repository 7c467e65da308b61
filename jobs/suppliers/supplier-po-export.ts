/**
 * supplier-po-export: confirmed purchase orders out to their suppliers. For every vendor (or those
 * `suppliers.partners` names) with a line new, changed or cancelled since the last export, one
 * XLSX (a sheet a person reads, the columns they fill in highlighted) and the same as CSV in
 * `<outbox>/suppliers/<supplier code>/`, written atomically. What was sent is kept per line, so
 * the next export marks only what changed, and supplier-load knows what had been received when
 * the file was made. With a `suppliers.email` section and MFG_ETL_SMTP_URL, each supplier with an
 * e-mail address in Odoo also gets both files by mail (a failed mail is reported in the run's
 * stats and logged; the files stay in the outbox).
 */
import { z } from 'zod';
import { supplierSettings } from '../../core/config/suppliers.ts';
import { ConfigError, describeError } from '../../core/errors.ts';
import { findPartners, readPartners, readPoLines, readProducts, readSupplierInfo } from '../../extract/suppliers/odoo.ts';
import { csvText, workbookBuffer } from '../../load/suppliers/files.ts';
import { outboxFolder, writeAtomically } from '../../load/outbox/outbox.ts';
import { sendMail } from '../../load/suppliers/smtp.ts';
import { saveSnapshot, sentLines } from '../../load/suppliers/staging.ts';
import {
  EXPORT_COLUMNS,
  exportCells,
  planExport,
  SUPPLIER_COLUMNS,
  supplierCode,
  vendorCodes,
} from '../../transform/suppliers/export-plan.ts';
import { plantDate } from '../../transform/shared/time-zone.ts';
import { defineJob } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

export const supplierPoExportJob = defineJob({
  ...jobEntry('supplier-po-export'),
  params: z.object({}).strict(),
  checkSettings: supplierSettings,
  async run(ctx) {
    const s = supplierSettings(ctx.config);
    const client = odooClient(ctx);
    if (!client) throw new ConfigError('supplier-po-export reads purchase orders from Odoo: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY');
    try {
      let partnerIds: number[] | undefined;
      if (s.partners) {
        const found = await findPartners(client, s.partners);
        partnerIds = found.map((p) => p.id);
        const known = new Set(found.flatMap((p) => [p.id, p.ref]));
        const missing = s.partners.filter((p) => !known.has(p));
        if (missing.length) ctx.logger.warn('suppliers.partners names vendors Odoo does not have', { missing });
      }
      const lines = await readPoLines(client, { partnerIds });
      const vendorIds = [...new Set(lines.map((l) => l.partnerId))];
      const partners = await readPartners(client, vendorIds);
      const products = await readProducts(
        client,
        lines.flatMap((l) => (l.productId ? [l.productId] : [])),
      );
      const codeOf = vendorCodes(await readSupplierInfo(client, vendorIds), (id) => products.get(id)?.tmplId ?? null);
      const sent = await sentLines(ctx.db.knex, partnerIds);
      const codes = new Map<number, string>();
      for (const id of vendorIds) codes.set(id, supplierCode(partners.get(id) ?? { id, ref: null }));
      for (const l of sent) if (!codes.has(l.partnerId)) codes.set(l.partnerId, l.supplierCode);
      const plan = planExport(
        lines.map((l) => ({
          ...l,
          productCode: l.productId ? (products.get(l.productId)?.code ?? null) : null,
          supplierProductCode: codeOf(l.partnerId, l.productId),
        })),
        sent,
        codes,
        ctx.config.timezone,
      );
      const totals = { new: 0, changed: 0, cancelled: 0, received: 0, unchanged: 0 };
      for (const f of plan.files) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += f.counts[k];
      const summary = { openLines: lines.filter((l) => l.qtyReceived < l.qty).length, suppliers: plan.files.length, ...totals };
      if (ctx.dryRun)
        return {
          dryRun: true,
          ...summary,
          files: plan.files.map((f) => ({ supplier: f.supplierCode, lines: f.rows.length, ...f.counts })),
        };

      const today = plantDate(ctx.config.timezone);
      const written: Array<{ supplier: string; xlsx: string; csv: string; lines: number; mailedTo?: string[]; mailError?: string }> = [];
      const mail = s.email && ctx.config.smtpUrl ? { ...s.email, url: ctx.config.smtpUrl } : undefined;
      if (s.email && !ctx.config.smtpUrl)
        ctx.logger.warn('suppliers.email is set but MFG_ETL_SMTP_URL is not: files are only written to the outbox');
      for (const file of plan.files) {
        ctx.signal.throwIfAborted();
        const partner = partners.get(file.partnerId);
        const dir = await outboxFolder(ctx.config.outbox, ['suppliers', file.supplierCode]);
        const base = `PO_${file.supplierCode}_${today}_run${ctx.runId}`;
        const rows = file.rows.map(exportCells);
        const xlsx = await workbookBuffer([
          {
            name: 'Purchase orders',
            title: [
              `Purchase order lines for ${partner?.name ?? file.supplierCode} (${file.supplierCode}), ${today}`,
              `Fill in the highlighted columns (dates as YYYY-MM-DD) and send the file back. Status: new, changed, cancelled or received since the last file.`,
            ],
            header: EXPORT_COLUMNS,
            rows,
            fillFrom: EXPORT_COLUMNS.length - SUPPLIER_COLUMNS,
          },
        ]);
        const xlsxPath = await writeAtomically(dir, `${base}.xlsx`, xlsx);
        const csvPath = await writeAtomically(dir, `${base}.csv`, csvText(EXPORT_COLUMNS, rows));
        const entry: (typeof written)[number] = { supplier: file.supplierCode, xlsx: xlsxPath, csv: csvPath, lines: file.rows.length };
        const to = (partner?.email ?? '')
          .split(/[,;]/)
          .map((a) => a.trim())
          .filter((a) => /^[^\s@<>]+@[^\s@<>]+$/.test(a));
        if (mail && to.length) {
          const fill = (t: string) =>
            t
              .replace(/\{code\}/g, file.supplierCode)
              .replace(/\{name\}/g, partner?.name ?? '')
              .replace(/\{date\}/g, today);
          try {
            await sendMail(mail.url, {
              from: mail.from,
              to,
              subject: fill(mail.subject),
              text: fill(mail.text),
              attachments: [
                {
                  filename: `${base}.xlsx`,
                  contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                  content: xlsx,
                },
                { filename: `${base}.csv`, contentType: 'text/csv; charset=utf-8', content: Buffer.from(csvText(EXPORT_COLUMNS, rows)) },
              ],
            });
            entry.mailedTo = to;
          } catch (err) {
            // the files are in the outbox either way: a failed mail is reported, not a failed run
            entry.mailError = describeError(err).message;
            ctx.logger.warn('purchase order mail not sent', { supplier: file.supplierCode, error: entry.mailError });
          }
        }
        written.push(entry);
        ctx.progress('supplier files written', written.length, plan.files.length);
      }
      await saveSnapshot(ctx.db.knex, ctx.runId, plan.snapshot);
      ctx.logger.info('purchase order files written', summary);
      const mailStats = mail
        ? {
            mailed: written.filter((w) => w.mailedTo).length,
            mailFailed: written.filter((w) => w.mailError).length,
            noEmail: written.filter((w) => !w.mailedTo && !w.mailError).length,
          }
        : {};
      return { ...summary, ...mailStats, files: written };
    } finally {
      client.close();
    }
  },
});
