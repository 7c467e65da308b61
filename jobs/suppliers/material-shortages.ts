/**
 * material-shortages: for the next N weeks (suppliers.shortageWeeks, or --param weeks), component
 * demand from confirmed manufacturing orders (their open component moves) and from the approved
 * forecast (one BoM level down, from the master data snapshot) against stock on hand plus
 * incoming purchase lines at their confirmed dates (the newest supplier file's date, else Odoo's
 * date_planned), by product and week. Writes the planners' report (XLSX: Summary, By product, By
 * supplier; CSV) and sends the webhook alert listing the shortages not alerted before, once.
 */
import { z } from 'zod';
import { alertSettings } from '../../core/config/http.ts';
import { supplierSettings } from '../../core/config/suppliers.ts';
import { ConfigError } from '../../core/errors.ts';
import { readMoDemand, readOnHand, readPartners, readPoLines, readProducts, readSupplierInfo } from '../../extract/suppliers/odoo.ts';
import { deliverWebhook } from '../../load/ops/webhook.ts';
import { reportDir, writeShortageReport } from '../../load/suppliers/shortage-report.ts';
import { alertedShortages, confirmedDates, forecastComponentDemand, recordAlerted } from '../../load/suppliers/staging.ts';
import { plantDateOf } from '../../transform/suppliers/export-plan.ts';
import { computeShortages, type Demand, type Incoming, weekStarts } from '../../transform/suppliers/shortages.ts';
import { plantDate } from '../../transform/shared/time-zone.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

/**
 * A dry run without Odoo: the master-data snapshot has products and BoMs, so the approved forecast's
 * component demand can be computed; stock on hand, the confirmed MOs' demand and open purchase
 * lines are read from Odoo only, so no projection is made and the summary says what is missing.
 */
