/**
 * HTTP plumbing shared by both transports: keep-alive agents (TLS verified, optional extra CA)
 * and a small request helper with a hard timeout.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { ConfigError } from '../errors.ts';

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** Idle keep-alive sockets are dropped before a typical server closes them (5 s), to avoid reset races. */
const IDLE_SOCKET_MS = 4_000;

export function createAgents(options: { concurrency: number; caFile?: string }): Agents {
  let ca: Buffer | undefined;
  if (options.caFile) {
    try {
      ca = readFileSync(options.caFile);
    } catch (err) {
      throw new ConfigError(`cannot read the Odoo CA file ${options.caFile}`, { cause: err });
    }
  }
  const common = {
    keepAlive: true,
    maxSockets: Math.max(options.concurrency, 1) + 1,
    timeout: IDLE_SOCKET_MS,
    scheduling: 'lifo' as const,
  };
  return {
    http: new http.Agent(common),
    // rejectUnauthorized stays at its default (true): certificates are always verified
    https: new https.Agent({ ...common, ...(ca ? { ca } : {}) }),
  };
}

export function agentFor(url: URL, agents: Agents): http.Agent {
  return url.protocol === 'https:' ? agents.https : agents.http;
}

export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  agent: http.Agent;
  timeoutMs: number;
}

/** One HTTP exchange; the whole exchange (connect, send, answer) is bounded by timeoutMs. */
export function httpRequest(url: URL, init: HttpRequestInit): Promise<HttpResult> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<HttpResult>((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = Buffer.byteLength(init.body);
    const request = transport.request(
      url,
      { method: init.method, headers, agent: init.agent, signal: AbortSignal.timeout(init.timeoutMs) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}
