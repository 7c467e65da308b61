-- Upserts one page of BoM lines (components) from masterdata-sync.
-- One array parameter per column, in this order:
--   odoo_id, bom_id, product_id, product_qty, uom_id, sequence, operation_id, active,
--   write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::numeric[], $5::bigint[], $6::integer[], $7::bigint[], $8::boolean[], $9::timestamptz[])
    as i(odoo_id, bom_id, product_id, product_qty, uom_id, sequence, operation_id, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_bom_lines t join input using (odoo_id)
),
up as (
  insert into md_bom_lines as t (odoo_id, bom_id, product_id, product_qty, uom_id, sequence, operation_id, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.bom_id, i.product_id, i.product_qty, i.uom_id, i.sequence, i.operation_id, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    bom_id = excluded.bom_id,
    product_id = excluded.product_id,
    product_qty = excluded.product_qty,
    uom_id = excluded.uom_id,
    sequence = excluded.sequence,
    operation_id = excluded.operation_id,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.bom_id, t.product_id, t.product_qty, t.uom_id, t.sequence, t.operation_id, t.active, t.write_date) is distinct from (excluded.bom_id, excluded.product_id, excluded.product_qty, excluded.uom_id, excluded.sequence, excluded.operation_id, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
