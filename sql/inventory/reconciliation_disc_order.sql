-- The order of the Discrepancies sheet: largest value impact first, then report order (line_no
-- already sorts by location, product, lot). Numbers only the discrepancies. $1 reconciliation id.
update inventory_reconciliation_lines l
set disc_no = o.n
from (
  select line_no, row_number() over (order by abs(value_impact) desc nulls last, line_no)::int as n
  from inventory_reconciliation_lines
  where reconciliation_id = $1 and is_discrepancy
) o
where l.reconciliation_id = $1 and l.line_no = o.line_no
