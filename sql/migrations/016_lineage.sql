-- Lineage (#14 item 5): which file line put each Odoo record there, for every pipeline that
-- writes to Odoo. The load ledger (one row per write) says which batch and run wrote a record;
-- from this migration on it also says which staged lines of which batch the write came from.
--
--   source_batch_id  the batch whose file holds the lines: the written batch itself, or another
--                    one (a standard price written by a cost_rollup batch comes from a line of a
--                    cost_update file); null: no file behind the write (historian: the source is
--                    OPC UA tags over a time range, see batches.source), or written before 016
--   source_lines     line_no of the pipeline's staged line table (forecast_lines,
--                    cost_update_lines, inventory_count_lines, supplier_confirmation_lines, …);
--                    several when one Odoo record sums several lines (an MPS schedule of all its
--                    periods, a forecast cell counted twice, a quant counted on several lines);
--                    '{}' when the write comes from the absence of a line (a period a newer
--                    forecast version dropped is zeroed); null: not recorded (before 016)
-- load_row_errors gets the same column, so a line Odoo refused says so in a file's lineage.
alter table load_ledger add column source_batch_id bigint references batches(id) on delete set null;
alter table load_ledger add column source_lines integer[];
alter table load_row_errors add column source_lines integer[];
-- quality events from a file: the file lines that make the event (a hold over several lots is
-- one event from several lines), numbered by their row, with their place in the file; an
-- event over HTTP has none (its source says which client sent it)
alter table quality_events add column source_lines integer[];
alter table quality_events add column source_refs text[];

-- every write of one Odoo record, newest first
create index load_ledger_record_idx on load_ledger (odoo_model, odoo_id, id desc) where odoo_id is not null;
-- every write that came from one file's lines
create index load_ledger_source_batch_idx on load_ledger (source_batch_id) where source_batch_id is not null;
-- a file found by its content (batches_source_once_idx leads with kind)
create index batches_source_sha256_idx on batches (source_sha256) where source_sha256 is not null;

-- The staged lines of every file-fed batch with their place in the file ("12", "Sheet1!D12"):
-- what a line number in the ledger is shown as. A pipeline with its own line table adds it here
-- with `create or replace view` in its own migration (the columns stay these three).
create view lineage_staged_lines as
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
  where q.batch_id is not null;
