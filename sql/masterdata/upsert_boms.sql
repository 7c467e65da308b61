-- Upserts one page of bills of materials from masterdata-sync.
-- One array parameter per column, in this order:
--   odoo_id, code, type, is_kit, product_tmpl_id, product_id, product_qty, uom_id, sequence,
--   company_id, produce_delay, days_to_prepare_mo, active, write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::bigint[], $6::bigint[], $7::numeric[], $8::bigint[], $9::integer[], $10::bigint[], $11::numeric[], $12::numeric[], $13::boolean[], $14::timestamptz[])
    as i(odoo_id, code, type, is_kit, product_tmpl_id, product_id, product_qty, uom_id, sequence, company_id, produce_delay, days_to_prepare_mo, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_boms t join input using (odoo_id)
),
up as (
  insert into md_boms as t (odoo_id, code, type, is_kit, product_tmpl_id, product_id, product_qty, uom_id, sequence, company_id, produce_delay, days_to_prepare_mo, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.code, i.type, i.is_kit, i.product_tmpl_id, i.product_id, i.product_qty, i.uom_id, i.sequence, i.company_id, i.produce_delay, i.days_to_prepare_mo, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    code = excluded.code,
    type = excluded.type,
    is_kit = excluded.is_kit,
    product_tmpl_id = excluded.product_tmpl_id,
    product_id = excluded.product_id,
    product_qty = excluded.product_qty,
    uom_id = excluded.uom_id,
    sequence = excluded.sequence,
    company_id = excluded.company_id,
    produce_delay = excluded.produce_delay,
    days_to_prepare_mo = excluded.days_to_prepare_mo,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.code, t.type, t.is_kit, t.product_tmpl_id, t.product_id, t.product_qty, t.uom_id, t.sequence, t.company_id, t.produce_delay, t.days_to_prepare_mo, t.active, t.write_date) is distinct from (excluded.code, excluded.type, excluded.is_kit, excluded.product_tmpl_id, excluded.product_id, excluded.product_qty, excluded.uom_id, excluded.sequence, excluded.company_id, excluded.produce_delay, excluded.days_to_prepare_mo, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
