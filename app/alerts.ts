/**
 * Alert evaluation: which conditions hold now (transform/health.ts), one incident per condition
 * (alert_incidents: opened once, resolved once), and the webhook messages still to send
 * (load/alerts.ts). `mfg-etl start` and `serve` evaluate every MFG_ETL_ALERT_INTERVAL_SECONDS;
 * several processes may do so, an advisory lock lets one evaluate at a time. Nothing here ever
 * throws into a job: failures are logged and the next evaluation tries again.
 */
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import { tryWithSessionLock } from '../core/locks.ts';
import type { Logger } from '../core/logger.ts';
import { deliverWebhook, type WebhookMessage } from '../load/ops/webhook.ts';
import {
  alertFacts,
  type Incident,
  listOpenIncidents,
  markDeliveryFailed,
  markNotified,
  openIncident,
  pendingNotifications,
  resolveIncident,
} from '../load/ops/ops.ts';
import { alertConditions, humanDuration, recoveryText } from '../transform/shared/health.ts';
import { mesSettings } from '../core/config/mes.ts';
import { markAlerted } from '../load/mes/releases.ts';
import { type AlertSettings, alertSettings, httpSettings } from '../core/config/http.ts';
import { jobExpectations } from './ops.ts';
import type { JobRegistry } from '../jobs/registry.ts';

export interface AlertEvaluatorOptions {
  config: Config;
  db: Database;
  logger: Logger;
  registry: JobRegistry;
}

export interface Evaluation {
  opened: Incident[];
  resolved: Incident[];
  /** messages sent: [incident id, 'alert' | 'recovery'] */
  delivered: [number, 'alert' | 'recovery'][];
  failed: [number, 'alert' | 'recovery', string][];
  open: number;
}

export class AlertEvaluator {
  private readonly settings: AlertSettings;
  private readonly publicUrl: string | undefined;
  private readonly mesAckTimeoutMinutes: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly o: AlertEvaluatorOptions) {
    this.settings = alertSettings(o.config);
    this.publicUrl = httpSettings(o.config).publicUrl?.replace(/\/+$/, '');
    this.mesAckTimeoutMinutes = mesSettings(o.config).ackTimeoutMinutes;
    jobExpectations(o.registry, o.config);
  }

  /** One evaluation; undefined when another process is evaluating right now. */
  async evaluate(now = new Date()): Promise<Evaluation | undefined> {
    const knex = this.o.db.knex;
    return tryWithSessionLock(knex, `mfg-etl alerts ${this.o.db.schema}`, async () => {
      const facts = await alertFacts(knex, jobExpectations(this.o.registry, this.o.config));
      const conditions = alertConditions(facts, now, {
        approvalWaitHours: this.settings.approvalWaitHours,
        reconciliationValueThreshold: this.settings.reconciliationValueThreshold,
        mesAckTimeoutMinutes: this.mesAckTimeoutMinutes,
      });
      const current = new Set(conditions.map((c) => c.key));
      const open = await listOpenIncidents(knex);
      const openKeys = new Set(open.map((i) => i.key));
      const result: Evaluation = { opened: [], resolved: [], delivered: [], failed: [], open: 0 };
      for (const c of conditions) {
        if (openKeys.has(c.key)) continue;
        const incident = await openIncident(knex, c, now);
        if (incident) {
          if (incident.kind === 'mes_release') await markAlerted(knex, [incident.subject], now);
          result.opened.push(incident);
          this.o.logger.warn('alert: incident opened', { incident: incident.id, key: incident.key, alert: incident.message });
        }
      }
      for (const incident of open) {
        if (current.has(incident.key)) continue;
        const resolved = await resolveIncident(knex, incident.id, recoveryText(incident.kind, incident.subject), now);
        if (resolved) {
          result.resolved.push(resolved);
          this.o.logger.info('alert: incident resolved', { incident: resolved.id, key: resolved.key, resolution: resolved.resolution });
        }
      }
      result.open = open.length + result.opened.length - result.resolved.length;
      await this.deliver(result, now);
      return result;
    });
  }

  private async deliver(result: Evaluation, now: Date): Promise<void> {
    const url = this.o.config.alertWebhookUrl;
    if (!url) return;
    // messages that failed before go last, so one the receiver refuses cannot hold up the others
    const pending = (await pendingNotifications(this.o.db.knex)).sort((a, b) => a.attempts - b.attempts || a.id - b.id);
    for (const incident of pending) {
      const which = incident.resolvedAt ? 'recovery' : 'alert';
      const sent = await deliverWebhook(this.message(incident, which), {
        url,
        attempts: this.settings.attempts,
        retryDelayMs: this.settings.retryDelayMs,
        timeoutMs: this.settings.timeoutMs,
        logger: this.o.logger.child({ incident: incident.id, key: incident.key, notice: which }),
      });
      if (sent.ok) {
        await markNotified(this.o.db.knex, incident.id, which, now);
        result.delivered.push([incident.id, which]);
      } else {
        await markDeliveryFailed(this.o.db.knex, incident.id, sent.error);
        result.failed.push([incident.id, which, sent.error]);
        // the receiver is down or refuses: the rest waits for the next evaluation
        break;
      }
    }
  }

  private link(incident: Incident): string | undefined {
    if (!this.publicUrl) return undefined;
    const d = incident.details;
    if (typeof d.batchId === 'number') return `${this.publicUrl}/batches/${d.batchId}`;
    if (typeof d.runId === 'number') return `${this.publicUrl}/runs/${d.runId}`;
    if (typeof d.job === 'string') return `${this.publicUrl}/runs?job=${encodeURIComponent(d.job)}`;
    if (typeof d.reconciliationId === 'number') return `${this.publicUrl}/reports`;
    if (incident.kind === 'mes_release') return `${this.publicUrl}/#mes-releases`;
    return `${this.publicUrl}/`;
  }

  message(incident: Incident, which: 'alert' | 'recovery'): WebhookMessage {
    const link = this.link(incident);
    const text =
      which === 'alert'
        ? `🔴 mfg-etl alert: ${incident.message}`
        : `✅ mfg-etl resolved: ${incident.resolution ?? recoveryText(incident.kind, incident.subject)} (was: ${incident.message}; open for ${humanDuration((incident.resolvedAt ?? new Date()).getTime() - incident.openedAt.getTime())})`;
    return {
      text: link ? `${text}\n${link}` : text,
      mfg_etl: {
        event: which === 'alert' ? 'opened' : 'resolved',
        incident: incident.id,
        key: incident.key,
        kind: incident.kind,
        subject: incident.subject,
        message: incident.message,
        details: incident.details,
        openedAt: incident.openedAt.toISOString(),
        resolvedAt: incident.resolvedAt?.toISOString() ?? null,
        ...(link ? { url: link } : {}),
      },
    };
  }

  /** Evaluates now and then every MFG_ETL_ALERT_INTERVAL_SECONDS, one evaluation at a time. */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.evaluate()
        .catch((err: unknown) => this.o.logger.error('alert evaluation failed', { error: (err as Error).message }))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.o.config.alertIntervalSeconds * 1000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
