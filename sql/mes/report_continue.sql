-- A partial completion closed with a backorder (mes-load): the request continues on the backorder.
-- The release keeps its key (the request ID the MES knows); mo_id moves to the backorder, the
-- closed order joins previous_mo_ids. Repeatable (a retry changes nothing).
-- $1 mo_name, $2 closed order id, $3 backorder id, $4 backorder name, $5 backorder quantity,
-- $6 jsonb the closed order's work orders {id: name}
update mes_releases
set previous_mo_ids = case when $2::bigint = any(previous_mo_ids) then previous_mo_ids else previous_mo_ids || $2::bigint end,
    mo_id = $3::bigint,
    continued_name = $4::text,
    continued_qty = $5::numeric,
    previous_work_orders = previous_work_orders || $6::jsonb,
    updated_at = now()
where mo_name = $1::text and mo_id in ($2::bigint, $3::bigint)
returning mo_name;
