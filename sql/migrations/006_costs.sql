-- Costs: component cost updates dropped in the inbox (batch kind `cost_update`), the staged
-- standard-cost rollup (batch kind `cost_rollup`: one line per product, the problems the rollup
-- found) and what Odoo recorded when cost-load wrote the new standard prices.

-- One row per line of a cost update file, costs converted to the company currency and the
-- product's unit on the way in. `cost` is null when that was not possible (unknown product, unit
-- or currency without a rate): the batch's checkpoints report it and reject the file.
create table cost_update_lines (
  batch_id       bigint not null references batches(id) on delete cascade,
  line_no        integer not null,
  product_code   text not null,
  product_id     bigint,                 -- resolved against md_products at staging time
  source_cost    numeric not null,       -- as in the file
  currency       text,                   -- as in the file (upper case); null: the company currency
  rate           numeric,                -- company currency per unit of `currency` (1 for the company's own)
  source_unit    text,                   -- the unit the cost is per, when the file says
  cost           numeric,                -- company currency per product unit
  valid_from     date not null,
  source_ref     text not null,          -- file line ("12") or cell ("Sheet1!B12")
  primary key (batch_id, line_no)
);
create index cost_update_lines_product_idx on cost_update_lines (product_id, valid_from desc, batch_id desc);

-- The rollup of one cost_rollup batch: every product with a BoM (manufactured or kit) and every
-- component whose cost came from an update file. Money is in the company currency, per product unit.
--   material_cost / operation_cost / overhead_cost   this level: components at their cost
--       (sub-assemblies at their rolled-up cost, kits exploded), this BoM's operations, overhead
--   material_rolled / operation_rolled / overhead_rolled   through all levels below: purchased
--       material, operations and overhead of every level (their sum equals new_cost up to the
--       rounding of sub-assembly prices)
--   new_cost   rounded to the price precision, as Odoo stores it; parents use the rounded price
create table cost_rollup_lines (
  batch_id            bigint not null references batches(id) on delete cascade,
  product_id          bigint not null,
  default_code        text,
  name                text,
  categ_id            bigint,
  categ_name          text,
  cost_method         text,
  valuation           text,
  uom_id              bigint,
  kind                text not null check (kind in ('manufactured', 'kit', 'component')),
  level               integer,            -- 0: made from bought components only; n: n levels of sub-assemblies below
  bom_id              bigint,
  bom_code            text,
  bom_qty             numeric,
  material_cost       numeric,
  purchased_material  numeric,            -- the purchased part of material_cost (overhead base)
  operation_cost      numeric,
  overhead_pct        numeric,
  overhead_cost       numeric,
  material_rolled     numeric,
  operation_rolled    numeric,
  overhead_rolled     numeric,
  new_cost            numeric,            -- null: could not be costed (see note)
  current_cost        numeric,            -- standard_price in the master data snapshot
  delta               numeric,
  delta_pct           numeric,
  qty_on_hand         numeric,            -- read from Odoo at rollup time (null: not read)
  revaluation_impact  numeric,            -- qty_on_hand x delta (standard-cost, stocked products)
  update_batch_id     bigint,             -- component rows: the cost update batch the cost came from
  writable            boolean not null,   -- standard cost: cost-load writes it
  note                text,
  -- filled by cost-load
  load_status         text check (load_status in ('written', 'unchanged', 'not_standard', 'not_costed', 'failed')),
  odoo_price_before   numeric,
  loaded_at           timestamptz,
  primary key (batch_id, product_id)
);

-- What the rollup could not do, per batch: cycle edges, missing costs, unit and operation
-- problems. The checkpoints count and list them.
create table cost_rollup_problems (
  id            bigserial primary key,
  batch_id      bigint not null references batches(id) on delete cascade,
  kind          text not null,          -- cycle_edge, kit_cycle, missing_cost, unit, operation, unknown_component
  product_id    bigint,                 -- the product whose BoM has the problem
  component_id  bigint,
  bom_id        bigint,
  line_id       bigint,
  detail        jsonb not null default '{}'
);
create index cost_rollup_problems_batch_idx on cost_rollup_problems (batch_id, kind);

-- What Odoo recorded for the price writes of a batch: stock valuation layers (Odoo 17/18),
-- product.value records (19), their journal entries, and the optional summary journal entry.
create table cost_valuation_records (
  id               bigserial primary key,
  batch_id         bigint not null references batches(id) on delete cascade,
  run_id           bigint references job_runs(id) on delete set null,
  product_id       bigint,
  odoo_model       text not null,
  odoo_id          bigint not null,
  value            numeric,
  quantity         numeric,
  account_move_id  bigint,
  description      text,
  recorded_at      timestamptz not null default now(),
  unique (odoo_model, odoo_id)
);
create index cost_valuation_records_batch_idx on cost_valuation_records (batch_id);
