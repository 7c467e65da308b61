/** Append-only audit trail: who did what to which entity, when and why. */
import type { Knex } from 'knex';
import { redactSecrets, redactSecretsDeep } from '../../core/redact.ts';

export interface AuditEvent {
  actor: string;
  entity: string;
  entityId: string | number;
  action: string;
  details?: Record<string, unknown>;
}

export async function appendAudit(db: Knex | Knex.Transaction, event: AuditEvent): Promise<void> {
  await db('audit_events').insert({
    actor: redactSecrets(event.actor),
    entity: event.entity,
    entity_id: String(event.entityId),
    action: event.action,
    // a reason typed by a person or an error quoted in the details may carry a secret
    details: JSON.stringify(redactSecretsDeep(event.details ?? {})),
  });
}

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  entity: string;
  entityId: string;
  action: string;
  details: Record<string, unknown>;
}

export async function listAudit(db: Knex, entity: string, entityId: string | number): Promise<AuditRow[]> {
  const rows = await db('audit_events')
    .where({ entity, entity_id: String(entityId) })
    .orderBy('id');
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    entity: r.entity,
    entityId: r.entity_id,
    action: r.action,
    details: r.details,
  }));
}
