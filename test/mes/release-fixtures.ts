/** Shared by the MES release tests: an order as read from Odoo, xmllint, a B2MML answer, a small MES HTTP receiver. */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OdooOrder } from '../../extract/mes/orders.ts';

export const SCHEMA = fileURLToPath(new URL('../fixtures/b2mml/Schema/AllSchemas.xsd', import.meta.url));
export const HAS_XMLLINT = spawnSync('xmllint', ['--version']).status === 0;
if (!HAS_XMLLINT)
  process.stderr.write('xmllint is missing: the B2MML schema validation tests are skipped (install libxml2-utils; CI has it)\n');

/** Validates a document against MESA's B2MML schemas with xmllint; returns xmllint's complaint, '' when valid. */
export function schemaErrors(xml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-b2mml-'));
  const file = path.join(dir, 'message.xml');
  fs.writeFileSync(file, xml);
  try {
    const r = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
    return r.status === 0 ? '' : r.stderr;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Text of the first element matching a local name, read back by xmllint (proves escaping round-trips). */
export function xpathText(xml: string, localName: string): string {
  return execFileSync('xmllint', ['--xpath', `string((//*[local-name()='${localName}'])[1])`, '-'], {
    input: xml,
    encoding: 'utf8',
  }).replace(/\n$/, '');
}

export function order(over: Partial<OdooOrder> = {}): OdooOrder {
  return {
    id: 7,
    name: 'WH/MO/00007',
    state: 'confirmed',
    reservationState: 'assigned',
    productId: 33,
    productCode: 'FURN_8855',
    productName: 'Drawer',
    qty: 2,
    uom: 'Units',
    dateStart: '2026-12-05 15:45:52',
    dateFinished: '2026-12-05 19:45:52',
    pickingType: 'YourCompany: Manufacturing',
    workOrders: [
      { id: 4, name: 'Packing', workcenter: 'Drill 1', durationExpected: 120, sequence: 100 },
      { id: 5, name: 'Testing', workcenter: 'Assembly 1', durationExpected: 120, sequence: 101 },
    ],
    components: [
      { moveId: 76, productId: 56, code: 'FURN_2100', name: 'Drawer Black', qty: 2, uom: 'Units', lots: ['0000000010001'] },
      { moveId: 77, productId: 57, code: 'FURN_5623', name: 'Drawer Case Black', qty: 2, uom: 'Units', lots: [] },
    ],
    ...over,
  };
}

export function acknowledgeXml(o: { messageId?: string; mo: string; code?: string; reason?: string; at?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<AcknowledgeOperationsSchedule xmlns="http://www.mesa.org/xml/B2MML" releaseID="0701">
  <ApplicationArea>
    <Sender><LogicalID>floor-mes</LogicalID></Sender>
    <CreationDateTime>${o.at ?? '2026-12-05T16:00:00Z'}</CreationDateTime>
    <BODID>ack-${Math.random().toString(36).slice(2)}</BODID>
  </ApplicationArea>
  <DataArea>
    <Acknowledge>
      ${o.messageId ? `<OriginalApplicationArea><CreationDateTime>2026-12-05T15:59:00Z</CreationDateTime><BODID>${o.messageId}</BODID></OriginalApplicationArea>` : ''}
      <ResponseCriteria>
        <ResponseExpression actionCode="${o.code ?? 'Accepted'}"/>
        ${o.reason ? `<ChangeStatus><Description>${o.reason}</Description></ChangeStatus>` : ''}
      </ResponseCriteria>
    </Acknowledge>
    <OperationsSchedule>
      <ID>${o.mo}</ID>
      <OperationsRequest>
        <ID>${o.mo}</ID>
        <SegmentRequirement><ID>1</ID><ProcessSegmentID>x</ProcessSegmentID><OperationsDefinitionID>x</OperationsDefinitionID><OperationsSegmentID>x</OperationsSegmentID></SegmentRequirement>
      </OperationsRequest>
    </OperationsSchedule>
  </DataArea>
</AcknowledgeOperationsSchedule>
`;
}

export function confirmBodXml(o: { messageId: string; code?: string; note?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<ConfirmBOD xmlns="http://www.mesa.org/xml/B2MML">
  <ApplicationArea>
    <CreationDateTime>2026-12-05T16:05:00Z</CreationDateTime>
  </ApplicationArea>
  <DataArea>
    <Confirm>${o.code ? `<ResponseCriteria><ResponseExpression actionCode="${o.code}"/></ResponseCriteria>` : ''}</Confirm>
    <BOD>
      <OriginalApplicationArea><CreationDateTime>2026-12-05T15:59:00Z</CreationDateTime><BODID>${o.messageId}</BODID></OriginalApplicationArea>
      ${o.note ? `<Note>${o.note}</Note>` : ''}
    </BOD>
  </DataArea>
</ConfirmBOD>
`;
}

export interface MesReceiver {
  url: string;
  requests: Array<{ authorization: string | undefined; contentType: string | undefined; body: string }>;
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

/** A local MES endpoint: records every POST, answers `failNext` requests with an error first. */
export async function startMesReceiver(): Promise<MesReceiver> {
  const requests: MesReceiver['requests'] = [];
  let failures = 0;
  let status = 503;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (failures > 0) {
        failures -= 1;
        res.writeHead(status, { 'content-type': 'text/plain' }).end('MES busy');
        return;
      }
      res.writeHead(202, { 'content-type': 'text/plain' }).end('accepted');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/b2mml`,
    requests,
    failNext(n, s = 503) {
      failures = n;
      status = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
