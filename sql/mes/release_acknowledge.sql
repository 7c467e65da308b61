-- An answer of the MES for one order (load/mes/releases.ts recordAcknowledgments). A cancelled
-- release stays cancelled (the answer is kept); otherwise acknowledged or refused.
-- $1 mo_name, $2 accepted, $3 answer text, $4 answered at
update mes_releases
set state = case when state = 'cancelled' then 'cancelled' when $2::boolean then 'acknowledged' else 'refused' end,
    acknowledged_at = case when $2::boolean then $4::timestamptz else acknowledged_at end,
    answer = nullif($3::text, ''),
    updated_at = now()
where mo_name = $1::text
returning state;
