-- MES link (#14), report side: every OperationsResponse of a ProcessOperationsPerformance /
-- SyncOperationsPerformance file is one line of a `mes_report` batch. The MES's own transaction
-- id (the response's ID) is posted to Odoo at most once: one staged line per transaction id, and
-- each posting step is recorded in `result` (and in load_ledger as `<transaction id>:<step>`) so a
-- retry resumes where the last run stopped.

create table mes_report_lines (
  id              bigserial primary key,
  batch_id        bigint not null references batches(id) on delete cascade,
  line_no         integer not null,                 -- the response's position in the file (1-based)
  transaction_id  text not null,                    -- OperationsResponse/ID
  content_hash    text not null,                    -- of `report`: the same id with other content is a conflict
  mo_name         text not null,                    -- OperationsRequestID = mrp.production name
  work_order      text,                             -- SegmentRequirementID of a one-work-order report
  product_code    text,                             -- the produced material (default_code)
  produced_qty    numeric not null default 0,
  unit            text,
  finished_lot    text,
  complete        boolean not null default false,   -- ResponseState Completed / Closed: close the order
  report          jsonb not null,                   -- the parsed response (segments, materials, scrap)
  status          text not null default 'staged'
                  check (status in ('staged', 'posting', 'posted', 'held', 'failed')),
  result          jsonb not null default '{}',      -- per step: what was written (ids), for a resuming retry
  error           text,                             -- why a line is held or failed, with the next step
  posted_at       timestamptz,
  updated_at      timestamptz not null default now(),
  unique (batch_id, line_no)
);
-- one staged line per MES transaction: a rejected file's lines are dropped, so a corrected file may come again
create unique index mes_report_lines_transaction_idx on mes_report_lines (transaction_id);
create index mes_report_lines_mo_idx on mes_report_lines (mo_name, id);
create index mes_report_lines_open_idx on mes_report_lines (batch_id) where status in ('staged', 'posting', 'failed', 'held');
