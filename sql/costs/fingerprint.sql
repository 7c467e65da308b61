-- A fingerprint of what a rollup decided: per product its new cost, current cost and BoM.
-- Two batches with the same fingerprint would ask finance the same question. $1 batch id.
select md5(coalesce(string_agg(product_id || ':' || coalesce(new_cost::text, '-') || ':' || coalesce(current_cost::text, '-') || ':' || coalesce(bom_id::text, '-'),
                               ',' order by product_id), '')) as fp
from cost_rollup_lines
where batch_id = $1::bigint
