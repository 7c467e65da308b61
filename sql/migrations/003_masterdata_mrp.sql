-- Master data snapshot, part 2 (filled by masterdata-sync): product categories, manufacturing
-- master data (BoMs, their lines and operations, workcenters, productivity loss reasons), the
-- columns 002's tables lacked, and the sync state (write_date watermark per Odoo model).
--
-- Every md_ table follows the same rules:
--   odoo_id     the record's database id in Odoo
--   active      false when the record is archived in Odoo, or gone from it (then deleted_at is set)
--   deleted_at  when a full refresh (or the refresh of its parent) no longer found the record in Odoo
--   write_date  Odoo's write_date of the record (UTC)
--   synced_at   when the row last changed in staging
-- Ids pointing at other Odoo records are plain bigints without foreign keys: Odoo is the
-- authority, and a company filter (MFG_ETL_ODOO_COMPANY) may leave a reference out of the snapshot.

alter table md_uoms
  add column ref_uom_id       bigint,      -- the reference unit (18: uom_type reference of the category; 19: the root unit)
  add column category_id      bigint,      -- Odoo 18 and older: uom.category
  add column relative_uom_id  bigint,      -- Odoo 19 and newer: the unit this one is defined on
  add column relative_factor  numeric,     -- Odoo 19 and newer: how many relative_uom_id one unit holds
  add column write_date       timestamptz,
  add column deleted_at       timestamptz;

alter table md_products
  add column product_tmpl_id  bigint,
  add column type             text,        -- consu / service / combo (Odoo <= 17 also 'product' = storable)
  add column tracking         text,        -- none / lot / serial
  add column uom_po_id        bigint,      -- purchase unit; Odoo 19 has none (null)
  add column produce_delay    numeric,     -- manufacturing lead time in days, Odoo <= 16 only (17+: on the BoM)
  add column deleted_at       timestamptz;
comment on column md_products.valuation is 'periodic or real_time (Odoo 18''s manual_periodic is stored as periodic)';
create index md_products_tmpl_idx on md_products (product_tmpl_id);

alter table md_warehouses
  add column view_location_id bigint,
  add column write_date       timestamptz,
  add column deleted_at       timestamptz;

alter table md_locations
  add column name             text,
  add column parent_id        bigint,
  add column company_id       bigint,
  add column write_date       timestamptz,
  add column deleted_at       timestamptz;

create table md_product_categories (
  odoo_id        bigint primary key,
  name           text not null,
  complete_name  text,
  parent_id      bigint,
  cost_method    text,                      -- standard / fifo / average
  valuation      text,                      -- periodic / real_time
  active         boolean not null default true,
  deleted_at     timestamptz,
  write_date     timestamptz,
  synced_at      timestamptz not null default now()
);

create table md_workcenters (
  odoo_id           bigint primary key,
  name              text not null,
  code              text,
  sequence          integer,
  costs_hour        numeric,                -- cost per hour, company currency
  time_efficiency   numeric,                -- percent
  default_capacity  numeric,
  time_start        numeric,                -- setup minutes
  time_stop         numeric,                -- cleanup minutes
  oee_target        numeric,
  calendar_id       bigint,                 -- resource.calendar
  calendar_name     text,
  company_id        bigint,
  active            boolean not null default true,
  deleted_at        timestamptz,
  write_date        timestamptz,
  synced_at         timestamptz not null default now()
);

create table md_loss_reasons (
  odoo_id       bigint primary key,
  name          text not null,
  loss_type_id  bigint,                     -- mrp.workcenter.productivity.loss.type
  loss_type     text,                       -- availability / performance / quality / productive
  manual        boolean,                    -- a blocking reason an operator can pick
  sequence      integer,
  active        boolean not null default true,
  deleted_at    timestamptz,
  write_date    timestamptz,
  synced_at     timestamptz not null default now()
);

create table md_boms (
  odoo_id             bigint primary key,
  code                text,
  type                text not null,        -- normal / phantom (kit)
  is_kit              boolean not null,
  product_tmpl_id     bigint,
  product_id          bigint,               -- null: the BoM applies to every variant of the template
  product_qty         numeric,
  uom_id              bigint,
  sequence            integer,
  company_id          bigint,
  produce_delay       numeric,              -- manufacturing lead time in days (Odoo 17+)
  days_to_prepare_mo  numeric,              -- days to prepare the MO (Odoo 17+)
  active              boolean not null default true,
  deleted_at          timestamptz,
  write_date          timestamptz,
  synced_at           timestamptz not null default now()
);
create index md_boms_tmpl_idx on md_boms (product_tmpl_id);

create table md_bom_lines (
  odoo_id       bigint primary key,
  bom_id        bigint not null,
  product_id    bigint,
  product_qty   numeric,
  uom_id        bigint,
  sequence      integer,
  operation_id  bigint,                     -- consumed in this operation (md_bom_operations)
  active        boolean not null default true,
  deleted_at    timestamptz,
  write_date    timestamptz,
  synced_at     timestamptz not null default now()
);
create index md_bom_lines_bom_idx on md_bom_lines (bom_id);

create table md_bom_operations (
  odoo_id            bigint primary key,
  bom_id             bigint not null,
  name               text not null,
  workcenter_id      bigint,
  sequence           integer,
  time_mode          text,                  -- auto / manual
  time_mode_batch    integer,
  time_cycle_manual  numeric,               -- minutes
  time_cycle         numeric,               -- minutes (computed by Odoo)
  company_id         bigint,
  active             boolean not null default true,
  deleted_at         timestamptz,
  write_date         timestamptz,
  synced_at          timestamptz not null default now()
);
create index md_bom_operations_bom_idx on md_bom_operations (bom_id);

-- One row per Odoo model masterdata-sync reads. The watermark moves in the same transaction as
-- the staged rows, so it never gets ahead of what staging holds.
create table md_sync_state (
  model          text primary key,           -- Odoo model, e.g. product.product
  watermark      timestamptz,                -- highest write_date seen (UTC)
  last_full_at   timestamptz,                -- last complete read (archived included, deletions marked)
  last_sync_at   timestamptz not null default now(),
  last_run_id    bigint,
  last_stats     jsonb not null default '{}'
);

-- Marks rows of an md_ table that Odoo no longer has: every row not in `seen` (optionally only
-- among rows whose `parent_col` is in `parents`) becomes inactive with deleted_at set. With
-- apply = false it only counts them (dry run). Answers the number of rows.
create function md_mark_missing(tbl regclass, seen bigint[], parent_col text, parents bigint[], apply boolean)
returns integer
language plpgsql
as $$
declare
  n integer;
  scope text := case when parent_col is null then '' else format(' and %I = any($2)', parent_col) end;
begin
  if apply then
    execute format('update %s set active = false, deleted_at = now(), synced_at = now()
                    where deleted_at is null and not (odoo_id = any($1))%s', tbl, scope)
      using seen, parents;
    get diagnostics n = row_count;
  else
    execute format('select count(*)::int from %s where deleted_at is null and not (odoo_id = any($1))%s', tbl, scope)
      into n using seen, parents;
  end if;
  return n;
end
$$;
