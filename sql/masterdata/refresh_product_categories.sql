-- After the categories were synced: products take their category's current name, costing method
-- and valuation (a category change does not touch the products' write_date in Odoo, so the
-- incremental product read would not bring them). Answers the rows changed.
with changed as (
  update md_products p
  set categ_name = c.complete_name,
      cost_method = coalesce(c.cost_method, p.cost_method),
      valuation = coalesce(c.valuation, p.valuation),
      synced_at = now()
  from md_product_categories c
  where c.odoo_id = p.categ_id
    and (p.categ_name, p.cost_method, p.valuation)
        is distinct from (c.complete_name, coalesce(c.cost_method, p.cost_method), coalesce(c.valuation, p.valuation))
  returning p.odoo_id
)
select count(*)::int as updated from changed;
