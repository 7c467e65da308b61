-- The problems the rollup recorded for a batch, with the product codes a person recognises.
-- $1 batch id.
select p.kind, p.product_id, coalesce(pp.default_code, '#' || p.product_id) as product,
       p.component_id, coalesce(cp.default_code, '#' || p.component_id) as component, p.bom_id, p.line_id, p.detail
from cost_rollup_problems p
left join md_products pp on pp.odoo_id = p.product_id
left join md_products cp on cp.odoo_id = p.component_id
where p.batch_id = $1::bigint
order by p.id
