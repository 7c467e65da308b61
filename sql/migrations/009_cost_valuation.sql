-- What Odoo values and books for a standard price change, per rollup line (valuation captures):
--   valued_qty            the quantity Odoo revalues: quantity_svl on 17/18 (its valuation layers;
--                         quants without layers are not revalued), qty_available on 19
--   stock_value_before    value_svl (17/18) / total_value (19) when the rollup read it
--   revaluation_impact    (existing column) now the PREDICTED booking: 17/18 round(new × quantity_svl
--                         - value_svl), no layer without valued quantity; 19 new × qty - total_value
--   booked_revaluation    what Odoo booked when cost-load wrote the price: the layers' value (17/18),
--                         total_value after - before (19); null until written
alter table cost_rollup_lines
  add column valued_qty numeric,
  add column stock_value_before numeric,
  add column booked_revaluation numeric;
