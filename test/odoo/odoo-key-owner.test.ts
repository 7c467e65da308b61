/**
 * JSON-2 has no login: the bearer key alone says who calls. The client checks once that the key
 * belongs to the configured MFG_ETL_ODOO_USER and refuses (ConfigError, CLI exit 2) when it does not.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { OdooClient, type OdooOptionsInput } from '../../core/odoo/index.ts';
import { SecretRedactor } from '../../core/redact.ts';
import { runCli } from '../support/cli.ts';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const logger = createLogger({ level: 'error', format: 'json', redactor: new SecretRedactor() });
const mismatch = (user: string, owner: string) =>
  `MFG_ETL_ODOO_USER is "${user}" but the API key belongs to "${owner}": set MFG_ETL_ODOO_USER to the key's user or use that user's key`;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('JSON-2: the API key must belong to MFG_ETL_ODOO_USER', () => {
  let server: OdooTestServer;
  const clients: OdooClient[] = [];
  const client = (options: Partial<OdooOptionsInput>) => {
    const c = new OdooClient(
      { url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey, protocol: 'json2', ...options },
      logger,
    );
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startOdooTestServer({ version: 19 });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(() => server.close());

  it('refuses a user name that does not exist with a ConfigError naming the key owner, before any data call', async () => {
    const before = server.callCount('product.product');
    const error = await rejection(client({ user: 'nobody' }).searchRead('product.product', [], ['name']));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(mismatch('nobody', 'admin'));
    expect(error.message).not.toContain(server.adminApiKey);
    expect(server.callCount('product.product')).toBe(before);
  });

  it("refuses another existing user's name: the demo user configured with the admin key", async () => {
    const error = await rejection(client({ user: 'demo' }).connect());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(mismatch('demo', 'admin'));
  });

  it("connects when the key is the configured user's own, and asks who owns it once per process", async () => {
    const demo = await client({ user: 'demo', apiKey: server.demoApiKey }).connect();
    expect(demo.uid).toBe(5);
    const reads = server.callCount('res.users', 'read');
    const first = client({});
    expect((await first.connect()).uid).toBe(2);
    await first.searchRead('product.product', [], ['name'], { limit: 1 });
    await first.searchRead('product.product', [], ['name'], { limit: 1 });
    // a second client of the same process (the next job run) does not ask again
    expect((await client({}).connect()).uid).toBe(2);
    expect(server.callCount('res.users', 'read')).toBe(reads + 1);
  });
});

describe('mfg-etl run with a key that is not MFG_ETL_ODOO_USER', () => {
  let server: OdooTestServer;
  let app: TestApp;
  beforeAll(async () => {
    server = await startOdooTestServer({ version: 19 });
    app = await testApp('keyowner');
  });
  afterAll(async () => {
    await app?.cleanup();
    await server?.close();
  });

  it('exits 2 with one line saying whose key it is', async () => {
    const r = await runCli(
      ['run', 'masterdata-sync'],
      {
        ...app.env,
        MFG_ETL_LOG_LEVEL: 'warn',
        MFG_ETL_LOG_FORMAT: 'json',
        MFG_ETL_ODOO_URL: server.url,
        MFG_ETL_ODOO_DB: server.db,
        MFG_ETL_ODOO_USER: 'nobody',
        MFG_ETL_ODOO_API_KEY: server.adminApiKey,
      },
      app.dir,
    );
    expect(r.code).toBe(2);
    // stderr also carries the logs (JSON lines here); the command's own output is one line
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([`mfg-etl: ${mismatch('nobody', 'admin')}`]);
    expect(r.stdout).toBe('');
    expect(server.callCount('uom.uom')).toBe(0);
  });
});
