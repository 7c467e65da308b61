/**
 * POST /api/quality-events: the QMS pushes a nonconformance decision (hold, release, scrap,
 * rework). Per-client API tokens (`Authorization: Bearer <token>`, only their sha256 is stored,
 * made with `mfg-etl tokens add <client> --scope quality:write`), a per-client rate limit shared
 * through the database, one audit event per call. The answer comes once the event is staged
 * (committed): 201 with the event id; the same nonconformance + action with the same content
 * answers 200 and the same id; other content 409; a failed check 422 with the reasons; 401 for
 * a missing, unknown or revoked token, 403 for a token without the scope, 429 over the rate.
 * A staged event starts a quality-apply run at once.
 */
import type http from 'node:http';
import type { Config } from '../../core/config.ts';
import { QUALITY_SCOPE, qualitySettings, type QualitySettings } from '../../core/config/quality.ts';
import type { Database } from '../../core/db.ts';
import type { Logger } from '../../core/logger.ts';
import { odooOptionsFromConfig } from '../../core/odoo/config.ts';
import { OdooClient } from '../../core/odoo/index.ts';
import { receiveEvent } from '../../jobs/quality/intake.ts';
import type { Runner } from '../../jobs/runner.ts';
import { appendAudit } from '../../load/staging/audit.ts';
import { clientOfToken, rateHit } from '../../load/quality/staging.ts';

const MAX_BODY = 64 * 1024;

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class QualityApi {
  private readonly settings: QualitySettings;
  private client: OdooClient | undefined;
  private applyQueued = false;

  constructor(private readonly o: { config: Config; db: Database; logger: Logger; runner?: Pick<Runner, 'enqueue'> }) {
    this.settings = qualitySettings(o.config);
  }

  close(): void {
    this.client?.close();
  }

  private odoo(): OdooClient | undefined {
    if (!this.client) {
      const options = odooOptionsFromConfig(this.o.config);
      if (options) this.client = new OdooClient(options, this.o.logger);
    }
    return this.client;
  }

  async handle(req: http.IncomingMessage): Promise<ApiAnswer> {
    const receivedAt = new Date();
    const knex = this.o.db.knex;
    const audit = (actor: string, action: string, entityId: string | number, details: Record<string, unknown>) =>
      appendAudit(knex, { actor, entity: 'quality_event', entityId, action, details });
    const address = req.socket.remoteAddress ?? '';

    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const owner = token ? await clientOfToken(knex, token) : undefined;
    if (!owner) {
      await audit('api:unknown', 'api_refused', '-', { status: 401, address });
      return {
        status: 401,
        body: { error: 'send a valid API token: Authorization: Bearer <token> (mfg-etl tokens add <client> --scope quality:write)' },
        headers: { 'WWW-Authenticate': 'Bearer realm="mfg-etl quality events"' },
      };
    }
    const actor = `api:${owner.client}`;
    if (!owner.scopes.includes(QUALITY_SCOPE)) {
      await audit(actor, 'api_refused', '-', { status: 403, address, scopes: owner.scopes });
      return { status: 403, body: { error: `the token of ${owner.client} lacks the scope ${QUALITY_SCOPE}` } };
    }
    const calls = await rateHit(knex, owner.client);
    if (calls > this.settings.rateLimitPerMinute) {
      await audit(actor, 'api_refused', '-', { status: 429, address, calls });
      const wait = 60 - new Date().getUTCSeconds();
      return {
        status: 429,
        body: { error: `more than ${this.settings.rateLimitPerMinute} calls this minute (quality.rateLimitPerMinute); retry in ${wait} s` },
        headers: { 'Retry-After': String(wait) },
      };
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return { status: 415, body: { error: 'send the event as application/json' } };
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return { status: 413, body: { error: `the event is larger than ${MAX_BODY} bytes` } };
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      await audit(actor, 'api_invalid', '-', { status: 400, address });
      return { status: 400, body: { error: `the body is not JSON: ${(err as Error).message}` } };
    }
    const client = this.odoo();
    if (!client)
      return { status: 503, body: { error: 'Odoo is not configured on this server (MFG_ETL_ODOO_*); events cannot be checked' } };

    const out = await receiveEvent({ db: knex, client, settings: this.settings }, body, { source: `http:${owner.client}`, receivedAt });
    const nc = out.event ? { nonconformance: out.event.nonconformance, action: out.event.action } : {};
    switch (out.status) {
      case 'invalid':
        await audit(actor, 'api_invalid', out.event?.nonconformance ?? '-', { status: 422, address, ...nc, problems: out.problems });
        return { status: 422, body: { error: out.problems.join('; '), problems: out.problems } };
      case 'conflict':
        await audit(actor, 'api_conflict', out.id, { status: 409, address, ...nc });
        return {
          status: 409,
          body: {
            error: `${out.event.nonconformance} ${out.event.action} was received before with other content (event ${out.id})`,
            id: out.id,
          },
        };
      case 'same':
        await audit(actor, 'api_repeat', out.id, { status: 200, address, ...nc });
        return { status: 200, body: { id: out.id, status: 'staged', repeat: true } };
      case 'staged':
        await audit(actor, 'api_staged', out.id, { status: 201, address, ...nc });
        await this.triggerApply();
        return { status: 201, body: { id: out.id, status: 'staged' } };
    }
  }

  /** One quality-apply run queued at a time: it applies every event staged until it starts. */
  private async triggerApply(): Promise<void> {
    const runner = this.o.runner;
    if (!runner || this.applyQueued) return;
    this.applyQueued = true;
    try {
      const queued = await this.o.db.knex('job_runs').where({ job: 'quality-apply', status: 'queued' }).first('id');
      if (!queued) await runner.enqueue('quality-apply', {}, { trigger: 'manual' });
    } catch (err) {
      // the minutely quality-apply is the safety net
      this.o.logger.warn('could not queue quality-apply', { error: (err as Error).message });
    } finally {
      this.applyQueued = false;
    }
  }
}
