/**
 * A small MES world for the report and load tests: the Odoo test server (18 or 19), the test app on
 * the real PostgreSQL with a runner over the given jobs, <inbox>/mes, and `release()` which records
 * a release in mes_releases as the release side leaves it (the report checks read it).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobDefinition } from '../../jobs/job.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

export const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/inbox/mes');

/** as the release side stores it (transform/mes/release.ts ReleaseContent), the fields the report side reads */
export interface ReleaseContent {
  product: { code: string; name?: string };
  qty: number;
  uom: string;
  workOrders: Array<{ id: number; name: string; workcenter: string }>;
  components: Array<{ code: string; qty: number; uom?: string; lots?: string[] }>;
}

export interface MesWorld {
  server: OdooTestServer;
  app: TestApp;
  runner: Runner;
  /** <inbox>/mes */
  inbox: string;
  run(job: string, params?: Record<string, unknown>): Promise<JobRun>;
  drop(name: string, content: string | Buffer): void;
  /** `messageId`: the BODID of the release message (what an acknowledgment names) */
  release(moName: string, moId: number, content: ReleaseContent, state?: string, messageId?: string): Promise<void>;
  close(): Promise<void>;
}

export async function mesWorld(
  name: string,
  version: 18 | 19,
  jobs: readonly JobDefinition[],
  file: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<MesWorld> {
  const server = await startOdooTestServer({ version });
  const app = await testApp(
    name,
    {
      MFG_ETL_ODOO_URL: server.url,
      MFG_ETL_ODOO_DB: server.db,
      MFG_ETL_ODOO_USER: 'admin',
      MFG_ETL_ODOO_API_KEY: server.adminApiKey,
      MFG_ETL_INBOX_SETTLE_SECONDS: '0',
      MFG_ETL_TIMEZONE: 'UTC',
      MFG_ETL_LOG_LEVEL: 'info',
      ...env,
    },
    file,
  );
  const inbox = path.join(app.config.inbox, 'mes');
  fs.mkdirSync(inbox, { recursive: true });
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([...jobs]) });
  await runner.start();
  return {
    server,
    app,
    runner,
    inbox,
    async run(job, params = {}) {
      const r = await runner.runNow(job, params);
      if (r.status !== 'succeeded') throw new Error(`${job} ${r.status}: ${JSON.stringify(r.error)}`);
      return r;
    },
    drop(fileName, content) {
      fs.writeFileSync(path.join(inbox, fileName), content);
    },
    async release(moName, moId, content, state = 'acknowledged', messageId = `test-${moName}`) {
      await app.db.knex('mes_releases').insert({
        mo_name: moName,
        mo_id: moId,
        product_code: content.product.code,
        state,
        content_hash: 'test',
        // the whole ReleaseContent of the release side (transform/mes/release.ts), defaults where the test is silent
        content: JSON.stringify({
          mo: moName,
          moId,
          start: '2026-12-05T07:00:00Z',
          end: '2026-12-05T12:00:00Z',
          ...content,
          product: { name: content.product.code, ...content.product },
          workOrders: content.workOrders.map((w, i) => ({ minutes: 60, sequence: 10 * (i + 1), ...w })),
          components: content.components.map((c) => ({ name: c.code, uom: 'Units', lots: [], ...c })),
        }),
        last_verb: 'Process',
        last_message_id: messageId,
        released_at: new Date(),
      });
      await app.db
        .knex('mes_messages')
        .insert({ message_id: messageId, mo_name: moName, verb: 'Process', file: `${messageId}.xml`, body_sha256: 'test' });
    },
    async close() {
      await runner.stop();
      await app.cleanup();
      await server.close();
    },
  };
}

/** One OperationsResponse per report, in a ProcessOperationsPerformance file. */
export interface ResponseSpec {
  id: string;
  mo: string;
  state?: string;
  product?: string;
  produced?: number;
  lot?: string;
  unit?: string;
  consumed?: Array<{ code: string; qty: number; lot?: string }>;
  scrap?: Array<{ code: string; qty: number; lot?: string; reason?: string }>;
  segments?: Array<{ wo: string; workcenter: string; start: string; end: string }>;
}

export function performanceXml(responses: readonly ResponseSpec[], bodId = 'PERF-1'): string {
  const material = (id: string, code: string, qty: number, use: string, lot?: string, extra = '', unit = 'Units') =>
    `<MaterialActual><ID>${id}</ID><MaterialDefinitionID>${code}</MaterialDefinitionID>${lot ? `<MaterialLotID>${lot}</MaterialLotID>` : ''}${extra}${use}<Quantity><QuantityString>${qty}</QuantityString><UnitOfMeasure>${unit}</UnitOfMeasure></Quantity></MaterialActual>`;
  const body = responses
    .map((r) => {
      const segs = r.segments ?? [{ wo: '', workcenter: '', start: '', end: '' }];
      const segments = segs.map((s, i) => {
        const mats: string[] = [];
        if (i === segs.length - 1) {
          if (r.produced !== undefined)
            mats.push(material(`P${i}`, r.product ?? 'FURN_8855', r.produced, '<MaterialUse>Produced</MaterialUse>', r.lot, '', r.unit));
          (r.consumed ?? []).forEach((c, j) => mats.push(material(`C${j}`, c.code, c.qty, '<MaterialUse>Consumed</MaterialUse>', c.lot)));
          (r.scrap ?? []).forEach((c, j) =>
            mats.push(
              material(
                `S${j}`,
                c.code,
                c.qty,
                '<MaterialUse OtherValue="Scrap">Other</MaterialUse>',
                c.lot,
                c.reason ? `<Description>${c.reason}</Description>` : '',
              ),
            ),
          );
        }
        return `<SegmentResponse><ID>SR${i + 1}</ID>${s.start ? `<ActualStartTime>${s.start}</ActualStartTime>` : ''}${s.end ? `<ActualEndTime>${s.end}</ActualEndTime>` : ''}${s.wo ? `<SegmentRequirementID>${s.wo}</SegmentRequirementID>` : ''}${s.workcenter ? `<EquipmentActual><ID>E${i}</ID><EquipmentID>${s.workcenter}</EquipmentID></EquipmentActual>` : ''}${mats.join('')}</SegmentResponse>`;
      });
      return `<OperationsResponse><ID>${r.id}</ID><OperationsRequestID>${r.mo}</OperationsRequestID>${r.state ? `<ResponseState>${r.state}</ResponseState>` : ''}${segments.join('')}</OperationsResponse>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<ProcessOperationsPerformance xmlns="http://www.mesa.org/xml/B2MML" releaseID="1.0">
<ApplicationArea><CreationDateTime>2026-12-05T11:00:00Z</CreationDateTime><BODID>${bodId}</BODID></ApplicationArea>
<DataArea><Process/><OperationsPerformance><ID>${bodId}</ID>
${body}
</OperationsPerformance></DataArea></ProcessOperationsPerformance>
`;
}
