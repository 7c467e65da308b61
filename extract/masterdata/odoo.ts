/**
 * Paged reads of Odoo master data for masterdata-sync. Knows Odoo (models, fields, domains),
 * nothing of staging. Every read sets `active_test: false`, so archived records come back too
 * (with `active: false`): archiving a record moves its write_date, and the snapshot must see it.
 */
import type { OdooClient } from '../../core/odoo/index.ts';
import type { OdooDomain, OdooRecord } from '../../core/odoo/values.ts';

const ALL_RECORDS = { active_test: false } as const;

/** Which of these models the server has installed (one ir.model call). */
export function installedModels(client: OdooClient, models: readonly string[]): Promise<Set<string>> {
  return client.existingModels([...models]);
}

/** Field names a model has on this server (fields_get, asked once per model and run). */
export async function modelFields(client: OdooClient, model: string): Promise<Set<string>> {
  const described = await client.fieldsGet(model, { attributes: ['type'] });
  return new Set(Object.keys(described));
}

export interface PagedRead {
  model: string;
  domain: OdooDomain;
  fields: readonly string[];
  /** records per call; the client's batch size by default */
  batchSize?: number;
}

/** Matching records page by page (keyed on id), archived ones included. */
export function readPages(client: OdooClient, read: PagedRead): AsyncGenerator<OdooRecord[]> {
  return client.searchReadPages(read.model, read.domain, [...read.fields], { batchSize: read.batchSize, context: ALL_RECORDS });
}

/** Ids and write_date of the records matching `domain` (e.g. templates changed since a watermark). */
export async function changedRecords(client: OdooClient, model: string, domain: OdooDomain, batchSize?: number): Promise<OdooRecord[]> {
  return client.searchReadAll(model, domain, ['write_date'], { batchSize, context: ALL_RECORDS });
}

/** The latest write_date of a model (one call), or null when it has no records. */
export async function latestWriteDate(client: OdooClient, model: string): Promise<string | null> {
  const [latest] = await client.searchRead(model, [], ['write_date'], {
    order: 'write_date desc, id desc',
    limit: 1,
    context: ALL_RECORDS,
  });
  return typeof latest?.write_date === 'string' ? latest.write_date : null;
}
