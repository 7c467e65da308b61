-- The releases of these orders with what was sent (the checkpoints' reference).
-- $1 text[] MO names
select mo_name, mo_id, product_code, state, content
from mes_releases
where mo_name = any($1::text[]);
