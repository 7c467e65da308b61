-- What the last master-data snapshot holds, for a masterdata-sync dry run without Odoo:
-- active rows per table and when masterdata-sync last staged anything.
select
  (select count(*) from md_products where active)::int as products,
  (select count(*) from md_warehouses where active)::int as warehouses,
  (select count(*) from md_locations where active)::int as locations,
  (select count(*) from md_boms where active)::int as boms,
  (select count(*) from md_workcenters where active)::int as workcenters,
  (select max(last_sync_at) from md_sync_state) as last_sync_at;
