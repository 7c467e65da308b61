-- Buckets of one recomputation. $1 batch id; then one array per column, times as epoch ms.
insert into historian_buckets (tag, bucket_start, bucket_end, asset, kind, samples, delta, min, max, avg, twa,
                               running_seconds, down_seconds, idle_seconds, unknown_seconds, batch_id)
select b.tag, to_timestamp(b.start_ms / 1000), to_timestamp(b.end_ms / 1000), b.asset, b.kind, b.samples,
       b.delta, b.min, b.max, b.avg, b.twa, b.running, b.down, b.idle, b.unknown, $1::bigint
from unnest($2::text[], $3::float8[], $4::float8[], $5::text[], $6::text[], $7::int[], $8::float8[], $9::float8[],
            $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::float8[], $15::float8[], $16::float8[])
       as b(tag, start_ms, end_ms, asset, kind, samples, delta, min, max, avg, twa, running, down, idle, unknown)
