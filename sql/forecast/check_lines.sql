-- What a planner checks first, and the figures several checkpoints share: counts, totals,
-- negatives, past periods. $1 batch id, $2 start of the current period bucket.
select count(*)::int                                                   as lines,
       coalesce(sum(quantity), 0)::float8                              as total_quantity,
       count(distinct product_code)::int                               as products,
       count(distinct warehouse_code)::int                             as warehouses,
       count(distinct period_start)::int                               as periods,
       to_char(min(period_start), 'YYYY-MM-DD')                        as first_period,
       to_char(max(period_start), 'YYYY-MM-DD')                        as last_period,
       count(*) filter (where source_quantity < 0)::int                as negative_lines,
       (array_agg(source_ref order by line_no) filter (where source_quantity < 0))[1:10] as negative_examples,
       count(distinct period_start) filter (where period_start < $2::date)::int as past_periods,
       count(*) filter (where period_start < $2::date)::int            as past_lines,
       case when count(distinct warehouse_code) = 1 then min(warehouse_code) end as only_warehouse
from forecast_lines
where batch_id = $1
