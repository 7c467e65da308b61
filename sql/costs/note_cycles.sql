-- The products of a BoM cycle say which cycle they are in. $1 batch id, $2 product ids,
-- $3 the cycle of each, as text.
update cost_rollup_lines l
set note = 'not costed: in the BoM cycle ' || c.cycle
from unnest($2::bigint[], $3::text[]) as c(product_id, cycle)
where l.batch_id = $1::bigint and l.product_id = c.product_id
