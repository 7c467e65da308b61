-- After cost-load wrote standard prices, the snapshot holds what Odoo holds now (until the next
-- masterdata-sync reads it again). $1 product ids, $2 prices.
update md_products p set standard_price = x.price
from unnest($1::bigint[], $2::numeric[]) as x(id, price)
where p.odoo_id = x.id
