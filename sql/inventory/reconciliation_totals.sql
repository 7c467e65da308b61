-- The figures of one reconciliation: lines, matches, discrepancies per class, lines moved since
-- the count, value impact of the discrepancies (absolute and net), and the comparison with the
-- previous run. $1 reconciliation id, $2 previous reconciliation id (or null).
with cur as (
  select * from inventory_reconciliation_lines where reconciliation_id = $1
), prev as (
  select line_key from inventory_reconciliation_lines where reconciliation_id = $2 and is_discrepancy
)
select (select count(*) from cur)::int                                                   as lines,
       (select count(*) from cur where class = 'match')::int                             as matched,
       (select count(*) from cur where is_discrepancy)::int                              as discrepancies,
       (select count(*) from cur where moved_since_count)::int                           as moved_since_count,
       (select coalesce(jsonb_object_agg(class, n), '{}'::jsonb) from
          (select class, count(*)::int as n from cur where is_discrepancy group by class) x) as by_class,
       (select coalesce(sum(abs(value_impact)) filter (where is_discrepancy), 0) from cur)::float8 as value_impact_abs,
       (select coalesce(sum(value_impact) filter (where is_discrepancy), 0) from cur)::float8      as value_impact_net,
       (select count(*) from cur where since_previous = 'new')::int                      as new_discrepancies,
       (select count(*) from cur where since_previous = 'persisting')::int               as persisting,
       -- a previous discrepancy is resolved when its key is now a match or gone from both sides
       (select count(*) from prev p where not exists (
          select 1 from cur c where c.line_key = p.line_key and (c.is_discrepancy or c.moved_since_count)))::int as resolved,
       (select count(*) from cur where odoo_qty is not null)::int                        as odoo_lines,
       (select count(*) from cur where counted_qty is not null)::int                     as counted_lines,
       (select count(*) from cur where product_id is null or location_id is null)::int   as unresolved_lines
