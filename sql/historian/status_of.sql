-- historian-load: the recorded outcome of these keys of one model. Used by load/staging/historian-load.ts.
-- $1 model, $2 keys
select business_key, status, odoo_id, message, updated_at
from historian_load_status
where odoo_model = $1::text
  and business_key = any ($2::text[]);
