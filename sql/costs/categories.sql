-- Product categories of the snapshot for the overhead settings: md_product_categories, plus the
-- categories only products name (master data loaded without categories).
select odoo_id as id, name, complete_name, parent_id
from md_product_categories
where deleted_at is null
union all
select x.categ_id, x.categ_name, x.categ_name, null::bigint
from (select distinct on (categ_id) categ_id, categ_name
      from md_products
      where categ_id is not null and not exists (select 1 from md_product_categories c where c.odoo_id = md_products.categ_id)
      order by categ_id, categ_name) x
