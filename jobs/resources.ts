/**
 * Resources jobs ask for by name (Dagster style): built from the configuration on demand, so a
 * job that does not talk to Odoo never needs Odoo settings, and tests point them at test servers.
 */
import { recordOdooCall } from '../core/metrics.ts';
import { OdooClient } from '../core/odoo/index.ts';
import { odooOptionsFromConfig } from '../core/odoo/config.ts';
import type { JobContext } from './job.ts';

/** An Odoo client for this run, or undefined when MFG_ETL_ODOO_* is not configured. Close it when done. */
export function odooClient(ctx: Pick<JobContext, 'config' | 'logger'>): OdooClient | undefined {
  const options = odooOptionsFromConfig(ctx.config);
  return options ? new OdooClient(options, ctx.logger, { observer: recordOdooCall }) : undefined;
}
