-- Master data snapshot (filled by masterdata-sync, or by the demo's sample) and staged forecast
-- lines. Units are stored normalised: `ref_ratio` = how many reference units one unit holds,
-- within the conversion group `ref_group` (Odoo 18: the uom category; Odoo 19: the root unit),
-- so conversions are the same arithmetic whichever Odoo version the snapshot came from.

create table md_uoms (
  odoo_id     bigint primary key,
  name        text not null,
  ref_group   text not null,
  ref_ratio   numeric not null check (ref_ratio > 0),
  rounding    numeric,
  active      boolean not null default true,
  synced_at   timestamptz not null default now()
);
-- not unique: Odoo allows the same name (or code) in several companies; staging picks one
create index md_uoms_name_idx on md_uoms (lower(name)) where active;

create table md_products (
  odoo_id        bigint primary key,
  default_code   text,
  name           text not null,
  uom_id         bigint references md_uoms(odoo_id),
  categ_id       bigint,
  categ_name     text,
  cost_method    text,
  valuation      text,
  is_storable    boolean,
  standard_price numeric,
  company_id     bigint,
  active         boolean not null default true,
  write_date     timestamptz,
  synced_at      timestamptz not null default now()
);
create index md_products_code_idx on md_products (default_code) where active and default_code is not null;

create table md_warehouses (
  odoo_id       bigint primary key,
  code          text not null,
  name          text not null,
  lot_stock_id  bigint,
  company_id    bigint,
  active        boolean not null default true,
  synced_at     timestamptz not null default now()
);
create index md_warehouses_code_idx on md_warehouses (lower(code)) where active;

create table md_locations (
  odoo_id        bigint primary key,
  complete_name  text not null,
  barcode        text,
  usage          text,
  warehouse_id   bigint,
  active         boolean not null default true,
  synced_at      timestamptz not null default now()
);

-- One row per (product, warehouse, period) of a forecast version, quantities in the product's unit.
-- Built for bulk staging (a million lines a file): no foreign key and no per-row index to maintain;
-- a version's lines are inserted together, so a BRIN index on batch_id finds them cheaply. Lines
-- are only ever written by the import, in the transaction that creates their batch.
create table forecast_lines (
  batch_id         bigint not null,
  line_no          integer not null,
  product_code     text not null,
  product_id       bigint,             -- resolved against md_products at staging time
  warehouse_code   text not null,
  warehouse_id     bigint,
  period_start     date not null,
  quantity         numeric,            -- in the product's unit; null when the unit could not be converted
  source_quantity  numeric not null,
  source_unit      text,
  source_ref       text not null       -- file line ("12") or cell ("Sheet1!D12")
);
create index forecast_lines_batch_idx on forecast_lines using brin (batch_id) with (pages_per_range = 16, autosummarize = on);

-- Row-level problems of a batch as a planner reads them (capped per batch; the total is in the
-- batch stats). Kept so the error report can be rebuilt, e.g. after a crash before it was written.
create table batch_row_errors (
  batch_id  bigint not null references batches(id) on delete cascade,
  seq       integer not null,
  ref       text not null,      -- file line ("12") or cell ("Sheet1!D12"); "-" for the whole file
  col       text not null,
  value     text not null,
  message   text not null,
  primary key (batch_id, seq)
);
