-- Component demand of the approved forecast: for each scope (plant) the newest forecast batch
-- that is approved or loaded, its lines in [$1, $2) exploded one BoM level down (the product's
-- own BoM, else its template's; kits and archived BoMs left out), quantities per the BoM's
-- quantity. Used by load/suppliers/staging.ts.
-- $1 first day, $2 day after the last
with current_versions as (
  select distinct on (b.scope) b.id
  from batches b
  where b.kind = 'forecast' and b.status in ('approved', 'loaded')
  order by b.scope, b.id desc
),
demand as (
  select f.product_id, f.period_start, sum(f.quantity) as qty
  from forecast_lines f
  where f.batch_id in (select id from current_versions)
    and f.product_id is not null and f.quantity is not null
    and f.period_start >= $1::date and f.period_start < $2::date
  group by f.product_id, f.period_start
),
bom_of as (
  select distinct on (p.odoo_id) p.odoo_id as product_id, bo.odoo_id as bom_id, bo.product_qty
  from md_products p
  join md_boms bo on bo.active and bo.deleted_at is null and not bo.is_kit
                 and (bo.product_id = p.odoo_id or (bo.product_id is null and bo.product_tmpl_id = p.product_tmpl_id))
  order by p.odoo_id, (bo.product_id is null), bo.sequence, bo.odoo_id
)
select bl.product_id, d.period_start, sum(d.qty * bl.product_qty / coalesce(nullif(b.product_qty, 0), 1)) as qty
from demand d
join bom_of b on b.product_id = d.product_id
join md_bom_lines bl on bl.bom_id = b.bom_id and bl.active and bl.deleted_at is null
group by bl.product_id, d.period_start
order by bl.product_id, d.period_start;
