-- Downtime events of one recomputation. $1 batch id; then one array per column, times as epoch ms.
insert into historian_downtime (asset, start_at, end_at, open, tag, state_code, loss_reason, minutes, shift_date, shift, batch_id)
select e.asset, to_timestamp(e.start_ms / 1000), to_timestamp(e.end_ms / 1000), e.open, e.tag, e.state_code,
       e.loss_reason, e.minutes, e.shift_date, e.shift, $1::bigint
from unnest($2::text[], $3::float8[], $4::float8[], $5::boolean[], $6::text[], $7::text[], $8::text[], $9::float8[],
            $10::date[], $11::text[])
       as e(asset, start_ms, end_ms, open, tag, state_code, loss_reason, minutes, shift_date, shift)
