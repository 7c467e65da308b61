-- Scrap per (asset, product, shift) of one recomputation; product '' when neither the tag nor the
-- asset names it. $1 batch id; then one array per column, times as epoch ms.
insert into historian_scrap (asset, product, shift_date, shift, start_at, end_at, quantity, complete, batch_id)
select s.asset, coalesce(s.product, ''), s.shift_date, s.shift, to_timestamp(s.start_ms / 1000), to_timestamp(s.end_ms / 1000),
       s.quantity, s.complete, $1::bigint
from unnest($2::text[], $3::text[], $4::date[], $5::text[], $6::float8[], $7::float8[], $8::float8[], $9::boolean[])
       as s(asset, product, shift_date, shift, start_ms, end_ms, quantity, complete)
