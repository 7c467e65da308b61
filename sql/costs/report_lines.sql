-- One page of a batch's lines for the report, in (product code, id) order after the given key.
-- $1 batch id, $2 code after (''), $3 id after (0), $4 page size.
select l.*, coalesce(l.default_code, '') as sort_code
from cost_rollup_lines l
where l.batch_id = $1::bigint
  and (coalesce(l.default_code, ''), l.product_id) > ($2::text, $3::bigint)
order by coalesce(l.default_code, ''), l.product_id
limit $4::int
