/**
 * supplier-po-export with e-mail: both files go to the vendor's address through the configured
 * SMTP relay (a local one here: EHLO, MAIL, RCPT, DATA, QUIT), the attachments byte for byte as in
 * the outbox; a vendor without an address gets the files in the outbox only; a relay that refuses
 * the recipient fails that mail, not the run. Header injection through the subject is refused.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supplierPoExportJob } from '../../jobs/suppliers/supplier-po-export.ts';
import { mimeMessage } from '../../load/suppliers/smtp.ts';
import { type SupplierWorld, supplierWorld } from './fixtures.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

/** A relay that accepts everything except recipients at refused.example. */
function smtpServer(received: Received[]): net.Server {
  return net.createServer((socket) => {
    let mail: Received = { from: '', to: [], data: '' };
    let inData = false;
    let buffer = '';
    socket.write('220 test relay ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          mail.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          received.push(mail);
          mail = { from: '', to: [], data: '' };
          socket.write('250 queued\r\n');
          continue;
        }
        const i = buffer.indexOf('\r\n');
        if (i < 0) return;
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (/^EHLO /i.test(line)) {
          socket.write('250-test relay\r\n250 8BITMIME\r\n');
        } else if (/^MAIL FROM:/i.test(line)) {
          mail.from = line.slice(10);
          socket.write('250 ok\r\n');
        } else if (/^RCPT TO:/i.test(line)) {
          if (line.includes('refused.example')) {
            socket.write('550 no such user\r\n');
          } else {
            mail.to.push(line.slice(8));
            socket.write('250 ok\r\n');
          }
        } else if (/^DATA/i.test(line)) {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (/^QUIT/i.test(line)) {
          socket.write('221 bye\r\n');
          socket.end();
        } else socket.write('502 not implemented\r\n');
      }
    });
  });
}

function attachments(data: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const part of data.split(/\r\n--mfg-etl-[0-9a-f]+/)) {
    const name = /filename="([^"]+)"/.exec(part)?.[1];
    if (!name) continue;
    const body = part.split('\r\n\r\n')[1]!.replace(/\r\n/g, '');
    out.set(name, Buffer.from(body, 'base64'));
  }
  return out;
}

describe('supplier-po-export by e-mail', () => {
  let w: SupplierWorld;
  let relay: net.Server;
  const received: Received[] = [];

  beforeAll(async () => {
    relay = smtpServer(received);
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    w = await supplierWorld(
      'supmail',
      19,
      [supplierPoExportJob],
      { suppliers: { email: { from: 'purchasing@mfg.example', subject: 'Orders {code} – {date}' } } },
      { MFG_ETL_SMTP_URL: `smtp://127.0.0.1:${(relay.address() as AddressInfo).port}` },
    );
    w.order([{ productId: w.caseBlack, qty: 10, date: '2026-12-12 10:00:00' }]);
    w.order([{ productId: w.panel, qty: 3, date: '2026-12-12 10:00:00' }], w.other);
  });
  afterAll(async () => {
    await w?.close();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  });

  it('mails both files to the vendor’s address and leaves a vendor without one to the outbox', async () => {
    const r = await w.run('supplier-po-export');
    expect(r.stats).toMatchObject({ suppliers: 2, mailed: 1, mailFailed: 0, noEmail: 1 });
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail!.from).toBe('<purchasing@mfg.example>');
    expect(mail!.to).toEqual(['<orders@woodcorner.example>']);
    expect(mail!.data).toMatch(/^Subject: =\?UTF-8\?B\?/m); // the en dash is encoded
    const files = (r.stats.files as Array<{ supplier: string; xlsx: string; csv: string }>).find((f) => f.supplier === 'WOODC')!;
    const parts = attachments(mail!.data);
    expect([...parts.keys()].sort()).toEqual([files.csv.split('/').pop(), files.xlsx.split('/').pop()].sort());
    for (const file of [files.csv, files.xlsx]) expect(parts.get(file.split('/').pop()!)!.equals(fs.readFileSync(file))).toBe(true);
  });

  it('reports a mail the relay refuses without failing the run (the files are in the outbox)', async () => {
    w.server.store.transaction(() =>
      w.server.store.write(
        'res.partner',
        [w.vendor],
        { email: 'nobody@refused.example' },
        { uid: 2, now: '2026-12-05 00:00:00', context: {} },
      ),
    );
    w.order([{ productId: w.caseBlack, qty: 4, date: '2026-12-14 10:00:00' }]);
    const r = await w.run('supplier-po-export');
    expect(r.stats).toMatchObject({ suppliers: 1, mailed: 0, mailFailed: 1 });
    const [file] = r.stats.files as Array<{ mailError: string; csv: string }>;
    expect(file!.mailError).toMatch(/550 no such user/);
    expect(fs.existsSync(file!.csv)).toBe(true);
  });

  it('refuses a subject with a line break (no header injection)', () => {
    expect(() =>
      mimeMessage({ from: 'a@b.example', to: ['c@d.example'], subject: 'x\r\nBcc: evil@e.example', text: '', attachments: [] }),
    ).toThrow(/line break/);
  });
});
