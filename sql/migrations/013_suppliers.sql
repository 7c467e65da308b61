-- The supplier pipeline: what was sent to suppliers (PO lines per export), the lines of the
-- confirmation / ASN files they send back, what supplier-load did with each file line, and the
-- shortages already alerted.

-- The last state of each purchase order line as it was sent to its supplier: the next export
-- marks a line new (not here), changed (another hash), received (in full since) or cancelled
-- (gone from the confirmed orders); `cancelled` = closed, sent for the last time.
create table supplier_export_lines (
  po_line_id     bigint primary key,
  partner_id     bigint not null,
  supplier_code  text not null,
  po_name        text not null,
  line_no        integer not null,
  payload_hash   text not null,
  qty_received   numeric not null default 0, -- what Odoo had received when the file was made
  cancelled      boolean not null default false,
  exported_at    timestamptz not null default now(),
  run_id         bigint references job_runs(id) on delete set null
);
create index supplier_export_lines_partner_idx on supplier_export_lines (partner_id);

-- One row per usable line of a supplier file, matched to its purchase order line at import.
create table supplier_confirmation_lines (
  batch_id         bigint not null references batches(id) on delete cascade,
  line_no          integer not null,
  source_ref       text not null,          -- file line ("12") or "Sheet!12"
  po_name          text not null,
  po_line_ref      text,                   -- the line as the file gives it (number, id or product)
  product_code     text,                   -- our code or the supplier's
  po_line_id       bigint,                 -- null: no such line
  product_id       bigint,
  tracking         text,
  ordered_qty      numeric,                -- in the line's unit
  qty_received     numeric,                -- at export (else at import): "received since" is measured from it
  requested_date   timestamp,              -- the line's date_planned at import (UTC)
  unit             text,
  unit_factor      numeric,                -- file unit → line unit
  confirmed_qty    numeric,                -- in the line's unit
  confirmed_date   date,
  shipped_qty      numeric,                -- in the line's unit
  ship_date        date,
  lot              text,
  supplier_ref     text,
  primary key (batch_id, line_no)
);
create index supplier_confirmation_lines_po_line_idx on supplier_confirmation_lines (po_line_id);

-- What supplier-load did with each file line (one row per line and run that decided it):
-- written, unchanged (Odoo already had it), conflict (received since the file was made), failed.
create table supplier_load_results (
  id          bigserial primary key,
  batch_id    bigint not null references batches(id) on delete cascade,
  line_no     integer not null,
  run_id      bigint references job_runs(id) on delete set null,
  action      text not null check (action in ('date', 'asn')),
  outcome     text not null check (outcome in ('written', 'unchanged', 'conflict', 'failed')),
  message     text not null default '',
  created_at  timestamptz not null default now()
);
create index supplier_load_results_batch_idx on supplier_load_results (batch_id, line_no);

-- Shortages already sent in an alert: a (product, week) is alerted once.
create table supplier_shortage_alerts (
  product_id  bigint not null,
  week_start  date not null,
  alerted_at  timestamptz not null default now(),
  run_id      bigint references job_runs(id) on delete set null,
  primary key (product_id, week_start)
);
