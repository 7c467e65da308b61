/**
 * `mfg-etl quality setup`: the quarantine location of every warehouse (or the ones named), created
 * when missing as an internal location under the warehouse's view location, beside WH/Stock and
 * never inside it, so no delivery or production route reserves from it (execution captures
 * 125-126 / 120-121). Running it again changes nothing.
 */
import type { QualitySettings } from '../../core/config/quality.ts';
import { ConfigError } from '../../core/errors.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { quarantineName, warehouseLocations } from '../../extract/quality/odoo.ts';
import { createQuarantine } from '../../load/quality/odoo.ts';

export interface QuarantineSetup {
  warehouse: string;
  location: string;
  locationId: number;
  created: boolean;
}

export async function setupQuarantine(client: OdooClient, s: QualitySettings, codes?: readonly string[]): Promise<QuarantineSetup[]> {
  const wanted = codes?.length
    ? [...codes]
    : (await client.searchRead('stock.warehouse', [], ['code'], { order: 'id asc' })).map((w) => String(w.code));
  const out: QuarantineSetup[] = [];
  for (const code of wanted) {
    const wh = await warehouseLocations(client, code);
    if (!wh) throw new ConfigError(`no warehouse with code "${code}" in Odoo`);
    const name = quarantineName(s, code, wh.viewName);
    const found = [...wh.internal].find(([, full]) => full === name);
    if (found) {
      out.push({ warehouse: code, location: name, locationId: found[0], created: false });
      continue;
    }
    const prefix = `${wh.viewName}/`;
    if (!name.startsWith(prefix) || name.slice(prefix.length).includes('/'))
      throw new ConfigError(
        `quality.quarantine.${code}: "${name}" does not exist in Odoo and setup creates only a location directly under ${wh.viewName} (beside its stock location); create it in Odoo or name one that exists`,
      );
    const id = await createQuarantine(client, wh.warehouse.viewLocationId, name.slice(prefix.length));
    out.push({ warehouse: code, location: name, locationId: id, created: true });
  }
  return out;
}
