-- The multi-level standard-cost rollup, bottom-up through the bills of materials, as Odoo's
-- mrp_account computes a BoM cost (product.product._compute_bom_price) applied from the deepest
-- sub-assembly up: per BoM
--   components   Σ line qty (in the component's unit) × component cost
--   operations   Σ (workcenter setup + cleanup minutes + cycle minutes × 100 / efficiency) / 60
--                  × workcenter cost per hour            (setup and cleanup once per BoM)
--   per unit     (components + operations) / BoM quantity (in the product's unit)
-- and, beyond Odoo, overhead = pct of the product's category × (purchased material at this
-- level + operations at this level), see $8. The unit cost is kept as Odoo stores standard_price
-- before a parent uses it: rounded to the price precision $4 (Odoo 17/18: fields_get digits
-- [16, 2]), or unrounded when $4 is null (Odoo 19: digits false; kept to 10 decimals, and a cost
-- within half a millionth of the current price is that price, so Odoo's own figure stays).
--
-- Which BoM: Odoo's mrp.bom._bom_find — active BoMs of the company or shared ($2; all when
-- null), order `sequence, product_id, id`: lowest sequence, then a variant's own BoM before the
-- template's, then the oldest. Kits (phantom BoMs) are exploded into their components and
-- operations at the level that uses them.
--
-- Component costs: the newest applicable cost update (approved cost_update batches, valid from
-- on or before $3), else the snapshot's standard_price. A component without one (null, or 0
-- when $9) is costed at 0 and reported as missing.
--
-- How: `height` (recursive) gives each product its level bottom-up — 0 when it is made from
-- bought components only, else one more than its highest made component — one level per step;
-- products in or above a BoM cycle never get one and are not costed (their edges are written as
-- `cycle_edge` problems: the job finds the cycles among them). `cost_run` (recursive) then costs
-- one level per step from 0 up, carrying every cost known so far in arrays indexed by a number
-- each product gets up front, so a product can use components from any lower level at the
-- price of an array subscript; the new products of a step go to the step's own arrays.
--
-- Writes the batch's cost_rollup_lines (quantity on hand and revaluation impact are set later,
-- from Odoo) and cost_rollup_problems; answers one summary row.
--
-- $1 batch id, $2 company id or null, $3 as-of date, $4 price digits (null: unrounded), $5 max levels,
-- $6 overhead category ids, $7 overhead percents (same order), $8 overhead base
-- ('material_and_operations', 'operations' or 'material'), $9 a zero cost counts as missing
with recursive
uom as (
  select odoo_id, ref_group, ref_ratio from md_uoms
),
bom as materialized (
  select b.odoo_id, b.type, b.code, b.product_qty, b.uom_id, b.sequence, b.product_id, b.product_tmpl_id
  from md_boms b
  where b.active and b.deleted_at is null
    and ($2::bigint is null or b.company_id is null or b.company_id = $2::bigint)
),
candidate as (
  select p.odoo_id as product_id, b.odoo_id as bom_id, b.sequence, false as template_bom
  from md_products p join bom b on b.product_id = p.odoo_id
  where p.active and p.deleted_at is null and coalesce(p.type, 'consu') <> 'service'
  union all
  select p.odoo_id, b.odoo_id, b.sequence, true
  from md_products p join bom b on b.product_id is null and b.product_tmpl_id = p.product_tmpl_id
  where p.active and p.deleted_at is null and coalesce(p.type, 'consu') <> 'service'
),
-- the chosen BoM of each product; output_qty = what one BoM makes, in the product's unit
head as materialized (
  select c.product_id, c.bom_id, b.type = 'phantom' as is_kit, b.code as bom_code, b.product_qty as bom_qty,
         case when bu.odoo_id = pu.odoo_id then b.product_qty else b.product_qty * bu.ref_ratio / pu.ref_ratio end as output_qty,
         case
           when b.product_qty is null or b.product_qty <= 0 then 'bom_qty'
           when pu.odoo_id is null or bu.odoo_id is null then 'unknown_unit'
           when bu.ref_group <> pu.ref_group then 'unit_group'
         end as problem,
         bu.odoo_id as bom_uom_id, pu.odoo_id as product_uom_id
  from (
    select distinct on (product_id) product_id, bom_id
    from candidate
    order by product_id, coalesce(sequence, 0), template_bom, bom_id
  ) c
  join bom b on b.odoo_id = c.bom_id
  join md_products p on p.odoo_id = c.product_id
  left join uom pu on pu.odoo_id = p.uom_id
  left join uom bu on bu.odoo_id = coalesce(b.uom_id, p.uom_id)
),
-- lines of the chosen BoMs; qty = component units per ONE unit of the product (null: problem)
line as materialized (
  select h.product_id as parent_id, h.bom_id, l.odoo_id as line_id, l.product_id as component_id,
         case
           when h.problem is null and cp.odoo_id is not null and lu.ref_group = cu.ref_group and l.product_qty >= 0
             then case when lu.odoo_id = cu.odoo_id then l.product_qty else l.product_qty * lu.ref_ratio / cu.ref_ratio end
                  / h.output_qty
         end as qty,
         case
           when cp.odoo_id is null then 'unknown_component'
           when h.problem is not null then null          -- reported once, on the head
           when lu.odoo_id is null or cu.odoo_id is null then 'unknown_unit'
           when lu.ref_group <> cu.ref_group then 'unit_group'
           when l.product_qty is null or l.product_qty < 0 then 'line_qty'
         end as problem,
         l.uom_id as line_uom_id, cp.uom_id as component_uom_id,
         k.product_id is not null as kit_line
  from head h
  join md_bom_lines l on l.bom_id = h.bom_id and l.active and l.deleted_at is null
  left join md_products cp on cp.odoo_id = l.product_id and cp.deleted_at is null
  left join uom cu on cu.odoo_id = cp.uom_id
  left join uom lu on lu.odoo_id = coalesce(l.uom_id, cp.uom_id)
  left join head k on k.product_id = l.product_id and k.is_kit
),
-- operations of the chosen BoMs, per unit of the product (null: a workcenter is missing or has no efficiency)
operation as materialized (
  select h.product_id, o.odoo_id as operation_id, o.workcenter_id,
         case when w.odoo_id is not null and coalesce(w.time_efficiency, 100) > 0 then
         (coalesce(w.time_start, 0) + coalesce(w.time_stop, 0)
           + case when o.time_mode = 'auto' then coalesce(o.time_cycle, o.time_cycle_manual, 0)
                  else coalesce(o.time_cycle_manual, o.time_cycle, 0) end
             * 100 / nullif(greatest(coalesce(w.time_efficiency, 100), 0), 0)
         ) / 60 * coalesce(w.costs_hour, 0) / h.output_qty end as cost,
         case when w.odoo_id is null then 'unknown_workcenter' when coalesce(w.time_efficiency, 100) <= 0 then 'no_efficiency' end as problem
  from head h
  join md_bom_operations o on o.bom_id = h.bom_id and o.active and o.deleted_at is null
  left join md_workcenters w on w.odoo_id = o.workcenter_id
  where h.problem is null
),
own_ops as materialized (
  select h.product_id,
         case when bool_and(o.cost is not null) or count(o.operation_id) = 0 then coalesce(sum(o.cost), 0) end as cost
  from head h
  left join operation o on o.product_id = h.product_id
  where h.problem is null
  group by h.product_id
),
kit_line as materialized (   -- the lines of kit BoMs
  select l.* from line l join head k on k.product_id = l.parent_id and k.is_kit
),
-- kits exploded: a line whose component is a kit opens into the kit's lines (qty multiplied),
-- recursively; `kits` is the path of products opened so far (a kit met twice is a cycle).
-- Only lines that reach a kit go through the recursion; the others are edges as they are.
exploded (parent_id, component_id, qty, kits) as (
  select l.parent_id, l.component_id, l.qty, array[l.parent_id]
  from line l
  where l.kit_line
  union all
  select e.parent_id, l.component_id, e.qty * l.qty, e.kits || e.component_id
  from exploded e
  join kit_line l on l.parent_id = e.component_id
  where not (e.component_id = any (e.kits)) and cardinality(e.kits) < $5::int
),
kit_use as materialized (   -- kits used by each product (their operations count at the product's level)
  select e.parent_id, e.component_id as kit_id, e.qty, e.component_id = any (e.kits) as cycle, e.kits
  from exploded e
  join head k on k.product_id = e.component_id and k.is_kit
),
-- the costing graph: products and the non-kit components they consume per unit
edge as materialized (
  select l.parent_id, l.component_id, l.qty
  from line l
  where not l.kit_line
  union all
  select e.parent_id, e.component_id, e.qty
  from exploded e
  where not exists (select 1 from head k where k.product_id = e.component_id and k.is_kit)
),
-- made products numbered 1..n: the levels are found in an array indexed by that number
head_ix as materialized (
  select product_id, row_number() over (order by product_id)::int as ix from head
),
-- the part of the costing graph between made products, once per pair: what the levels follow
made_edge as materialized (
  select distinct p.ix as pix, c.ix as cix
  from edge e
  join head_ix c on c.product_id = e.component_id
  join head_ix p on p.product_id = e.parent_id
),
-- operations at each product's level: its own plus those of the kits it explodes (null: a problem)
level_ops as materialized (
  select h.product_id,
         case when bool_and(u.parent_id is null or (not u.cycle and u.qty is not null and ko.cost is not null))
              then max(oo.cost) + coalesce(sum(u.qty * ko.cost), 0) end as cost
  from head h
  join own_ops oo on oo.product_id = h.product_id
  left join kit_use u on u.parent_id = h.product_id
  left join own_ops ko on ko.product_id = u.kit_id
  group by h.product_id
),
-- levels, bottom-up: 0 for a product made from bought components only, else one more than its
-- highest made component. A product gets its level once every made component has one, one step
-- per level; h[ix] holds level + 1 for the levels found so far, 0 while unknown (no nulls: an
-- array with nulls is read element by element). In or above a cycle: never.
height (step, h, added) as (
  select 0, array_agg(case when m.pix is null then 1 else 0 end order by x.ix), 1::bigint
  from head_ix x
  left join (select distinct pix from made_edge) m on m.pix = x.ix
  union all
  select r.step + 1, n.h, n.added
  from height r
  cross join lateral (
    select array_agg(case when ready.pix is not null then r.step + 2 else r.h[x.ix] end order by x.ix) as h,
           count(ready.pix) as added
    from head_ix x
    left join (
      select e.pix
      from made_edge e
      where r.h[e.pix] = 0
      group by e.pix
      having bool_and(r.h[e.cix] > 0)
    ) ready on ready.pix = x.ix
  ) n
  where r.added > 0 and r.step < $5::int
),
level as materialized (
  select x.product_id, l.h - 1 as lvl
  from (select h from height order by step desc limit 1) t
  cross join lateral unnest(t.h) with ordinality as l(h, ix)
  join head_ix x on x.ix = l.ix
  where l.h > 0
),
-- the newest applicable cost update per product
cost_update as materialized (
  select distinct on (u.product_id) u.product_id, u.cost, u.batch_id
  from cost_update_lines u
  join batches b on b.id = u.batch_id and b.kind = 'cost_update' and b.status in ('approved', 'loaded')
  where u.product_id is not null and u.cost is not null and u.valid_from <= $3::date
  order by u.product_id, u.valid_from desc, u.batch_id desc, u.line_no desc
),
-- components bought (no BoM): their cost, and whether it is missing
purchased as materialized (
  select x.component_id as product_id,
         coalesce(case when $4::int is null then cu.cost else round(cu.cost, $4::int) end,
                  case when p.standard_price = 0 and $9::boolean then null else p.standard_price end) as cost,
         cu.batch_id as update_batch_id
  from (select distinct component_id from edge) x
  join md_products p on p.odoo_id = x.component_id
  left join cost_update cu on cu.product_id = x.component_id
  where not exists (select 1 from head h where h.product_id = x.component_id)
),
overhead as (
  select o.categ_id, o.pct from unnest($6::bigint[], $7::numeric[]) as o(categ_id, pct)
),
-- every product the cost run learns, numbered in the order it learns them: the bought ones
-- first, then the made ones level by level (by id within a level); what is known about them
-- lives in arrays indexed by that number
run_ix as materialized (
  select product_id, lvl, row_number() over (order by lvl, product_id)::int as gx
  from (select product_id, -1 as lvl from purchased union all select product_id, lvl from level) t
),
-- what each level step needs, prepared once: every made product with a level (operations null:
-- a problem) and its overhead percent
node as materialized (
  select g.product_id, g.lvl, g.gx, lo.cost as ops, coalesce(oh.pct, 0) as pct
  from run_ix g
  left join level_ops lo on lo.product_id = g.product_id
  join md_products p on p.odoo_id = g.product_id
  left join overhead oh on oh.categ_id = p.categ_id
  where g.lvl >= 0
),
-- the edges of each level's products, with the component's number, as one row of arrays per
-- level: a step unnests only its own (a product without components has one row without one)
level_edge as materialized (
  select n.lvl,
         array_agg(n.product_id) as product_ids, array_agg(coalesce(c.gx, 0)) as cgx,
         array_agg(coalesce(e.qty, 0)) as qty, array_agg(coalesce(e.qty, 0)::float8) as qf,
         array_agg(e.parent_id is not null) as has_edge, array_agg(c.gx is not null and e.qty is not null) as usable
  from node n
  left join edge e on e.parent_id = n.product_id
  left join run_ix c on c.product_id = e.component_id
  group by n.lvl
),
level_node as materialized (   -- and the level's products themselves
  select lvl, array_agg(product_id order by gx) as product_ids, array_agg(gx order by gx) as gx,
         array_agg(ops order by gx) as ops, array_agg(pct order by gx) as pct
  from node
  group by lvl
),
-- bottom-up, one level per step. c_* hold, by number, what is known so far: the unit cost in
-- billionths (int8: exact, and cheap to multiply; -2^63: not costed), and purchased material,
-- operations and overhead rolled up through all levels (float8: for the report). Billionths, so
-- an unrounded price (Odoo 19) keeps its precision through many units of it. No nulls in
-- them (an array with nulls is read element by element), and every product of a level is
-- appended, costed or not, so the numbers hold. n_* are the step's costed products.
cost_run (lvl, c_cost, c_mat, c_ops, c_ovh, c_bought, n_ids, n_cost, n_material, n_purchased, n_ops, n_pct, n_ovh, n_mat_rolled, n_ops_rolled, n_ovh_rolled) as (
  select -1,
         coalesce(array_agg(round(coalesce(p.cost, 0) * 1000000000)::int8 order by p.product_id), '{}'),
         coalesce(array_agg(coalesce(p.cost, 0)::float8 order by p.product_id), '{}'),
         coalesce(array_agg(0::float8 order by p.product_id), '{}'),
         coalesce(array_agg(0::float8 order by p.product_id), '{}'),
         coalesce(array_agg(true order by p.product_id), '{}'),
         '{}'::bigint[], '{}'::numeric[], '{}'::numeric[], '{}'::numeric[], '{}'::numeric[], '{}'::numeric[], '{}'::numeric[], '{}'::float8[], '{}'::float8[], '{}'::float8[]
  from purchased p
  union all
  select r.lvl + 1,
         r.c_cost || coalesce(n.c_cost, '{}'), r.c_mat || coalesce(n.c_mat, '{}'), r.c_ops || coalesce(n.c_ops, '{}'),
         r.c_ovh || coalesce(n.c_ovh, '{}'), r.c_bought || coalesce(n.c_bought, '{}'),
         coalesce(n.ids, '{}'), coalesce(n.cost, '{}'), coalesce(n.material, '{}'), coalesce(n.purchased, '{}'), coalesce(n.ops, '{}'),
         coalesce(n.pct, '{}'), coalesce(n.ovh, '{}'), coalesce(n.mat_rolled, '{}'), coalesce(n.ops_rolled, '{}'), coalesce(n.ovh_rolled, '{}')
  from cost_run r
  cross join lateral (
    select array_agg(coalesce(round(y.new_cost * 1000000000)::int8, -9223372036854775808) order by y.gx) as c_cost,
           array_agg(case when y.new_cost is not null then y.mat_rolled else 0 end order by y.gx) as c_mat,
           array_agg(case when y.new_cost is not null then y.ops_lower + y.ops::float8 else 0 end order by y.gx) as c_ops,
           array_agg(case when y.new_cost is not null then y.ovh_lower + y.ovh::float8 else 0 end order by y.gx) as c_ovh,
           array_agg(false order by y.gx) as c_bought,
           array_agg(y.product_id) filter (where y.new_cost is not null) as ids,
           array_agg(y.new_cost) filter (where y.new_cost is not null) as cost,
           array_agg(y.material) filter (where y.new_cost is not null) as material,
           array_agg(y.purchased) filter (where y.new_cost is not null) as purchased,
           array_agg(y.ops) filter (where y.new_cost is not null) as ops,
           array_agg(y.pct) filter (where y.new_cost is not null) as pct,
           array_agg(y.ovh) filter (where y.new_cost is not null) as ovh,
           array_agg(y.mat_rolled) filter (where y.new_cost is not null) as mat_rolled,
           array_agg(y.ops_lower + y.ops::float8) filter (where y.new_cost is not null) as ops_rolled,
           array_agg(y.ovh_lower + y.ovh::float8) filter (where y.new_cost is not null) as ovh_rolled
    from (
      -- half up; a value within 1e-9 below a half cent is that half cent (the exact value came out
      -- of repeating decimals a hair below it: 5 units of a product kept in dozens, 75 % efficiency)
      select z.*, case when not z.ready then null
                       when $4::int is null then round(z.material + z.ops + z.ovh, 10)
                       else round(z.material + z.ops + z.ovh + sign(z.material + z.ops + z.ovh) * 0.000000001, $4::int) end as new_cost
      from (
        select x.*,
               x.pct / 100 * case $8::text
                 when 'operations' then x.ops
                 when 'material' then x.purchased
                 else x.purchased + x.ops
               end as ovh
        from (
          select n.product_id, n.gx, n.ops, n.pct,
                 -- costed only when its operations and every component are (one that is not: a problem below)
                 a.ready and n.ops is not null as ready,
                 a.material / 1000000000 as material, a.purchased / 1000000000 as purchased,
                 a.mat_rolled, a.ops_lower, a.ovh_lower
          from (
            select ne.product_id,
                   bool_and(not ne.has_edge or (ne.usable and r.c_cost[ne.cgx] <> -9223372036854775808)) as ready,
                   coalesce(sum(ne.qty * r.c_cost[ne.cgx]) filter (where ne.usable), 0) as material,
                   coalesce(sum(ne.qty * r.c_cost[ne.cgx]) filter (where ne.usable and r.c_bought[ne.cgx]), 0) as purchased,
                   coalesce(sum(ne.qf * r.c_mat[ne.cgx]) filter (where ne.usable), 0) as mat_rolled,
                   coalesce(sum(ne.qf * r.c_ops[ne.cgx]) filter (where ne.usable), 0) as ops_lower,
                   coalesce(sum(ne.qf * r.c_ovh[ne.cgx]) filter (where ne.usable), 0) as ovh_lower
            from level_edge le,
                 unnest(le.product_ids, le.cgx, le.qty, le.qf, le.has_edge, le.usable) as ne(product_id, cgx, qty, qf, has_edge, usable)
            where le.lvl = r.lvl + 1
            group by ne.product_id
          ) a
          join (
            select n.*
            from level_node ln, unnest(ln.product_ids, ln.gx, ln.ops, ln.pct) as n(product_id, gx, ops, pct)
            where ln.lvl = r.lvl + 1
          ) n on n.product_id = a.product_id
        ) x
      ) z
    ) y
  ) n
  where r.lvl < (select coalesce(max(lvl), -1) from level)
),
costed as (
  select x.*
  from cost_run r,
       unnest(r.n_ids, r.n_cost, r.n_material, r.n_purchased, r.n_ops, r.n_pct, r.n_ovh, r.n_mat_rolled, r.n_ops_rolled, r.n_ovh_rolled)
         as x(product_id, new_cost, material, purchased, ops, pct, ovh, mat_rolled, ops_rolled, ovh_rolled)
),
-- why a product could not be costed (the reasons as sets, so a big blocked structure stays cheap)
own_problem as materialized (
  select parent_id as product_id, 'a BoM line has a unit or product problem' as reason from line where problem is not null
  union all
  select product_id, 'an operation has no usable workcenter' from operation where problem is not null
  union all
  select product_id, 'its BoM: ' || problem from head where problem is not null
),
blocked as (
  select h.product_id,
         case
           when op.reason is not null then op.reason
           when kc.parent_id is not null then 'a kit in its BoM contains itself'
           when lv.product_id is null then 'in or above a BoM cycle (or more than ' || $5::int || ' levels deep)'
           when kp.parent_id is not null then 'a kit in its BoM has a problem'
           else 'a component could not be costed'
         end as reason
  from head h
  left join level lv on lv.product_id = h.product_id
  left join (select distinct parent_id from kit_use where cycle) kc on kc.parent_id = h.product_id
  left join (select distinct on (product_id) product_id, reason from own_problem order by product_id, reason) op on op.product_id = h.product_id
  left join (select distinct u.parent_id from kit_use u join own_problem q on q.product_id = u.kit_id) kp on kp.parent_id = h.product_id
  where not exists (select 1 from costed c where c.product_id = h.product_id)
),
missing as (
  select p.product_id, array_agg(distinct coalesce(pp.default_code, '#' || e.parent_id)) as parents
  from purchased p
  join edge e on e.component_id = p.product_id
  left join md_products pp on pp.odoo_id = e.parent_id
  where p.cost is null
  group by p.product_id
),
rolled_lines as (
  insert into cost_rollup_lines (batch_id, product_id, default_code, name, categ_id, categ_name, cost_method, valuation, uom_id,
                                 kind, level, bom_id, bom_code, bom_qty,
                                 material_cost, purchased_material, operation_cost, overhead_pct, overhead_cost,
                                 material_rolled, operation_rolled, overhead_rolled,
                                 new_cost, current_cost, delta, delta_pct, writable, note, update_batch_id)
  select $1::bigint, h.product_id, p.default_code, p.name, p.categ_id, p.categ_name, p.cost_method, p.valuation, p.uom_id,
         case when h.is_kit then 'kit' else 'manufactured' end, lv.lvl, h.bom_id, h.bom_code, h.bom_qty,
         round(c.material, 6), round(c.purchased, 6), round(c.ops, 6), c.pct, round(c.ovh, 6),
         round(c.mat_rolled::numeric, 6), round(c.ops_rolled::numeric, 6), round(c.ovh_rolled::numeric, 6),
         f.cost, p.standard_price,
         f.cost - coalesce(p.standard_price, 0),
         case when coalesce(p.standard_price, 0) <> 0 then round((f.cost - p.standard_price) / p.standard_price * 100, 4) end,
         coalesce(p.cost_method, 'standard') = 'standard' and c.new_cost is not null,
         case
           when b.reason is not null then 'not costed: ' || b.reason
           when coalesce(p.cost_method, 'standard') <> 'standard' then 'cost method ' || p.cost_method || ': computed, not written'
         end,
         null::bigint
  from head h
  join md_products p on p.odoo_id = h.product_id
  left join level lv on lv.product_id = h.product_id
  left join costed c on c.product_id = h.product_id
  cross join lateral (select case when $4::int is null and abs(c.new_cost - p.standard_price) < 0.0000005 then p.standard_price
                                  else c.new_cost end as cost) f
  left join blocked b on b.product_id = h.product_id
  union all
  -- components whose cost comes from an update file: their new standard cost
  select $1::bigint, cu.product_id, p.default_code, p.name, p.categ_id, p.categ_name, p.cost_method, p.valuation, p.uom_id,
         'component', null, null, null, null,
         cu.cost, cu.cost, 0, 0, 0, cu.cost, 0, 0,
         f.cost, p.standard_price,
         f.cost - coalesce(p.standard_price, 0),
         case when coalesce(p.standard_price, 0) <> 0 then round((f.cost - p.standard_price) / p.standard_price * 100, 4) end,
         coalesce(p.cost_method, 'standard') = 'standard',
         case when coalesce(p.cost_method, 'standard') <> 'standard' then 'cost method ' || p.cost_method || ': not written' end,
         cu.batch_id
  from cost_update cu
  join md_products p on p.odoo_id = cu.product_id and p.deleted_at is null
  cross join lateral (select case when $4::int is not null then round(cu.cost, $4::int)
                                  when abs(cu.cost - p.standard_price) < 0.0000005 then p.standard_price
                                  else round(cu.cost, 10) end as cost) f
  where not exists (select 1 from head h where h.product_id = cu.product_id)
  returning kind, new_cost
),
problems as (
  insert into cost_rollup_problems (batch_id, kind, product_id, component_id, bom_id, line_id, detail)
  -- edges between products that sit in or under a cycle: the job finds the cycles among them
  select $1::bigint, 'cycle_edge', p.product_id, c.product_id, null::bigint, null::bigint, '{}'::jsonb
  from made_edge e
  join head_ix p on p.ix = e.pix
  join head_ix c on c.ix = e.cix
  where not exists (select 1 from level a where a.product_id = p.product_id)
    and not exists (select 1 from level b where b.product_id = c.product_id)
  union all
  select $1::bigint, 'kit_cycle', u.parent_id, u.kit_id, null, null, jsonb_build_object('path', u.kits || u.kit_id)
  from kit_use u where u.cycle
  union all
  select $1::bigint, 'missing_cost', null, m.product_id, null, null, jsonb_build_object('parents', m.parents)
  from missing m
  union all
  select $1::bigint, 'unit', h.product_id, null, h.bom_id, null,
         jsonb_build_object('problem', h.problem, 'bom_qty', h.bom_qty, 'bom_uom_id', h.bom_uom_id, 'product_uom_id', h.product_uom_id)
  from head h where h.problem is not null
  union all
  select $1::bigint, case when l.problem = 'unknown_component' then 'unknown_component' else 'unit' end,
         l.parent_id, l.component_id, l.bom_id, l.line_id,
         jsonb_build_object('problem', l.problem, 'line_uom_id', l.line_uom_id, 'component_uom_id', l.component_uom_id)
  from line l where l.problem is not null
  union all
  select $1::bigint, 'operation', o.product_id, null, h.bom_id, o.operation_id,
         jsonb_build_object('problem', o.problem, 'workcenter_id', o.workcenter_id)
  from operation o join head h on h.product_id = o.product_id
  where o.problem is not null
  returning kind
)
select (select count(*) from rolled_lines where kind <> 'component')::int as products,
       (select count(*) from rolled_lines where kind <> 'component' and new_cost is not null)::int as costed,
       (select count(*) from rolled_lines where kind = 'kit')::int as kits,
       (select count(*) from rolled_lines where kind = 'component')::int as components_updated,
       (select coalesce(max(lvl), 0) from level)::int as max_level,
       (select count(*) from purchased)::int as purchased_components,
       (select count(*) from edge)::int as edges,
       (select coalesce(jsonb_object_agg(kind, n), '{}') from (select kind, count(*) as n from problems group by kind) q) as problems;
