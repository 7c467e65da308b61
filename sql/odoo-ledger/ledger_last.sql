-- The latest ledger row per business key of one model, for the given keys: what Odoo holds as
-- far as mfg-etl knows. Used by load/odoo-ledger/ledger.ts.
-- $1 model, $2 keys
select distinct on (l.business_key) l.business_key, l.payload_hash, l.odoo_id, l.batch_id, l.loaded_at
from load_ledger l
where l.odoo_model = $1::text
  and l.business_key = any ($2::text[])
order by l.business_key, l.id desc;
