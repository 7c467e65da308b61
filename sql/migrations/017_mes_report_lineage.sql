-- Lineage of MES production reports (#14 item 5): the lines of mes_report files join the staged
-- lines lineage reads (016's view), each named by its place in the file: the OperationsResponse
-- and its MES transaction id. mes-load's ledger rows carry source_batch_id and source_lines.
create or replace view lineage_staged_lines as
  select batch_id, line_no, source_ref from forecast_lines
  union all
  select batch_id, line_no, source_ref from cost_update_lines
  union all
  select batch_id, line_no, source_ref from inventory_count_lines
  union all
  select batch_id, line_no, source_ref from supplier_confirmation_lines
  union all
  select q.batch_id, x.line_no, x.source_ref
  from quality_events q
  cross join lateral unnest(q.source_lines, q.source_refs) as x(line_no, source_ref)
  where q.batch_id is not null
  union all
  select batch_id, line_no, 'OperationsResponse ' || line_no || ' (ID ' || transaction_id || ')' from mes_report_lines;
