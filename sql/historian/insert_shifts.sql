-- Shift summaries of one recomputation. $1 batch id; then one array per column, times as epoch ms.
insert into historian_shifts (asset, shift_date, shift, start_at, end_at, good, scrap, running_minutes, down_minutes,
                              idle_minutes, complete, batch_id)
select s.asset, s.shift_date, s.shift, to_timestamp(s.start_ms / 1000), to_timestamp(s.end_ms / 1000), s.good, s.scrap,
       s.running, s.down, s.idle, s.complete, $1::bigint
from unnest($2::text[], $3::date[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[],
            $10::float8[], $11::float8[], $12::boolean[])
       as s(asset, shift_date, shift, start_ms, end_ms, good, scrap, running, down, idle, complete)
