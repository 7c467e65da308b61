-- The releases of these orders with what was sent (the checkpoints' reference). continued_qty: the
-- quantity of the backorder now carrying the request while the content last sent is still of an
-- earlier order (mes-release has not sent the Change yet).
-- $1 text[] MO names
select mo_name, mo_id, product_code, state, content, previous_work_orders,
       case when (content->>'moId')::bigint is distinct from mo_id then continued_qty::float8 end as continued_qty
from mes_releases
where mo_name = any($1::text[]);
