-- Lineage of a rollup's prices: for each product whose cost came from a cost update file, the
-- line of that file the rollup used (rollup.sql's `cost_update`: the newest applicable line of
-- the update batch, valid from on or before the rollup's as-of date). Products made from a BoM
-- have no line: their price is computed.
-- $1 rollup batch id, $2 as-of date
select distinct on (r.product_id) r.product_id, u.batch_id as source_batch_id, u.line_no
from cost_rollup_lines r
join cost_update_lines u on u.batch_id = r.update_batch_id and u.product_id = r.product_id
where r.batch_id = $1::bigint
  and r.update_batch_id is not null
  and u.cost is not null
  and u.valid_from <= $2::date
order by r.product_id, u.valid_from desc, u.line_no desc;
