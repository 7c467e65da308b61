/**
 * The test server answers like the real servers: captured requests are replayed against it and
 * its answers compared with the captured answers (byte for byte where the capture does not
 * depend on data the test server lacks; else status, error body without `debug`, and the
 * exception line that ends `debug`).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';

const CAPTURES = new URL('../support/odoo/captures/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, CAPTURES), 'utf8');

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function post(url: string, body: string | undefined, headers: Record<string, string>, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop() ?? '';
}

describe('Odoo 18 XML-RPC answers match the captures', () => {
  let server: OdooTestServer;
  beforeAll(async () => {
    server = await startOdooTestServer({ version: 18 });
  });
  afterAll(() => server.close());

  const replay = async (name: string) => {
    const service = /^00[1-6]-/.test(name) ? 'common' : 'object';
    return post(`${server.url}/xmlrpc/2/${service}`, read(`odoo18-xmlrpc/${name}.request.xml`), { 'Content-Type': 'text/xml' });
  };

  it.each([
    '001-common-version',
    '002-common-authenticate-ok',
    '003-common-authenticate-bad-password',
    '006-common-unknown-method',
    '049-error-nonexistent-model',
    '051-error-write-nonexistent-id',
    '052-error-create-missing-required',
    '053-error-create-missing-required-name',
    '058-error-wrong-password',
    '059-error-bad-uid',
    '060-error-private-method',
    '062-error-access-demo-user-write-account',
    '075-load-products-one-row-invalid',
    '078-load-products-native-types',
    '146-error-allowed-company-invalid',
  ])('%s is answered byte for byte as captured', async (name) => {
    const answer = await replay(name);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(answer.body).toBe(read(`odoo18-xmlrpc/${name}.response.xml`));
  });

  it.each(['004-common-authenticate-unknown-db', '056-error-bad-selection-value'])(
    '%s has the captured fault code and exception line',
    async (name) => {
      const answer = await replay(name);
      const captured = read(`odoo18-xmlrpc/${name}.response.xml`);
      const code = (xml: string) => /<name>faultCode<\/name>\n<value><int>(\d+)<\/int>/.exec(xml)?.[1];
      const exception = (xml: string) => lastLine(/<name>faultString<\/name>\n<value><string>([\s\S]*?)<\/string>/.exec(xml)?.[1] ?? '');
      expect(code(answer.body)).toBe(code(captured));
      expect(exception(answer.body)).toBe(exception(captured));
    },
  );

  it('answers cannot-marshal-None exactly as captured, after committing the inventory', async () => {
    const quant = server.create('stock.quant', { product_id: 1, location_id: 8, quantity: 3 });
    server.store.transaction(() =>
      server.store.write('stock.quant', [quant], { inventory_quantity: 25 }, { uid: 2, now: '2026-11-26 21:00:00', context: {} }),
    );
    const request = read('odoo18-xmlrpc/047-quant-apply-inventory-returns-none.request.xml').replace(
      '<value><int>70</int></value>',
      `<value><int>${quant}</int></value>`,
    );
    const answer = await post(`${server.url}/xmlrpc/2/object`, request, { 'Content-Type': 'text/xml' });
    expect(answer.body).toBe(read('odoo18-xmlrpc/047-quant-apply-inventory-returns-none.response.xml'));
    expect(server.read('stock.quant', quant, ['quantity', 'inventory_quantity_set'])).toMatchObject({ inventory_quantity_set: false });
    expect(server.store.get('stock.quant', quant)?.quantity).toBe(25);
  });

  it('redirects JSON-2 paths to the login page, as Odoo 18 has no JSON-2 API', async () => {
    const answer = await post(`${server.url}/json/2/res.users/context_get`, '{}', { 'Content-Type': 'application/json' });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toMatch(/^\/web\/login\?redirect=/);
  });
});

describe('Odoo 19 JSON-2 answers match the captures', () => {
  let server: OdooTestServer;
  let multiDb: OdooTestServer;
  beforeAll(async () => {
    server = await startOdooTestServer({ version: 19, adminApiKey: 'REDACTED-API-KEY', demoApiKey: 'REDACTED-DEMO-API-KEY' });
    multiDb = await startOdooTestServer({ version: 19, adminApiKey: 'REDACTED-API-KEY', multiDb: true });
  });
  afterAll(async () => {
    await server.close();
    await multiDb.close();
  });

  interface Meta {
    method: string;
    path: string;
    status: number;
    request_headers: Record<string, string>;
    response_content_type: string;
    response_headers: Record<string, string>;
    request_file: string | null;
    response_file: string;
  }

  const replay = async (name: string, target: OdooTestServer = server) => {
    const meta = JSON.parse(read(`odoo19-json2/${name}.meta.json`)) as Meta;
    const body = meta.request_file ? read(`odoo19-json2/${meta.request_file}`) : undefined;
    const answer = await post(`${target.url}${meta.path}`, body, meta.request_headers, meta.method);
    return { meta, answer, captured: read(`odoo19-json2/${meta.response_file}`) };
  };

  it.each([
    '001-version-get',
    '002-whoami-context-get',
    '010-read-products-missing-id',
    '037-load-products-bad-batch',
    '040-load-non-string-cell',
    '092-error-wrong-content-type',
    '095-error-unknown-database-header',
  ])('%s is answered byte for byte as captured', async (name) => {
    const { meta, answer, captured } = await replay(name);
    expect(answer.status).toBe(meta.status);
    expect(answer.headers['content-type']).toBe(meta.response_content_type);
    expect(answer.body).toBe(captured);
  });

  it('003-whoami-read-self tells who owns the key as captured (the test server seeds two companies, not three)', async () => {
    const { meta, answer, captured } = await replay('003-whoami-read-self');
    expect(answer.status).toBe(meta.status);
    expect(answer.headers['content-type']).toBe(meta.response_content_type);
    const [ours] = JSON.parse(answer.body) as Record<string, unknown>[];
    const [theirs] = JSON.parse(captured) as Record<string, unknown>[];
    expect(Object.keys(ours!)).toEqual(Object.keys(theirs!));
    expect({ ...ours, company_ids: undefined }).toEqual({ ...theirs, company_ids: undefined });
  });

  it('answers 404 HTML without X-Odoo-Database when the server hosts several databases', async () => {
    const { meta, answer, captured } = await replay('097-no-database-header-multi-db', multiDb);
    expect(answer.status).toBe(meta.status);
    expect(answer.body).toBe(captured);
  });

  it.each([
    '071-error-no-auth-header',
    '072-error-wrong-key',
    '073-error-basic-scheme',
    '074-error-unknown-model',
    '075-error-unknown-method',
    '076-error-private-method',
    '077-error-unknown-field-read',
    '080-error-bad-selection-value',
    '081-error-unexpected-argument',
    '082-error-positional-args',
    '083-error-ids-on-model-method',
    '085-error-required-missing',
    '086-error-write-missing-record',
    '087-error-user-error',
    '090-error-access-demo-write',
  ])('%s has the captured status, error body and exception line', async (name) => {
    const { meta, answer, captured } = await replay(name);
    expect(answer.status).toBe(meta.status);
    expect(answer.headers['content-type']).toBe(meta.response_content_type);
    // 'Bearer ' on the wire; HTTP parsers drop the trailing space
    if (meta.response_headers['WWW-Authenticate'])
      expect(answer.headers['www-authenticate']).toBe(meta.response_headers['WWW-Authenticate'].trim());
    const ours = JSON.parse(answer.body) as Record<string, unknown>;
    const theirs = JSON.parse(captured) as Record<string, unknown>;
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect({ ...ours, debug: undefined }).toEqual({ ...theirs, debug: undefined });
    expect(String(ours.debug)).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(lastLine(String(ours.debug))).toBe(lastLine(String(theirs.debug)));
  });
});
