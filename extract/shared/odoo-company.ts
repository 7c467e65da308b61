/**
 * The companies the integration user works in and each one's currency, read from Odoo
 * (res.users company_id, res.company currency_id; valuation captures 003-005): money in staging
 * and reports is in the company's currency, never a configured guess.
 */
import type { OdooClient } from '../../core/odoo/index.ts';
import { many2oneId, many2oneName } from '../../core/odoo/values.ts';

export interface CompanyCurrency {
  companyId: number;
  company: string;
  /** ISO code (res.currency name), e.g. USD */
  currency: string;
}

/** Every company the user can see, with its currency (one search_read). */
export async function companyCurrencies(client: Pick<OdooClient, 'searchRead'>): Promise<Map<number, CompanyCurrency>> {
  const rows = await client.searchRead('res.company', [], ['name', 'currency_id']);
  const out = new Map<number, CompanyCurrency>();
  for (const r of rows) {
    const currency = many2oneName(r.currency_id);
    if (currency) out.set(Number(r.id), { companyId: Number(r.id), company: String(r.name ?? ''), currency: currency.toUpperCase() });
  }
  return out;
}

/**
 * The currency of `companyId`, else (null: no company configured) of the user's current company
 * (res.users company_id). Undefined when Odoo does not say.
 */
export async function companyCurrency(
  client: Pick<OdooClient, 'searchRead' | 'read' | 'connect'>,
  companyId: number | null | undefined,
): Promise<CompanyCurrency | undefined> {
  let id = companyId ?? null;
  if (id === null) {
    const { uid } = await client.connect();
    const [user] = await client.read('res.users', [uid], ['company_id']);
    id = many2oneId(user?.company_id) ?? null;
  }
  const all = await companyCurrencies(client);
  return id === null ? undefined : all.get(id);
}
