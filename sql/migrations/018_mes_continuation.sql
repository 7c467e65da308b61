-- MES link (#14): a partially completed order closed with a backorder continues the same
-- OperationsRequest. Odoo renames the order (WH/MO/00008 -> WH/MO/00008-001, done) and makes the
-- rest a new order (WH/MO/00008-002) in the same group; the MES keeps the request ID WH/MO/00008.
-- The release row stays keyed by the request ID; mo_id moves to the order that now carries it.

alter table mes_releases
  add column previous_mo_ids bigint[] not null default '{}',  -- orders that carried the request before (closed parts), oldest first
  add column continued_name text,                             -- Odoo's name of mo_id when it is a backorder (WH/MO/00008-002)
  add column continued_qty numeric,                           -- quantity of mo_id while the content last sent is of an earlier order
  -- work order id -> name of the earlier orders: the MES may still name a segment by an id it was
  -- sent before the Change; it is taken as the backorder's work order of the same name
  add column previous_work_orders jsonb not null default '{}';

-- the order a report line posts on (taken from the release when its posting starts, then kept):
-- quantities written to Odoo and checked are per order, not per request
alter table mes_report_lines add column mo_id bigint;
update mes_report_lines l
set mo_id = r.mo_id
from mes_releases r
where r.mo_name = l.mo_name and l.result <> '{}'::jsonb;
create index mes_report_lines_mo_id_idx on mes_report_lines (mo_id) where mo_id is not null;
