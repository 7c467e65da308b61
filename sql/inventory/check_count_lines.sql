-- Counts, totals and negatives of a staged count batch. $1 batch id.
select count(*)::int                                                   as lines,
       coalesce(sum(source_quantity), 0)::float8                       as total_quantity,
       count(*) filter (where source_quantity < 0)::int                as negative_lines,
       (array_agg(source_ref order by line_no) filter (where source_quantity < 0))[1:10] as negative_examples,
       count(distinct location_text)::int                              as locations,
       count(distinct product_code)::int                               as products,
       to_char(min(counted_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as first_counted_at,
       to_char(max(counted_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as last_counted_at
from inventory_count_lines
where batch_id = $1
