/**
 * material-shortages on a hand-checked case, against the Odoo test server as 18 and 19:
 * component FURN_5623 with 10 on hand; confirmed MOs need 8 this week and 6 next week (a draft
 * MO's 100 do not count); the approved forecast needs 3 Drawers in week 3, 2 components each
 * (a rejected forecast's 100 do not count); a purchase line of 5 requested for next week was
 * confirmed by the supplier for week 4 (a staged file, not loaded yet); a line received in full
 * brings nothing. By hand, week by week (stock at the end of the week):
 *   week 1: 10 - 8 = 2        week 2: 2 - 6 = -4 (short 4)
 *   week 3: -4 - 6 = -10 (10) week 4: -10 + 5 = -5 (5)
 * Without the slip week 2 would read 2 + 5 - 6 = 1 (no shortage). The webhook lists the three
 * short weeks once; the next run sends nothing until a new shortage appears.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialShortagesJob } from '../../jobs/suppliers/material-shortages.ts';
import { supplierImportJob } from '../../jobs/suppliers/supplier-import.ts';
import { supplierPoExportJob } from '../../jobs/suppliers/supplier-po-export.ts';
import { createBatch, transitionBatch } from '../../load/staging/batches.ts';
import { weekStarts } from '../../transform/suppliers/shortages.ts';
import { plantDate } from '../../transform/shared/time-zone.ts';
import { receive } from '../support/odoo/purchase.ts';
import { type SupplierWorld, supplierWorld } from './fixtures.ts';

type Row = Record<string, unknown>;

describe.each([18, 19] as const)('material-shortages against Odoo %i', (version) => {
  let w: SupplierWorld;
  let hook: http.Server;
  const posts: Array<{ text: string; mfg_etl: { shortages: Row[] } }> = [];
  const weeks = weekStarts(plantDate('UTC'), 4);
  const at = (week: number) => `${weeks[week]!} 10:00:00`;

  const mo = (state: string, component: number, qty: number, date: string) => {
    const production = w.server.create('mrp.production', { product_id: w.panel, product_qty: 1, state });
    w.server.create('stock.move', {
      ...(version === 18 ? { name: 'component' } : {}),
      product_id: component,
      product_uom_qty: qty,
      date,
      raw_material_production_id: production,
      state: 'confirmed',
      location_id: 8,
      location_dest_id: 8,
    });
  };

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(body) as (typeof posts)[number]);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    w = await supplierWorld(
      `supshort${version}`,
      version,
      [supplierPoExportJob, supplierImportJob, materialShortagesJob],
      {
        suppliers: { approval: 'manual', shortageWeeks: 4 },
        alerts: { attempts: 1, retryDelayMs: 0 },
      },
      { MFG_ETL_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` },
    );
    const { server } = w;
    server.create('stock.quant', { product_id: w.caseBlack, location_id: 8, quantity: 10 });
    mo('confirmed', w.caseBlack, 8, at(0));
    mo('progress', w.caseBlack, 6, at(1));
    mo('draft', w.caseBlack, 100, at(1));
    // the Drawer: 2 components per unit (master data snapshot as masterdata-sync leaves it)
    const drawer = server.create('product.product', { default_code: 'FURN_8855', name: 'Drawer', is_storable: true });
    const knex = w.app.db.knex;
    const tmpl = Number(server.store.get('product.product', drawer)!.product_tmpl_id);
    await knex('md_products').insert([
      { odoo_id: drawer, default_code: 'FURN_8855', name: 'Drawer', product_tmpl_id: tmpl },
      { odoo_id: w.caseBlack, default_code: 'FURN_5623', name: 'Drawer Case Black' },
    ]);
    await knex('md_boms').insert({ odoo_id: 900, type: 'normal', is_kit: false, product_tmpl_id: tmpl, product_qty: 1, sequence: 1 });
    await knex('md_bom_lines').insert({ odoo_id: 901, bom_id: 900, product_id: w.caseBlack, product_qty: 2 });
    const forecast = async (qty: number, approve: boolean) => {
      const b = await createBatch(knex, { kind: 'forecast', scope: 'WH', version: `v${qty}`, actor: 'test' });
      await knex('forecast_lines').insert({
        batch_id: b.id,
        line_no: 1,
        product_code: 'FURN_8855',
        product_id: drawer,
        warehouse_code: 'WH',
        period_start: weeks[2],
        quantity: qty,
        source_quantity: qty,
        source_ref: '2',
      });
      await transitionBatch(knex, b.id, approve ? 'validate' : 'reject', { actor: 'test' });
      if (approve) await transitionBatch(knex, b.id, 'approve', { actor: 'test' });
    };
    await forecast(3, true);
    await forecast(100, false);
    // incoming: 5 requested next week, confirmed by the supplier for week 4; 10 received in full
    const slipping = w.order([{ productId: w.caseBlack, qty: 5, date: at(1) }]);
    const received = w.order([{ productId: w.caseBlack, qty: 10, date: at(0) }]);
    receive(server.store, received.lineIds[0]!, 10);
    await w.run('supplier-po-export');
    fs.writeFileSync(path.join(w.inbox, 'slip.csv'), `PO,Line,Confirmed date\n${slipping.name},1,${weeks[3]}\n`);
    const imported = await w.run('supplier-import');
    expect(imported.stats).toMatchObject({ staged: 1 });
  });
  afterAll(async () => {
    await w?.close();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  });

  it('projects the component week by week and finds the hand-checked shortages', async () => {
    const r = await w.run('material-shortages');
    expect(r.stats).toMatchObject({ weeks: 4, components: 1, short: 1, shortWeeks: 3 });
    const csv = fs
      .readFileSync(String(r.stats.csv), 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(csv.slice(1).map((l) => l.split(',').slice(2))).toEqual([
      [weeks[0], '8', '0', '0', '2', '0'],
      [weeks[1], '6', '0', '0', '-4', '4'],
      [weeks[2], '0', '6', '0', '-10', '10'],
      [weeks[3], '0', '0', '5', '-5', '5'],
    ]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(String(r.stats.xlsx));
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Summary', 'By product', 'By supplier']);
    const summary = wb.getWorksheet('Summary')!;
    const values = summary.getRow(5).values as unknown[];
    expect(values.slice(1, 9)).toEqual(['FURN_5623', 'Drawer Case Black', 'Wood Corner', 10, 20, 5, weeks[1], 10]);
    expect(String(values[9])).toContain(`→ ${weeks[3]}`);
  });

  it('alerts the new shortages once, and later only the ones that are new', async () => {
    expect(posts).toHaveLength(1);
    expect(posts[0]!.mfg_etl.shortages.map((s) => [s.product, s.week, s.shortage])).toEqual([
      ['FURN_5623', weeks[1], 4],
      ['FURN_5623', weeks[2], 10],
      ['FURN_5623', weeks[3], 5],
    ]);
    expect(posts[0]!.text).toContain('3 new material shortages');
    await w.run('material-shortages');
    expect(posts).toHaveLength(1);
    mo('confirmed', w.caseBlack, 5, at(0)); // week 1 now short by 3
    const r = await w.run('material-shortages');
    expect(r.stats.alert).toMatchObject({ newShortages: 1, sent: true });
    expect(posts).toHaveLength(2);
    expect(posts[1]!.mfg_etl.shortages.map((s) => [s.week, s.shortage])).toEqual([[weeks[0], 3]]);
  });
});
