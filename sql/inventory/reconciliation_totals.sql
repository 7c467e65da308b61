-- The figures of one reconciliation: lines, matches, discrepancies per class, lines moved since
-- the count, value impact of the discrepancies (absolute and net), and the comparison with the
-- previous run. $1 reconciliation id, $2 previous reconciliation id (or null).
-- One pass over the lines: aggregates with filters (a discrepancy is never of class match).
with cur as (
  select count(*)::int                                                   as lines,
         count(*) filter (where class = 'match')::int                    as matched,
         count(*) filter (where is_discrepancy)::int                     as discrepancies,
         count(*) filter (where moved_since_count)::int                  as moved_since_count,
         jsonb_strip_nulls(jsonb_build_object(
           'over',            nullif(count(*) filter (where is_discrepancy and class = 'over'), 0)::int,
           'short',           nullif(count(*) filter (where is_discrepancy and class = 'short'), 0)::int,
           'missing_in_odoo', nullif(count(*) filter (where is_discrepancy and class = 'missing_in_odoo'), 0)::int,
           'missing_in_wms',  nullif(count(*) filter (where is_discrepancy and class = 'missing_in_wms'), 0)::int
         ))                                                              as by_class,
         coalesce(sum(abs(value_impact)) filter (where is_discrepancy), 0)::float8 as value_impact_abs,
         coalesce(sum(value_impact) filter (where is_discrepancy), 0)::float8      as value_impact_net,
         count(*) filter (where since_previous = 'new')::int             as new_discrepancies,
         count(*) filter (where since_previous = 'persisting')::int      as persisting,
         count(*) filter (where odoo_qty is not null)::int               as odoo_lines,
         count(*) filter (where counted_qty is not null)::int            as counted_lines,
         count(*) filter (where product_id is null or location_id is null)::int as unresolved_lines
  from inventory_reconciliation_lines
  where reconciliation_id = $1
), prev as (
  select line_key from inventory_reconciliation_lines where reconciliation_id = $2 and is_discrepancy
)
select cur.lines, cur.matched, cur.discrepancies, cur.moved_since_count, cur.by_class,
       cur.value_impact_abs, cur.value_impact_net, cur.new_discrepancies, cur.persisting,
       -- a previous discrepancy is resolved when its key is now a match or gone from both sides
       (select count(*) from prev p where not exists (
          select 1 from inventory_reconciliation_lines c
          where c.reconciliation_id = $1 and c.line_key = p.line_key and (c.is_discrepancy or c.moved_since_count)))::int as resolved,
       cur.odoo_lines, cur.counted_lines, cur.unresolved_lines
from cur
