/**
 * GET /readyz: the dependencies, each with its status and latency. The staging database is
 * always required; Odoo when configured (MFG_ETL_ODOO_*: its version endpoint answers, no
 * login); the OPC UA server when configured (MFG_ETL_OPCUA_ENDPOINT: its port accepts a
 * connection). Any required one down: not ready.
 */
import net from 'node:net';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import type { Logger } from '../../core/logger.ts';
import { odooOptionsFromConfig } from '../../core/odoo/config.ts';
import { OdooClient } from '../../core/odoo/index.ts';

export interface DependencyCheck {
  name: 'database' | 'odoo' | 'opcua';
  required: boolean;
  up: boolean;
  latencyMs: number;
  /** what answered, or why it is down */
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: DependencyCheck[];
}

export interface ReadinessOptions {
  config: Config;
  db: Database;
  logger: Logger;
  /** per dependency (default 3000 ms) */
  timeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function timed(name: DependencyCheck['name'], fn: () => Promise<string>, redact: (s: string) => string): Promise<DependencyCheck> {
  const started = performance.now();
  try {
    const detail = await fn();
    return { name, required: true, up: true, latencyMs: Math.round(performance.now() - started), detail: redact(detail) };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
    const message = e.message || e.code || e.cause?.message || String(err);
    return { name, required: true, up: false, latencyMs: Math.round(performance.now() - started), detail: redact(message) };
  }
}

/** The OPC UA endpoint (MFG_ETL_OPCUA_ENDPOINT), when one is configured. */
export function opcuaEndpoint(config: Config): { host: string; port: number; url: string } | undefined {
  const value = config.opcuaEndpoint;
  if (value === undefined) return undefined;
  const m = /^opc\.tcp:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?/i.exec(value);
  return m ? { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 4840, url: value } : undefined;
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

export async function checkReadiness(o: ReadinessOptions): Promise<Readiness> {
  const timeoutMs = o.timeoutMs ?? 3000;
  // the Odoo URL and OPC UA endpoint are not secrets, but a password written into them is
  o.config.redactor.addUrlPassword(o.config.odooUrl);
  o.config.redactor.addUrlPassword(o.config.opcuaEndpoint);
  const redact = (s: string) => o.config.redactor.text(s);
  const checks: Promise<DependencyCheck>[] = [
    timed(
      'database',
      async () => {
        await withTimeout(o.db.knex.raw('select 1'), timeoutMs, 'the database');
        return o.db.embedded ? 'embedded PGlite' : 'PostgreSQL';
      },
      redact,
    ),
  ];
  const odoo = odooOptionsFromConfig(o.config);
  if (odoo) {
    checks.push(
      timed(
        'odoo',
        async () => {
          const client = new OdooClient({ ...odoo, timeoutMs: Math.min(odoo.timeoutMs, timeoutMs), retry: { attempts: 1 } }, o.logger);
          try {
            const version = await withTimeout(client.version(), timeoutMs + 500, 'Odoo');
            return `Odoo ${version.serverVersion ?? version.major} at ${odoo.url}`;
          } finally {
            client.close();
          }
        },
        redact,
      ),
    );
  }
  const opcua = opcuaEndpoint(o.config);
  if (opcua) {
    checks.push(
      timed(
        'opcua',
        async () => {
          await tcpConnect(opcua.host, opcua.port, timeoutMs);
          return `${opcua.host}:${opcua.port} accepts connections`;
        },
        redact,
      ),
    );
  }
  const results = await Promise.all(checks);
  return { ready: results.every((c) => c.up || !c.required), checks: results };
}
