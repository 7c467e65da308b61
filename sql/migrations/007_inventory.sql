-- Inventory: warehouse counts (batches of kind inventory_count), snapshots of Odoo's stock.quant,
-- reconciliation runs with their lines (kept for history and for the comparison with the previous
-- run), and the inventory-adjust ledger (what was written to Odoo for which count line).

-- One row per counted (location, product, lot) of a count file, quantities in the product's unit.
create table inventory_count_lines (
  batch_id         bigint not null references batches(id) on delete cascade,
  line_no          integer not null,
  location_text    text not null,        -- as in the file: barcode, full name or name
  warehouse_code   text,                 -- as in the file (warehouse column or file-name pattern), if any
  location_id      bigint,               -- resolved against md_locations (internal, active) at staging time
  warehouse_id     bigint,               -- the location's warehouse
  product_code     text not null,
  product_id       bigint,
  lot_name         text,                 -- null: no lot
  quantity         numeric,              -- in the product's unit; null when the unit could not be converted
  source_quantity  numeric not null,
  source_unit      text,
  counted_at       timestamptz not null, -- the line's count time, or the file's when the file has none
  source_ref       text not null,        -- file line ("12") or row ("Counts!12")
  primary key (batch_id, line_no)
);
create index inventory_count_lines_key_idx on inventory_count_lines (batch_id, location_id, product_id, lot_name);

-- A read of Odoo's quants for one warehouse (internal locations), page by page.
create table inventory_snapshots (
  id             bigserial primary key,
  warehouse_id   bigint not null,
  warehouse_code text not null,
  purpose        text not null check (purpose in ('reconciliation', 'adjust')),
  taken_at       timestamptz not null,      -- when the read started: the snapshot time
  finished_at    timestamptz,               -- null: the read did not finish (not used)
  source         text,                      -- where from: Odoo URL and database, or "staging" (demo, bench)
  quants         integer not null default 0,
  run_id         bigint references job_runs(id) on delete set null
);
create index inventory_snapshots_wh_idx on inventory_snapshots (warehouse_id, id desc);

-- No foreign key to inventory_snapshots: a snapshot holds hundreds of thousands of quants, and the
-- per-row key check costs seconds on every read; snapshots are written and read by one module.
create table inventory_quants (
  snapshot_id        bigint not null,
  quant_id           bigint not null,
  product_id         bigint not null,
  product_name       text,               -- Odoo's display name, for products the master data does not know yet
  location_id        bigint not null,
  location_name      text,
  lot_id             bigint,
  lot_name           text,
  quantity           numeric not null,   -- in the product's unit
  reserved_quantity  numeric,
  uom_id             bigint,
  uom_name           text,
  in_date            timestamptz,
  write_date         timestamptz,        -- the quant last changed in Odoo (moves, reservations, counts)
  inventory_quantity numeric,            -- a count recorded in Odoo, if any
  inventory_quantity_set boolean,
  primary key (snapshot_id, quant_id)
);

-- One reconciliation of a warehouse: which count against which snapshot, the settings used, the
-- figures, the previous run it was compared with, and the report files.
create table inventory_reconciliations (
  id              bigserial primary key,
  run_id          bigint references job_runs(id) on delete set null,
  warehouse_id    bigint not null,
  warehouse_code  text not null,
  kind            text not null check (kind in ('daily', 'month_end')),
  count_batch_id  bigint not null references batches(id),
  snapshot_id     bigint not null references inventory_snapshots(id),
  previous_id     bigint references inventory_reconciliations(id) on delete set null,
  coverage        text not null check (coverage in ('warehouse', 'counted_locations')),
  settings        jsonb not null default '{}',   -- tolerances, currency
  totals          jsonb not null default '{}',   -- lines, matched, discrepancies, value impact, comparison
  report_xlsx     text,
  report_csv      text,
  status          text not null default 'matching' check (status in ('matching', 'done')),
  created_at      timestamptz not null default now(),
  finished_at     timestamptz
);
create index inventory_reconciliations_wh_idx on inventory_reconciliations (warehouse_id, id desc);

-- One row per (location, product, lot) seen on either side. difference = counted - odoo, in the
-- product's unit; value_impact = difference × standard price. A discrepancy is a line that is not a
-- match and whose stock did not move after its count (moved lines are flagged, not counted).
-- No foreign key to inventory_reconciliations, for the same reason as inventory_quants (303,000
-- key checks took 3.7 s of a 15 s matching); lines are only written by the matching statement.
create table inventory_reconciliation_lines (
  reconciliation_id  bigint not null,
  line_no            integer not null,          -- report order: location, product, lot
  disc_no            integer,                   -- order in the Discrepancies sheet (largest value first)
  line_key           text not null,             -- "location:product:lot" (or the file's texts when unresolved)
  location_id        bigint,
  location_name      text not null,
  product_id         bigint,
  product_code       text,
  product_name       text,
  categ_id           bigint,
  category           text,
  lot_name           text,
  uom                text,
  odoo_qty           numeric,                   -- null: no quant (missing_in_odoo)
  counted_qty        numeric,                   -- null: not counted (missing_in_wms)
  reserved_qty       numeric,
  difference         numeric not null,
  tolerance_abs      numeric not null,
  tolerance_pct      numeric not null,
  class              text not null check (class in ('match', 'over', 'short', 'missing_in_odoo', 'missing_in_wms')),
  moved_since_count  boolean not null default false,
  is_discrepancy     boolean not null,
  standard_price     numeric,
  value_impact       numeric,
  counted_at         timestamptz,
  odoo_changed_at    timestamptz,               -- latest write_date / in_date of the quants
  quants             integer,                   -- Odoo quants summed in odoo_qty (packages, owners)
  count_refs         text[],                    -- file rows of the count lines
  since_previous     text check (since_previous in ('new', 'persisting', 'resolved')),
  primary key (reconciliation_id, line_no)
);
create index inventory_reconciliation_disc_idx on inventory_reconciliation_lines (reconciliation_id, disc_no) where disc_no is not null;

-- inventory-adjust: one row per count key of a batch, with what happened to it in Odoo. A rerun
-- skips keys already applied, so adjusting twice writes once.
create table inventory_adjustments (
  batch_id      bigint not null references batches(id) on delete cascade,
  location_id   bigint not null,
  product_id    bigint not null,
  lot_name      text not null default '',        -- '' for no lot
  quant_id      bigint,                          -- the quant written (or created)
  odoo_qty      numeric,                         -- on hand before
  counted_qty   numeric not null,
  status        text not null check (status in ('planned', 'written', 'applied', 'unchanged', 'conflict', 'lot_required', 'skipped', 'failed')),
  reason        text,
  run_id        bigint references job_runs(id) on delete set null,
  updated_at    timestamptz not null default now(),
  primary key (batch_id, location_id, product_id, lot_name)
);