async function dryRunWithoutOdoo(ctx: JobContext, horizon: number): Promise<Record<string, unknown>> {
  const knex = ctx.db.knex;
  const weeks = weekStarts(plantDate(ctx.config.timezone), horizon);
  const end = new Date(Date.parse(`${weeks[weeks.length - 1]!}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
  const forecast = (await forecastComponentDemand(knex, '1900-01-01', end)).filter((d) => d.qty > 0);
  const components = new Set(forecast.map((d) => d.productId)).size;
  const confirmed = (await confirmedDates(knex)).size;
  const missing = ['stock on hand', 'the component demand of confirmed manufacturing orders', 'open purchase lines (incoming supply)'];
  return {
    dryRun: true,
    odoo: null,
    weeks: weeks.length,
    from: weeks[0],
    forecastComponents: components,
    forecastDemandLines: forecast.length,
    confirmedDates: confirmed,
    projected: false,
    missing,
    summary: [
      `DRY RUN: no projection for the ${weeks.length} weeks from ${weeks[0]}: the master-data snapshot lacks ${missing.join(', ')} (read from Odoo only)`,
      forecast.length
        ? `from the snapshot: the approved forecast needs ${components} component(s) (${forecast.length} product-week line(s), one BoM level down)`
        : 'from the snapshot: no component demand from an approved forecast in these weeks (approve a forecast, and sync the BoMs with masterdata-sync)',
      `${confirmed} purchase line(s) have a confirmed date from a supplier file`,
      'Odoo is not configured: nothing read from or sent to Odoo; no report written, no alert sent',
      'to project: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY, then mfg-etl run material-shortages',
    ],
  };
}

export const materialShortagesJob = defineJob({
  ...jobEntry('material-shortages'),
  params: z.object({ weeks: z.coerce.number().int().positive().max(104).optional() }).strict(),
  checkSettings: supplierSettings,
  async run(ctx, params) {
    const s = supplierSettings(ctx.config);
    const client = odooClient(ctx);
    if (!client && ctx.dryRun) return dryRunWithoutOdoo(ctx, params.weeks ?? s.shortageWeeks);
    if (!client)
      throw new ConfigError('material-shortages reads orders and stock from Odoo: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY');
    try {
      const tz = ctx.config.timezone;
      const today = plantDate(tz);
      const weeks = weekStarts(today, params.weeks ?? s.shortageWeeks);
      const end = new Date(Date.parse(`${weeks[weeks.length - 1]!}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);

      const demand: Demand[] = [];
      for (const d of await readMoDemand(client))
        demand.push({ productId: d.productId, date: plantDateOf(d.date, tz), qty: d.qty, source: 'mo' });
      for (const d of await forecastComponentDemand(ctx.db.knex, '1900-01-01', end))
        demand.push({ productId: d.productId, date: d.periodStart, qty: d.qty, source: 'forecast' });
      const components = [...new Set(demand.map((d) => d.productId))];

      const confirmed = await confirmedDates(ctx.db.knex);
      const incoming: Incoming[] = [];
      if (components.length)
        for (const l of await readPoLines(client, { productIds: components })) {
          if (!l.productId || l.qty <= 0 || l.qtyReceived >= l.qty) continue;
          const planned = plantDateOf(l.datePlanned, tz);
          const date = confirmed.get(l.id) ?? planned;
          incoming.push({
            productId: l.productId,
            date,
            qty: (l.productUomQty * (l.qty - l.qtyReceived)) / l.qty,
            poName: l.poName,
            partnerId: l.partnerId,
            slipped: date > planned,
          });
        }
      const onHand = await readOnHand(client, components);
      const result = computeShortages(weeks, onHand, demand, incoming);

      const products = await readProducts(client, components);
      const infos = components.length ? (await readSupplierInfo(client)).sort((a, b) => a.sequence - b.sequence) : [];
      const partners = await readPartners(client, [...new Set([...infos.map((i) => i.partnerId), ...incoming.map((i) => i.partnerId)])]);
      const product = (id: number) => ({ code: products.get(id)?.code ?? String(id), name: products.get(id)?.name ?? '' });
      const supplier = (id: number) => {
        const tmpl = products.get(id)?.tmplId;
        const info = infos.find((i) => i.productId === id) ?? infos.find((i) => i.productId === null && i.tmplId === tmpl);
        return info ? (partners.get(info.partnerId)?.name ?? String(info.partnerId)) : undefined;
      };
      const summary = {
        weeks: weeks.length,
        from: weeks[0],
        components: components.length,
        short: result.short.length,
        shortWeeks: result.rows.filter((r) => r.shortage > 0).length,
      };
      if (ctx.dryRun) return { dryRun: true, ...summary };

      const files = await writeShortageReport(
        reportDir(ctx.config.reports),
        `material-shortages_${today}_run${ctx.runId}`,
        result,
        {
          product,
          supplier,
          incoming,
          partnerName: (id) => partners.get(id)?.name ?? String(id),
        },
        { generated: today, weeks: weeks.length },
      );

      // the alert: shortages (product, week) not alerted before, once
      const alerted = await alertedShortages(ctx.db.knex);
      const fresh = result.rows.filter((r) => r.shortage > 0 && !alerted.has(`${r.productId}|${r.weekStart}`));
      let alert: Record<string, unknown> = { newShortages: fresh.length, sent: false };
      if (fresh.length && ctx.config.alertWebhookUrl) {
        const a = alertSettings(ctx.config);
        const lines = fresh
          .slice(0, 20)
          .map(
            (r) =>
              `• ${product(r.productId).code} ${product(r.productId).name}: short ${r.shortage} in the week of ${r.weekStart}${supplier(r.productId) ? ` (supplier ${supplier(r.productId)})` : ''}`,
          );
        const sent = await deliverWebhook(
          {
            text: `mfg-etl: ${fresh.length} new material shortage${fresh.length === 1 ? '' : 's'} in the next ${weeks.length} weeks\n${lines.join('\n')}${fresh.length > 20 ? `\n… and ${fresh.length - 20} more: see ${files.xlsx}` : ''}`,
            mfg_etl: {
              kind: 'material_shortages',
              runId: ctx.runId,
              report: files.xlsx,
              shortages: fresh.map((r) => ({
                product: product(r.productId).code,
                productId: r.productId,
                week: r.weekStart,
                shortage: r.shortage,
                supplier: supplier(r.productId) ?? null,
              })),
            },
          },
          {
            url: ctx.config.alertWebhookUrl,
            attempts: a.attempts,
            retryDelayMs: a.retryDelayMs,
            timeoutMs: a.timeoutMs,
            logger: ctx.logger,
          },
        );
        if (sent.ok)
          await recordAlerted(
            ctx.db.knex,
            ctx.runId,
            fresh.map((r) => ({ productId: r.productId, weekStart: r.weekStart })),
          );
        alert = { newShortages: fresh.length, sent: sent.ok, ...(sent.ok ? {} : { error: sent.error }) };
      } else if (fresh.length)
        ctx.logger.warn('new material shortages, but no alert webhook is configured (MFG_ETL_ALERT_WEBHOOK_URL)', { count: fresh.length });
      return { ...summary, ...files, alert };
    } finally {
      client.close();
    }
  },
});
