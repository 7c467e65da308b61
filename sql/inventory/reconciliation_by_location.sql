-- The Summary sheet's table: per location and product category, lines, matches, discrepancies,
-- moved lines and the value impact of the discrepancies. $1 reconciliation id.
-- Grouped first (a few thousand groups, hashed), then only the groups sorted by name: sorting all
-- lines by their location name in the database's collation cost twice as much.
select location_name, category, lines, matched, discrepancies, moved, value_impact_abs, value_impact_net
from (
  select location_name collate "C"                                             as location_name,
         coalesce(category, '(no category)')                                   as category,
         count(*)::int                                                         as lines,
         count(*) filter (where class = 'match')::int                          as matched,
         count(*) filter (where is_discrepancy)::int                           as discrepancies,
         count(*) filter (where moved_since_count)::int                        as moved,
         coalesce(sum(abs(value_impact)) filter (where is_discrepancy), 0)::float8 as value_impact_abs,
         coalesce(sum(value_impact) filter (where is_discrepancy), 0)::float8  as value_impact_net
  from inventory_reconciliation_lines
  where reconciliation_id = $1
  group by 1, 2
) g
order by location_name collate "default", category
