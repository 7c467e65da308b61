-- Lineage of one file batch, line by line (one page): each staged line with where it went (every
-- ledger row naming it: model, record, operation, batch, run) and what was said about it (Odoo
-- or the load refused it, the supplier and count loads' own outcomes), plus the file's row errors
-- that never became a staged line. Used by load/odoo-ledger/lineage.ts.
-- $1 batch id, $2 first line_no of the page (exclusive), $3 page size
with staged as (
  select s.line_no, s.source_ref
  from lineage_staged_lines s
  where s.batch_id = $1::bigint and s.line_no > $2::int
  order by s.line_no
  limit $3::int
),
page as (
  select min(line_no) as lo, max(line_no) as hi from staged
),
went as (
  select x.line_no,
         json_agg(json_build_object('model', l.odoo_model, 'id', l.odoo_id, 'operation', l.operation,
                                    'batchId', l.batch_id, 'runId', l.run_id, 'at', l.loaded_at,
                                    'lines', cardinality(l.source_lines))
                  order by l.id) as went
  from load_ledger l
  cross join lateral unnest(l.source_lines) as x(line_no)
  cross join page
  where l.source_batch_id = $1::bigint and x.line_no between page.lo and page.hi
  group by x.line_no
),
refused as (
  select x.line_no, json_agg(distinct e.odoo_model || ': ' || e.message) as refused
  from load_row_errors e
  cross join lateral unnest(e.source_lines) as x(line_no)
  cross join page
  where e.batch_id = $1::bigint and x.line_no between page.lo and page.hi
    -- the errors of the batch's last load only (a rerun that fixed them has none)
    and e.run_id is not distinct from (select (stats->'load'->>'runId')::bigint from batches where id = $1::bigint)
  group by x.line_no
),
supplier as (
  select distinct on (r.line_no, r.action) r.line_no, r.action, r.outcome, r.message
  from supplier_load_results r cross join page
  where r.batch_id = $1::bigint and r.line_no between page.lo and page.hi
  order by r.line_no, r.action, r.id desc
),
supplier_said as (
  select line_no, json_agg(action || ' ' || outcome || case when message <> '' then ': ' || message else '' end) as said
  from supplier group by line_no
),
counted as (
  select c.line_no, a.status || coalesce(': ' || a.reason, '') as said
  from inventory_count_lines c
  join inventory_adjustments a
    on a.batch_id = c.batch_id and a.location_id = c.location_id and a.product_id = c.product_id
   and a.lot_name = coalesce(c.lot_name, '')
  cross join page
  where c.batch_id = $1::bigint and c.line_no between page.lo and page.hi
)
select s.line_no, s.source_ref,
       coalesce(w.went, '[]'::json) as went,
       coalesce(r.refused, '[]'::json) as refused,
       coalesce(sp.said, '[]'::json) as supplier,
       c.said as counted
from staged s
left join went w on w.line_no = s.line_no
left join refused r on r.line_no = s.line_no
left join supplier_said sp on sp.line_no = s.line_no
left join counted c on c.line_no = s.line_no
order by s.line_no;
